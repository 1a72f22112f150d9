"""`compare outputs` between real ONNX models (onnxruntime) whose outputs are integers or booleans, change kind,
or are only in the candidate: integers compare exactly, a changed dtype kind fails, an extra output is named."""

from __future__ import annotations

from pathlib import Path

import onnx
from onnx import TensorProto, helper


def _model(path: Path, offset: float = 0.0, index_type: int = TensorProto.INT64, extra: bool = False) -> Path:
    """x (2x4 float) -> a token-id-like int64 output (|x|+1 scaled to ~1e6, plus `offset`), a bool mask, a float."""
    nodes = [helper.make_node("Abs", ["x"], ["magnitude"]),
             helper.make_node("Add", ["magnitude", "one"], ["shifted"]),
             helper.make_node("Mul", ["shifted", "scale"], ["scaled"]),
             helper.make_node("Add", ["scaled", "offset"], ["moved"]),
             helper.make_node("Cast", ["moved"], ["ids"], to=index_type),
             helper.make_node("Greater", ["x", "zero"], ["mask"]),
             helper.make_node("Relu", ["x"], ["features"])]
    outputs = [helper.make_tensor_value_info("ids", index_type, [2, 4]),
               helper.make_tensor_value_info("mask", TensorProto.BOOL, [2, 4]),
               helper.make_tensor_value_info("features", TensorProto.FLOAT, [2, 4])]
    if extra:
        nodes.append(helper.make_node("Neg", ["x"], ["debug"]))
        outputs.append(helper.make_tensor_value_info("debug", TensorProto.FLOAT, [2, 4]))
    constants = [helper.make_tensor(name, TensorProto.FLOAT, [], [value])
                 for name, value in (("one", 1.0), ("scale", 1e6), ("offset", offset), ("zero", 0.0))]
    graph = helper.make_graph(nodes, path.stem, [helper.make_tensor_value_info("x", TensorProto.FLOAT, [2, 4])],
                              outputs, initializer=constants)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    model.ir_version = 8
    onnx.checker.check_model(model)
    onnx.save(model, path)
    return path


def test_integer_outputs_are_compared_exactly(run_cli, tmp_path):
    # ids near 1e6 off by 50: within fp32's rtol 0.001 x |reference| and at cosine 1.0, yet every id is wrong
    reference, candidate = _model(tmp_path / "ref.onnx"), _model(tmp_path / "off.onnx", offset=50.0)
    result = run_cli("compare", "outputs", reference, candidate, "--json")
    assert result.exit_code == 1, result.stdout + result.stderr
    outputs = {output["name"]: output for output in result.json()["outputs"]}
    assert not outputs["ids"]["passed"] and outputs["ids"]["outside_tolerance"] == 8
    assert outputs["ids"]["tolerance"]["source"] == "integer outputs are compared exactly"
    assert outputs["mask"]["passed"] and outputs["mask"]["tolerance"]["source"] == "bool outputs are compared exactly"
    assert outputs["features"]["passed"] and outputs["features"]["tolerance"]["source"] == "default for fp32"


def test_an_output_that_changed_kind_fails(run_cli, tmp_path):
    reference, candidate = _model(tmp_path / "ref.onnx"), _model(tmp_path / "float.onnx", index_type=TensorProto.FLOAT)
    result = run_cli("--no-color", "compare", "outputs", reference, candidate)
    assert result.exit_code == 1, result.stdout + result.stderr
    text = " ".join(result.stdout.split())
    assert "dtype float32 differs from the reference's int64 (float against integer)" in text and "failed" in text


def test_an_output_only_in_the_candidate_is_named_not_dropped(run_cli, tmp_path):
    reference, candidate = _model(tmp_path / "ref.onnx"), _model(tmp_path / "extra.onnx", extra=True)
    result = run_cli("--no-color", "compare", "outputs", reference, candidate)
    assert result.exit_code == 0, result.stdout + result.stderr
    assert "debug: only in the candidate, not compared" in " ".join(result.stdout.split())
    document = run_cli("compare", "outputs", reference, candidate, "--json").json()
    assert document["extra"] == ["debug"] and [output["name"] for output in document["outputs"]] == [
        "ids", "mask", "features"]


def test_the_notebook_view_names_the_outputs_it_did_not_compare(tmp_path):
    import trtkit

    comparison = trtkit.compare_outputs(_model(tmp_path / "ref.onnx"), _model(tmp_path / "extra.onnx", extra=True))
    assert comparison.passed and comparison.extra == ["debug"]
    assert "only in the candidate, not compared: debug" in comparison._repr_html_()
