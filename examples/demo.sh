#!/usr/bin/env bash
# The main job on the built-in example: generate the example models, show what this machine can do,
# start a pipeline config for each model, build its engine (TensorRT-RTX builds on the CPU) and look inside it.
set -euo pipefail
out="${1:-build/demo}"
here="$(cd "$(dirname "$0")/.." && pwd)"
py="${PYTHON:-$here/.venv/bin/python}"
trtkit=("$py" -m trtkit)

echo "== example models"
"$py" "$here/examples/make_models.py" --out "$out/models"

echo "== trtkit doctor"
"${trtkit[@]}" doctor

echo "== trtkit inspect $out/models/transformer_encoder.onnx"
"${trtkit[@]}" inspect "$out/models/transformer_encoder.onnx"

for model in resnet18 transformer_encoder; do
  echo "== trtkit config init $out/models/$model.onnx"
  "${trtkit[@]}" config init "$out/models/$model.onnx" -o "$out/$model.yaml" --force
  "${trtkit[@]}" config validate "$out/$model.yaml"
  echo "== trtkit lint $out/$model.yaml (the config and its model)"
  "${trtkit[@]}" lint "$out/$model.yaml"
  echo "== trtkit build --config $out/$model.yaml -o $out/engines/$model.engine"
  "${trtkit[@]}" build --config "$out/$model.yaml" -o "$out/engines/$model.engine"
  echo "== trtkit inspect $out/engines/$model.engine.graph.json"
  "${trtkit[@]}" inspect "$out/engines/$model.engine.graph.json"
done

echo
echo "Written under $out:"
echo "  models/resnet18.onnx, models/transformer_encoder.onnx   example models"
echo "  resnet18.yaml, transformer_encoder.yaml                  starter pipeline configs (edit the profiles),"
echo "                                                           linted with their models"
echo "  engines/*.engine (+ .graph.json, .build.metadata.json, .build.log)   engines built from those configs"
