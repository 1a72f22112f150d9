"""`convert` on the example models: folding, simplification, FP16/BF16 with AutoCast, INT8 with Model Optimizer
PTQ, verification in onnxruntime, and real TensorRT-RTX builds of the results (strongly typed)."""

import json
import subprocess
import sys

import onnx
import pytest
from make_models import SMALL, transformer_encoder

from tests.conftest import build_with_rtx, run_subprocess

needs_modelopt = pytest.mark.skipif(
    __import__("importlib").util.find_spec("modelopt") is None,
    reason="NVIDIA Model Optimizer is not installed (make install puts it in .venv)")
CNN_PROFILE = [{"input": ((1, 3, 64, 64), (2, 3, 64, 64), (4, 3, 64, 64))}]
ENCODER_PROFILE = [{name: ((1, 1), (2, 16), (4, 32)) for name in ("input_ids", "attention_mask")}]


def _convert(run_cli, model, output, *flags):
    result = run_cli("convert", model, "-o", output, "--json", *flags)
    assert result.exit_code == 0, result.stderr[-2000:]
    return result.json()


def _rtx_layer_types(build) -> set[str]:
    from trtkit.plan.inspector import parse_oneline_text

    listing = parse_oneline_text(build.log.read_text())
    return {tensor.dtype for layer in listing.layers for tensor in layer.inputs + layer.outputs if tensor.dtype}


@needs_modelopt
@pytest.mark.parametrize("name, profile", [("resnet18", CNN_PROFILE), ("transformer_encoder", ENCODER_PROFILE)])
def test_fp16_converts_verifies_and_builds(run_cli, example_models, tmp_path, name, profile):
    output = tmp_path / f"{name}.fp16.onnx"
    document = _convert(run_cli, example_models[name], output, "--precision", "fp16")
    assert document["schema"] == "trtkit/convert/v1" and document["passed"]
    assert "float16" in document["precision"]["weight_bytes_by_dtype"]
    assert [step["name"] for step in document["steps"]][-1] == "mixed precision fp16 (Model Optimizer AutoCast)"
    [verification] = document["verification"]["outputs"]
    assert verification["passed"] and verification["tolerance"]["source"] == "default for fp16"
    assert document["verification"]["runner"] == "trtkit-reference-fp16"
    build = build_with_rtx(output, profile, tmp_path)
    assert "FP16" in _rtx_layer_types(build)  # the strongly typed engine computes in FP16


@needs_modelopt
@pytest.mark.parametrize("name, profile", [("resnet18", CNN_PROFILE), ("transformer_encoder", ENCODER_PROFILE)])
def test_int8_quantizes_verifies_and_builds(run_cli, example_models, tmp_path, name, profile):
    # the model stays dynamic; calibration and verification data take the build profile's opt shapes
    config = tmp_path / "pipeline.yaml"
    opt = ",".join(f"{tensor}:{'x'.join(map(str, shapes[1]))}" for tensor, shapes in profile[0].items())
    low = ",".join(f"{tensor}:{'x'.join(map(str, shapes[0]))}" for tensor, shapes in profile[0].items())
    high = ",".join(f"{tensor}:{'x'.join(map(str, shapes[2]))}" for tensor, shapes in profile[0].items())
    config.write_text(f"build:\n  profiles:\n    p:\n      min: {low}\n      opt: {opt}\n      max: {high}\n")
    output = tmp_path / f"{name}.int8.onnx"
    document = _convert(run_cli, example_models[name], output, "--quantize", "int8", "--config", config)
    assert document["data"].startswith("random")
    precision = document["precision"]
    assert precision["qdq_pairs"] > 0 and precision["quantized_compute_ops"]
    assert any("meaningless" in warning for warning in document["warnings"])  # random calibration
    [verification] = document["verification"]["outputs"]
    assert document["verification"]["precision"] == "int8" and document["passed"]
    assert verification["cosine"] > 0.99 and verification["max_abs"] > 0  # really quantized, still close
    build = build_with_rtx(output, profile, tmp_path)
    assert "INT8" in _rtx_layer_types(build)


def test_folding_and_simplification_of_legacy_shape_chains(run_cli, tmp_path):
    legacy = tmp_path / "legacy.onnx"
    onnx.save(transformer_encoder(**SMALL["transformer_encoder"], legacy_shapes=True), str(legacy))
    document = _convert(run_cli, legacy, tmp_path / "out.onnx", "--shapes", "input_ids:2x16,attention_mask:2x16")
    steps = {step["name"]: step for step in document["steps"]}
    folded = steps["constant folding and cleanup"]
    simplified = steps["simplification (onnxslim)"]
    assert folded["nodes_after"] < folded["nodes_before"] * 0.6  # the Shape/Gather/Unsqueeze/Concat chains go
    assert simplified["nodes_after"] <= folded["nodes_after"]
    assert document["op_histogram_change"]["Shape"] < 0 and document["op_histogram_change"]["Concat"] < 0
    [output] = document["verification"]["outputs"]
    assert output["passed"] and output["max_abs"] < 1e-5  # outputs stay equal in onnxruntime
    dynamic = _convert(run_cli, legacy, tmp_path / "dynamic.onnx")  # dynamic dims: only the static parts fold
    assert dynamic["steps"][1]["nodes_after"] < dynamic["steps"][1]["nodes_before"]


