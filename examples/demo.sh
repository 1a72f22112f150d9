#!/usr/bin/env bash
# The main job on the built-in example, on a machine without a GPU: generate the example CNN, then one
# `trtkit run` converts it to FP16 (Model Optimizer AutoCast), builds the engine with TensorRT-RTX on the CPU,
# inspects and lints it, and compares the FP16 model's outputs with the FP32 original. Profiling needs a GPU
# and TensorRT: the pipeline says so and goes on. A second run finds nothing changed and does no work.
set -euo pipefail
out="${1:-build/demo}"
here="$(cd "$(dirname "$0")/.." && pwd)"
py="${PYTHON:-$here/.venv/bin/python}"
trtkit=("$py" -m trtkit)
mkdir -p "$out"
out="$(cd "$out" && pwd)"

echo "== example models"
"$py" "$here/examples/make_models.py" --out "$out/models"

echo "== trtkit doctor"
"${trtkit[@]}" doctor

# The reviewed pipeline config of the example CNN (configs/resnet18.yaml), pointed at this demo's folders.
pipeline=("$here/configs/resnet18.yaml" --set "model=$out/models/resnet18.onnx" --set "workdir=$out/resnet18")

echo "== trtkit run configs/resnet18.yaml  (convert FP16, build, profile, inspect, lint, compare)"
"${trtkit[@]}" run "${pipeline[@]}"

echo "== trtkit run again: nothing changed, nothing redone"
"${trtkit[@]}" --quiet run "${pipeline[@]}"

echo "== trtkit inspect $out/resnet18/resnet18.engine.graph.json"
"${trtkit[@]}" inspect "$out/resnet18/resnet18.engine.graph.json" --top 5

echo "== trtkit compare outputs: the FP32 model against its FP16 conversion"
"${trtkit[@]}" compare outputs "$out/models/resnet18.onnx" "$out/resnet18/resnet18.fp16.onnx" \
  --shapes input:1x3x224x224

echo "== trtkit report: the engine's report card, one HTML file that opens offline"
"${trtkit[@]}" report "$out/resnet18" -o "$out/resnet18/report.html"

echo
echo "Written under $out:"
echo "  models/resnet18.onnx, models/transformer_encoder.onnx   the example models (FP32)"
echo "  resnet18/resnet18.fp16.onnx (+ .convert.json)           the FP16 conversion and its report"
echo "  resnet18/resnet18.engine (+ .graph.json, .build.metadata.json, .build.log)"
echo "                                                          the TensorRT-RTX engine and its layer information"
echo "  resnet18/resnet18.inspect.json                          what is inside the engine"
echo "  resnet18/resnet18.lint.json, resnet18.lint.sarif        lint findings (SARIF for code-scanning services)"
echo "  resnet18/resnet18.compare.json                          FP16 outputs against the FP32 original"
echo "  resnet18/trtkit.manifest.json                           what produced each artifact, from which inputs"
echo "  resnet18/report.html                                    the report card: open it in a browser"
