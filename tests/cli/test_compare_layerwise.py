"""`trtkit compare outputs REF CAND --layerwise`: every intermediate tensor of a conversion compared with the
reference's tensor of the same name, in execution order; a planted precision-sensitive region is named."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import numpy as np
import onnx
import pytest
from make_models import plant_cancellations

from trtkit.report.layerwise_html import JUMP_COLOR

needs_modelopt = pytest.mark.skipif(importlib.util.find_spec("modelopt") is None,
                                    reason="NVIDIA Model Optimizer is not installed (make install puts it in .venv)")
PLANTED_AFTER = "/layer2/layer2.0/relu/Relu_output_0"
SHAPES = ("--shapes", "input:1x3x64x64")


def planted_resnet(source: Path, target: Path) -> Path:
    """The small example ResNet-18 with `+ 300 - 300` after one ReLU (FP16's spacing at 300 is 0.25)."""
    onnx.save(plant_cancellations(onnx.load(str(source)), [PLANTED_AFTER]), str(target))
    return target


def _fp16(run_cli, source: Path, target: Path) -> Path:
    result = run_cli("convert", source, "-o", target, "--precision", "fp16", *SHAPES, "--no-verify")
    assert result.exit_code == 0, result.stderr[-2000:]
    return target


@needs_modelopt
def test_planted_region_is_named_at_its_node(run_cli, example_models, tmp_path):
    source = planted_resnet(example_models["resnet18"], tmp_path / "planted.onnx")
    candidate = _fp16(run_cli, source, tmp_path / "planted.fp16.onnx")
    result = run_cli("compare", "outputs", source, candidate, *SHAPES, "--layerwise", "--json")
    document = result.json()
    assert result.exit_code == 1 and not document["passed"]  # the planted region breaks the outputs too
    assert document["schema"] == "trtkit/compare-layerwise/v1"
    assert document["runner"] == "trtkit-reference-fp16" and document["reference_runner"] == "onnxruntime-cpu"
    assert document["jump"]["node"] == "/planted/Sub" and document["jump"]["added_error"] > 0.01
    assert document["first_beyond_tolerance"]["node"] == "/planted/Sub"
    names = [tensor["name"] for tensor in document["tensors"]]
    before = names[:names.index("/planted/Sub_output_0")]
    assert before and all(tensor["passed"] for tensor in document["tensors"][:len(before)])
    page = tmp_path / "layerwise.html"
    table = run_cli("compare", "outputs", source, candidate, *SHAPES, "--layerwise", "--html", page)
    assert table.exit_code == 1
    assert "error jumps at node /planted/Sub (Sub)" in table.stdout
    assert "first tensor beyond tolerance: /planted/Sub_output_0" in table.stdout
    html = page.read_text()
    chart = html[html.index('data-chart="layerwise-error"'):]
    chart = chart[:chart.index("</svg>")]
    assert chart.count('class="mark"') == len(names)  # one column per tensor, in execution order
    assert f'fill="{JUMP_COLOR}"><title>#{names.index("/planted/Sub_output_0")} /planted/Sub_output_0' in chart
    assert "trtkit-reference-fp16" in html and 'data-table="layerwise-tensors"' in html


@needs_modelopt
def test_example_encoder_in_fp16_matches_tensors_in_execution_order(run_cli, example_models, tmp_path):
    source = example_models["transformer_encoder"]
    shapes = ("--shapes", "input_ids:1x16,attention_mask:1x16")
    candidate = tmp_path / "encoder.fp16.onnx"
    assert run_cli("convert", source, "-o", candidate, "--precision", "fp16", *shapes, "--no-verify").exit_code == 0
    result = run_cli("compare", "outputs", source, candidate, *shapes, "--layerwise", "--json")
    document = result.json()
    assert result.exit_code == 0 and document["passed"], document["outputs"]
    tensors = document["tensors"]
    assert document["compared"] == len(tensors) > 20
    order = [output for node in onnx.load(str(candidate)).graph.node for output in node.output]
    positions = [order.index(tensor["name"]) for tensor in tensors]
    assert positions == sorted(positions)  # the candidate's execution order
    casts = {node.output[0] for node in onnx.load(str(candidate)).graph.node if node.op_type == "Cast"}
    assert not casts & {tensor["name"] for tensor in tensors}  # inserted casts are not compared
    assert all(tensor["metrics"]["max_abs"] is not None for tensor in tensors)


@needs_modelopt
def test_int8_candidate_skips_qdq_and_runs_in_onnxruntime(run_cli, example_models, tmp_path):
    source = example_models["resnet18"]
    candidate = tmp_path / "resnet18.int8.onnx"
    assert run_cli("convert", source, "-o", candidate, "--quantize", "int8", *SHAPES, "--no-verify").exit_code == 0
    result = run_cli("compare", "outputs", source, candidate, *SHAPES, "--layerwise", "--json")
    document = result.json()
    assert document["runner"] == "onnxruntime-cpu" and document["precision"] == "int8"
    qdq = {output for node in onnx.load(str(candidate)).graph.node
           if node.op_type in ("QuantizeLinear", "DequantizeLinear") for output in node.output}
    names = {tensor["name"] for tensor in document["tensors"]}
    assert names and not names & qdq
    assert max(tensor["relative_error"] for tensor in document["tensors"]) > 1e-3  # quantized, not FP32


def test_candidate_without_shared_tensor_names_exits_3(run_cli, example_models, tmp_path):
    source = example_models["resnet18"]
    model = onnx.load(str(source))
    outputs = {value.name for value in model.graph.output}
    renamed = {output: f"other{index}" for index, node in enumerate(model.graph.node) for output in node.output
               if output not in outputs}
    for node in model.graph.node:
        node.input[:] = [renamed.get(name, name) for name in node.input]
        node.output[:] = [renamed.get(name, name) for name in node.output]
    onnx.save(model, str(tmp_path / "renamed.onnx"))
    result = run_cli("compare", "outputs", source, tmp_path / "renamed.onnx", *SHAPES, "--layerwise")
    assert result.exit_code == 3
    assert "renamed.onnx shares no intermediate tensor names with" in result.stderr
    assert "compared the 70 float tensors the reference's nodes compute with the 70" in result.stderr


def test_layerwise_needs_two_onnx_models(run_cli, example_models, tmp_path):
    saved = tmp_path / "outputs.npz"
    np.savez(saved, output=np.zeros((1, 10), np.float32))
    result = run_cli("compare", "outputs", example_models["resnet18"], saved, "--layerwise")
    assert result.exit_code == 2 and "--layerwise compares an ONNX model with its conversion or its engine" in \
        result.stderr
    engines = run_cli("compare", example_models["resnet18"], example_models["resnet18"], "--layerwise")
    # an option of `compare outputs` only: the engines' compare does not take it
    assert engines.exit_code == 2 and "No such option: --layerwise" in engines.stderr
    html_alone = run_cli("compare", "outputs", example_models["resnet18"], saved, "--html", tmp_path / "x.html")
    assert html_alone.exit_code == 2 and "add --layerwise" in html_alone.stderr
    assert not (tmp_path / "x.html").exists()


def test_inputs_a_candidate_rejects_are_a_one_line_input_error(run_cli, example_models, tmp_path):
    # the candidate's shapes were fixed at 1x16; inputs of 1x8 fit the dynamic reference only
    source = example_models["transformer_encoder"]
    fixed = tmp_path / "fixed.onnx"
    assert run_cli("convert", source, "-o", fixed, "--shapes", "input_ids:1x16,attention_mask:1x16",
                   "--no-verify").exit_code == 0
    for flags in ((), ("--layerwise",)):
        result = run_cli("compare", "outputs", source, fixed, "--shapes", "input_ids:1x8,attention_mask:1x8", *flags)
        assert result.exit_code == 3, result.stderr
        assert f"onnxruntime cannot run {fixed} on these inputs" in result.stderr
        assert len(result.stderr.strip().splitlines()) == 1


@pytest.mark.skipif(importlib.util.find_spec("tensorrt_rtx") is None, reason="TensorRT-RTX is not installed")
def test_engine_with_every_layer_output_marked(run_cli, example_models, tmp_path, monkeypatch):
    # the build is real (TensorRT-RTX on the CPU); running an engine needs a GPU, so the run is a test double that
    # returns what an FP16 engine's marked outputs would: the faithful FP16 values, under the ONNX tensor names
    from tests.backends.test_reference_runner import _all_fp16
    from trtkit.backends.reference import run_reference

    source = planted_resnet(example_models["resnet18"], tmp_path / "planted.onnx")
    fp16 = tmp_path / "planted.fp16.onnx"
    onnx.save(_all_fp16(onnx.load(str(source))), str(fp16))
    engine = tmp_path / "planted.engine"
    built = run_cli("build", fp16, "-o", engine, "--backend", "tensorrt-rtx", *SHAPES, "--set",
                    "build.mark_all_outputs=true", "--json")
    assert built.exit_code == 0, built.stderr[-2000:]
    document = built.json()
    assert any("layer outputs marked as network outputs" in warning for warning in document["warnings"])
    outputs = {output["name"] for output in document["network"]["outputs"]}
    assert {"/planted/Sub_output_0", "/layer2/layer2.0/relu/Relu_output_0", "output"} <= outputs
    assert len(outputs) > 60
    bindings = json.loads(Path(f"{engine}.graph.json").read_text())["Bindings"]
    assert "/planted/Sub_output_0" in bindings  # the engine itself carries the marked outputs
    no_gpu = run_cli("compare", "outputs", source, engine, *SHAPES, "--layerwise")
    assert no_gpu.exit_code == 4 and "needs TensorRT and a GPU" in no_gpu.stderr

    def engine_outputs(path, feeds):
        # the engine's marked outputs that carry ONNX tensor names (TensorRT's own tensors are named ONNXTRT_...)
        assert path == engine
        onnx_names = {output for node in onnx.load(str(fp16)).graph.node for output in node.output}
        return run_reference(fp16, feeds, [name for name in outputs if name != "output" and name in onnx_names])

    monkeypatch.setattr("trtkit.backends.trt_runner.run_engine", engine_outputs)
    result = run_cli("compare", "outputs", source, engine, *SHAPES, "--layerwise", "--precision", "fp16", "--json")
    layerwise = result.json()
    assert result.exit_code == 1 and layerwise["runner"] == "tensorrt"
    assert layerwise["jump"]["node"] == "/planted/Sub"
    order = [output for node in onnx.load(str(source)).graph.node for output in node.output]
    positions = [order.index(tensor["name"]) for tensor in layerwise["tensors"]]
    assert positions == sorted(positions) and len(positions) > 60  # the reference's execution order