@needs_modelopt
def test_bf16_is_verified_by_the_reference_runner(run_cli, example_models, tmp_path):
    # onnxruntime has no BF16 CPU kernels for most of it; the reference runner computes in FP32 and rounds to BF16
    document = _convert(run_cli, example_models["resnet18"], tmp_path / "r.bf16.onnx", "--precision", "bf16")
    verification = document["verification"]
    assert verification["runner"] == "trtkit-reference-bf16" and document["passed"]
    assert verification["outputs"][0]["max_abs"] > 1e-4  # rounded to BF16, not FP32 agreement


def test_without_model_optimizer_exits_4_with_the_install_command(example_models, tmp_path):
    code = ("import sys; sys.modules['modelopt'] = None; from trtkit.cli.app import main; "
            f"main(['convert', {str(example_models['resnet18'])!r}, '-o', {str(tmp_path / 'x.onnx')!r}, "
            "'--precision', 'fp16'])")
    completed = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert completed.returncode == 4
    [line] = completed.stderr.strip().splitlines()
    assert "needs NVIDIA Model Optimizer" in line and "pip install torch==2.13.0 'trtkit[modelopt]'" in line
    assert not (tmp_path / "x.onnx").exists()


def test_bad_inputs(run_cli, example_models, tmp_path):
    model = example_models["resnet18"]
    assert run_cli("convert", model, "-o", model).exit_code == 2
    assert run_cli("convert", tmp_path / "nope.onnx", "-o", tmp_path / "o.onnx").exit_code == 3
    wrong = run_cli("convert", model, "-o", tmp_path / "o.onnx", "--shapes", "image:1x3x64x64")
    assert wrong.exit_code == 2 and "not an input of the model" in wrong.stderr
    assert run_cli("convert", model, "-o", tmp_path / "o.onnx", "--precision", "fp64").exit_code == 2


def test_json_stdout_stays_clean(example_models, tmp_path):
    result = run_subprocess("convert", example_models["resnet18"], "-o", tmp_path / "o.onnx", "--json")
    assert result.exit_code == 0
    assert json.loads(result.stdout)["output"].endswith("o.onnx")


def _onnxruntime_runs_fp8_qdq() -> bool:
    """Whether this onnxruntime has CPU kernels for FP8 (E4M3FN) QuantizeLinear/DequantizeLinear: asked, not assumed."""
    import numpy as np
    import onnxruntime
    from onnx import TensorProto, helper

    scale = helper.make_tensor("scale", TensorProto.FLOAT, [], [1.0])
    zero = helper.make_tensor("zero", TensorProto.FLOAT8E4M3FN, [], [0])
    graph = helper.make_graph(
        [helper.make_node("QuantizeLinear", ["x", "scale", "zero"], ["q"]),
         helper.make_node("DequantizeLinear", ["q", "scale", "zero"], ["y"])], "fp8_qdq",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, [4])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, [4])], [scale, zero])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 19)])
    try:
        session = onnxruntime.InferenceSession(model.SerializeToString(), providers=["CPUExecutionProvider"])
        session.run(None, {"x": np.array([0.5, 1.0, 2.0, 3.0], dtype=np.float32)})
    except Exception:  # onnxruntime raises its own exception types for a missing kernel or type
        return False
    return True


@needs_modelopt
def test_int4_weight_only_and_fp8_verified_where_onnxruntime_can(run_cli, example_models, tmp_path):
    int4 = _convert(run_cli, example_models["transformer_encoder"], tmp_path / "t.int4.onnx", "--quantize", "int4")
    assert "int4" in int4["precision"]["weight_bytes_by_dtype"] and int4["precision"]["quantized_compute_ops"]
    assert int4["passed"] and int4["verification"]["precision"] == "int4"
    fp8 = _convert(run_cli, example_models["transformer_encoder"], tmp_path / "t.fp8.onnx", "--quantize", "fp8")
    assert fp8["precision"]["qdq_pairs"] > 0
    if _onnxruntime_runs_fp8_qdq():
        # a verdict that really ran: the FP8 model's outputs compared with the FP32 model's
        assert fp8["verification"]["precision"] == "fp8" and fp8["verification"]["outputs"]
        assert fp8["verification_note"] is None
    else:
        assert fp8["verification"] is None and fp8["verification_note"].startswith("not verified: onnxruntime")


@needs_modelopt
def test_calibration_from_saved_inputs(run_cli, example_models, tmp_path):
    import numpy as np

    np.savez(tmp_path / "calibration.npz", input=np.random.default_rng(0).random((4, 3, 64, 64), dtype=np.float32))
    document = _convert(run_cli, example_models["resnet18"], tmp_path / "r.int8.onnx", "--quantize", "int8",
                        "--data", tmp_path / "calibration.npz")
    assert document["data"].endswith("calibration.npz (1 feed(s))") and not document["warnings"]
    assert document["verification"]["outputs"][0]["shape"] == [4, 10]  # one run of the 4 saved samples


@needs_modelopt
def test_model_optimizer_progress_only_with_verbose(example_models, tmp_path):
    # Model Optimizer logs its progress at INFO (to stdout, which trtkit sends to stderr); trtkit shows it with
    # -v only. In a child process, as a user runs it: its loggers are configured at import.
    from tests.conftest import run_subprocess

    model = example_models["resnet18"]
    quiet = run_subprocess("convert", model, "-o", tmp_path / "a.onnx", "--precision", "fp16", "--no-verify")
    assert quiet.exit_code == 0, quiet.stderr
    assert "- INFO -" not in quiet.stderr and "- INFO -" not in quiet.stdout
    verbose = run_subprocess("-v", "convert", model, "-o", tmp_path / "b.onnx", "--precision", "fp16",
                             "--no-verify")
    assert verbose.exit_code == 0 and "[modelopt][onnx] - INFO -" in verbose.stderr
