"""The faithful FP16/BF16 reference runner: every FP16 node output rounded as TensorRT stores it, so models that
FP16 hardware breaks fail verification (onnxruntime alone runs them in FP32 and passes them), while the example
models still pass; and onnxruntime's Q/DQ kernels really quantize an INT8 model."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import numpy as np
import onnx
import pytest
from onnx import TensorProto, helper, numpy_helper

from trtkit.backends.onnxrt import run_onnx
from trtkit.backends.reference import run_model, run_reference, runner_for

needs_modelopt = pytest.mark.skipif(importlib.util.find_spec("modelopt") is None,
                                    reason="NVIDIA Model Optimizer is not installed (make install puts it in .venv)")
WIDTH = 64


def _model(nodes: list, constants: dict[str, object]) -> onnx.ModelProto:
    graph = helper.make_graph(
        nodes, "planted", [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, WIDTH])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, None])],
        [numpy_helper.from_array(np.asarray(value, np.float32), name) for name, value in constants.items()])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    model.ir_version = 8
    return model


def cancellation() -> onnx.ModelProto:
    """The issue's MLP: x W1 + 300 - 300 W2; FP16's spacing at 300 is 0.25."""
    rng = np.random.default_rng(0)
    return _model([helper.make_node("MatMul", ["x", "w1"], ["h"], name="/fc1/MatMul"),
                   helper.make_node("Add", ["h", "offset"], ["h1"], name="/offset/Add"),
                   helper.make_node("Sub", ["h1", "offset"], ["h2"], name="/offset/Sub"),
                   helper.make_node("MatMul", ["h2", "w2"], ["y"], name="/fc2/MatMul")],
                  {"w1": rng.standard_normal((WIDTH, WIDTH)) / 8, "w2": rng.standard_normal((WIDTH, 16)) / 8,
                   "offset": 300.0})


def many_small_terms() -> onnx.ModelProto:
    """A running sum of 64 small terms (0.01 x) on top of 100, where FP16's spacing is 0.0625: each add is lost."""
    nodes = [helper.make_node("Add", ["x", "big"], ["h0"], name="/offset/Add"),
             helper.make_node("Mul", ["x", "small"], ["step"], name="/step/Mul")]
    nodes += [helper.make_node("Add", [f"h{index}", "step"], [f"h{index + 1}"], name=f"/sum{index}/Add")
              for index in range(64)]
    nodes.append(helper.make_node("Sub", ["h64", "big"], ["y"], name="/offset/Sub"))
    return _model(nodes, {"big": 100.0, "small": 0.01})


def overflow() -> onnx.ModelProto:
    """(300 x)^2 / 1000: the square reaches 90,000, beyond FP16's 65,504."""
    return _model([helper.make_node("Mul", ["x", "scale"], ["a"], name="/scale/Mul"),
                   helper.make_node("Mul", ["a", "a"], ["square"], name="/square/Mul"),
                   helper.make_node("Mul", ["square", "rescale"], ["y"], name="/rescale/Mul")],
                  {"scale": 300.0, "rescale": 1e-3})


def naive_fp16(model: onnx.ModelProto) -> onnx.ModelProto:
    """Everything in FP16 with FP32 graph inputs and outputs (what `model.half()` exports, with cast I/O): unlike
    AutoCast it keeps no node in FP32 whatever its range."""
    converted = onnx.ModelProto()
    converted.CopyFrom(model)
    graph = converted.graph
    for init in graph.initializer:
        init.CopyFrom(numpy_helper.from_array(numpy_helper.to_array(init).astype(np.float16), init.name))
    nodes = list(graph.node)
    for node in nodes:
        node.input[:] = ["x16" if name == "x" else name for name in node.input]
        node.output[:] = ["y16" if name == "y" else name for name in node.output]
    del graph.node[:]
    graph.node.extend([helper.make_node("Cast", ["x"], ["x16"], name="/input/Cast", to=TensorProto.FLOAT16), *nodes,
                       helper.make_node("Cast", ["y16"], ["y"], name="/output/Cast", to=TensorProto.FLOAT)])
    return converted


def _save(model: onnx.ModelProto, path: Path) -> Path:
    onnx.save(model, str(path))
    return path


def _feeds() -> list[dict[str, np.ndarray]]:
    return [{"x": np.random.default_rng(1).random((1, WIDTH), dtype=np.float32)}]


def test_every_fp16_node_output_is_rounded_as_numpy_fp16_arithmetic_would(tmp_path):
    # numpy carries out the same FP16 arithmetic: FP32 products and sums inside a node, FP16 at each boundary
    model = cancellation()
    path = _save(naive_fp16(model), tmp_path / "mlp.fp16.onnx")
    weights = {init.name: numpy_helper.to_array(init).astype(np.float16).astype(np.float32)
               for init in model.graph.initializer}

    def fp16(array):
        return array.astype(np.float16).astype(np.float32)

    x = _feeds()[0]["x"]
    h1 = fp16(fp16(fp16(x) @ weights["w1"]) + weights["offset"])
    expected = fp16(fp16(h1 - weights["offset"]) @ weights["w2"])
    [outputs] = run_reference(path, _feeds(), mark=["h1"])
    np.testing.assert_array_equal(outputs["y"], expected)
    assert outputs["h1"].dtype == np.float16 and outputs["y"].dtype == np.float32  # the model's own types
    np.testing.assert_array_equal(outputs["h1"].astype(np.float32), h1)
    unfaithful = run_onnx(path, _feeds())[0]["y"]  # onnxruntime drops the rounding between nodes
    assert np.abs(unfaithful - expected).max() > 0.01


@needs_modelopt
@pytest.mark.parametrize("make", [cancellation, many_small_terms], ids=["cancellation", "many-small-terms"])
def test_convert_verification_fails_where_fp16_loses_accuracy(run_cli, tmp_path, make):
    source = _save(make(), tmp_path / "planted.onnx")
    output = tmp_path / "planted.fp16.onnx"
    result = run_cli("convert", source, "-o", output, "--precision", "fp16", "--json")
    assert result.exit_code == 1, result.stderr[-2000:]
    verification = result.json()["verification"]
    assert verification["runner"] == "trtkit-reference-fp16" and verification["reference_runner"] == "onnxruntime-cpu"
    [metrics] = verification["outputs"]
    assert not metrics["passed"] and metrics["max_abs"] > 0.05  # FP16-size error, not onnxruntime's FP32 one
    # onnxruntime alone would have passed the same model on the same inputs
    reference, unfaithful = run_onnx(source, _feeds())[0]["y"], run_onnx(output, _feeds())[0]["y"]
    assert np.abs(reference - unfaithful).max() < 0.01


def test_compare_outputs_fails_an_fp16_model_whose_products_overflow(run_cli, tmp_path):
    source = _save(overflow(), tmp_path / "overflow.onnx")
    candidate = _save(naive_fp16(overflow()), tmp_path / "overflow.fp16.onnx")
    result = run_cli("compare", "outputs", source, candidate, "--json")
    assert result.exit_code == 1
    document = result.json()
    assert document["runner"] == "trtkit-reference-fp16" and document["precision"] == "fp16"
    [metrics] = document["outputs"]
    assert metrics["inf_candidate"] > 0 and metrics["inf_reference"] == 0
    assert any("Inf values where the reference is finite" in reason for reason in metrics["reasons"])
    table = run_cli("compare", "outputs", source, candidate)
    assert "candidate trtkit-reference-fp16" in table.stdout
    unfaithful = run_onnx(candidate, _feeds())[0]["y"]
    assert np.isfinite(unfaithful).all()  # what onnxruntime reports of the same model


def test_example_models_in_fp16_pass_with_the_faithful_runner(run_cli, example_models, tmp_path):
    # converted without Model Optimizer: every node FP16, so the runner rounds every boundary of the real models
    for name, model_path in example_models.items():
        candidate = _save(_all_fp16(onnx.load(str(model_path))), tmp_path / f"{name}.fp16.onnx")
        shapes = "input:1x3x64x64" if name == "resnet18" else "input_ids:1x16,attention_mask:1x16"
        result = run_cli("compare", "outputs", model_path, candidate, "--shapes", shapes, "--json")
        document = result.json()
        assert document["runner"] == "trtkit-reference-fp16", name
        assert result.exit_code == 0 and document["passed"], (name, document["outputs"][0]["reasons"])
        assert document["outputs"][0]["max_abs"] > 1e-4, name  # rounded: not FP32 agreement


def _all_fp16(model: onnx.ModelProto) -> onnx.ModelProto:
    """The example model with every float initializer and float tensor in FP16, FP32 graph I/O through casts."""
    converted = onnx.ModelProto()
    converted.CopyFrom(model)
    graph = converted.graph
    for init in graph.initializer:
        if init.data_type == TensorProto.FLOAT:
            init.CopyFrom(numpy_helper.from_array(numpy_helper.to_array(init).astype(np.float16), init.name))
    floats_in = [value.name for value in graph.input if value.type.tensor_type.elem_type == TensorProto.FLOAT]
    renamed = {name: f"{name}_fp16" for name in floats_in + [value.name for value in graph.output]}
    nodes = list(graph.node)
    for node in nodes:
        node.input[:] = [renamed.get(name, name) if name in floats_in else name for name in node.input]
        node.output[:] = [renamed.get(name, name) for name in node.output]
        for attribute in node.attribute:
            if node.op_type == "Cast" and attribute.name == "to" and attribute.i == TensorProto.FLOAT:
                attribute.i = TensorProto.FLOAT16  # the attention mask's cast joins the FP16 scores
    del graph.node[:]
    del graph.value_info[:]
    graph.node.extend([helper.make_node("Cast", [name], [renamed[name]], to=TensorProto.FLOAT16) for name in floats_in]
                      + nodes + [helper.make_node("Cast", [renamed[value.name]], [value.name], to=TensorProto.FLOAT)
                                 for value in graph.output])
    return converted


def test_fp32_and_int8_models_run_in_onnxruntime(example_models):
    fp32 = onnx.load(str(example_models["resnet18"]), load_external_data=False)
    assert runner_for(fp32) == "onnxruntime-cpu"
    assert runner_for(naive_fp16(cancellation())) == "trtkit-reference-fp16"


def test_fp16_inputs_are_rounded_and_large_models_go_through_a_file(tmp_path, monkeypatch):
    # an FP16 graph input (keep_io_types off) holds the feed rounded to FP16, as the engine's input binding does
    graph = helper.make_graph(
        [helper.make_node("Sub", ["x", "one"], ["y"], name="/Sub")], "fp16_io",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT16, [1, 4])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT16, [1, 4])],
        [numpy_helper.from_array(np.ones(1, np.float16), "one")])
    path = _save(helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)]), tmp_path / "fp16_io.onnx")
    monkeypatch.setattr("trtkit.backends.reference._LARGE_MODEL", 0)  # take the external-data path
    runner, [outputs] = run_model(path, [{"x": np.full((1, 4), 1 + 2**-12, np.float32)}])
    assert runner == "trtkit-reference-fp16"
    assert outputs["y"].dtype == np.float16
    np.testing.assert_array_equal(outputs["y"], np.zeros((1, 4), np.float16))  # 1 + 2^-12 is 1 in FP16


@needs_modelopt
def test_onnxruntime_runs_the_quantized_arithmetic_of_an_int8_model(run_cli, example_models, tmp_path):
    # If onnxruntime skipped the Q/DQ pairs, the INT8 model would match FP32 and its error would not depend on the
    # activation scales; it does, in proportion: the kernels quantize with the model's scales.
    source = example_models["resnet18"]
    output = tmp_path / "resnet18.int8.onnx"
    assert run_cli("convert", source, "-o", output, "--quantize", "int8", "--shapes", "input:1x3x64x64",
                   "--no-verify").exit_code == 0
    model = onnx.load(str(output))
    assert runner_for(model) == "onnxruntime-cpu"
    feeds = [{"input": np.random.default_rng(2).random((1, 3, 64, 64), dtype=np.float32)}]
    reference = run_onnx(source, feeds)[0]["output"]
    fine = run_onnx(output, feeds)[0]["output"]
    coarse = run_onnx(_save(_coarser_activation_scales(model, 16.0), tmp_path / "coarse.onnx"), feeds)[0]["output"]
    fine_error, coarse_error = np.abs(fine - reference).max(), np.abs(coarse - reference).max()
    spread = np.abs(reference).max()
    assert 1e-3 * spread < fine_error < 0.2 * spread  # INT8-size error: neither FP32 agreement nor garbage
    assert coarse_error > 4 * fine_error


def _coarser_activation_scales(model: onnx.ModelProto, factor: float) -> onnx.ModelProto:
    """The model with the scale of every activation QuantizeLinear (and its DequantizeLinear) multiplied."""
    coarse = onnx.ModelProto()
    coarse.CopyFrom(model)
    initializers = {init.name: init for init in coarse.graph.initializer}
    weights = {init.name for init in coarse.graph.initializer}
    scales = {node.input[1] for node in coarse.graph.node
              if node.op_type == "QuantizeLinear" and node.input[0] not in weights}
    assert scales, "no activation quantization found"
    for name in scales:
        init = initializers[name]
        init.CopyFrom(numpy_helper.from_array(numpy_helper.to_array(init) * np.float32(factor), name))
    return coarse


@pytest.mark.parametrize("elem, numpy_type", [(TensorProto.FLOAT16, np.float16), (TensorProto.BFLOAT16, "bfloat16")])
def test_rounding_is_round_to_nearest_even_with_overflow_to_inf(tmp_path, elem, numpy_type):
    # what the rounding cast pairs do, against numpy's FP16 and ml_dtypes' BF16 (IEEE round to nearest, ties to
    # even, Inf beyond the range), on a million values, ties and FP16's overflow included
    import ml_dtypes

    reduced = np.dtype(ml_dtypes.bfloat16) if numpy_type == "bfloat16" else np.dtype(numpy_type)
    graph = helper.make_graph(
        [helper.make_node("Cast", ["x"], ["x_low"], name="/Cast", to=elem),
         helper.make_node("Mul", ["x_low", "one"], ["y_low"], name="/Mul"),
         helper.make_node("Cast", ["y_low"], ["y"], name="/Cast_1", to=TensorProto.FLOAT)], "rounding",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, [None])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, [None])],
        [numpy_helper.from_array(np.ones(1, np.float32).astype(reduced), "one")])
    path = _save(helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)]), tmp_path / "rounding.onnx")
    x = np.random.default_rng(3).standard_normal(1_000_000).astype(np.float32) * 1000
    ties = [1 + 2**-11, 1 + 3 * 2**-11, 1 + 2**-8, 1 + 3 * 2**-8]  # halfway for FP16, then for BF16
    x = np.concatenate([x, np.array([*ties, 65520.0, 70000.0, -1e6, 1e-9], np.float32)])
    runner, [outputs] = run_model(path, [{"x": x}])
    assert runner == f"trtkit-reference-{'bf16' if numpy_type == 'bfloat16' else 'fp16'}"
    with np.errstate(over="ignore"):
        np.testing.assert_array_equal(outputs["y"], x.astype(reduced).astype(np.float32))


def test_fp16_inside_a_subgraph_is_not_verified_rather_than_wrong(tmp_path):
    from trtkit.errors import BackendUnavailableError

    branch = helper.make_graph([helper.make_node("Identity", ["half"], ["out"])], "branch", [],
                               [helper.make_tensor_value_info("out", TensorProto.FLOAT16, [1])],
                               [numpy_helper.from_array(np.ones(1, np.float16), "half")])
    graph = helper.make_graph(
        [helper.make_node("If", ["flag"], ["y"], name="/If", then_branch=branch, else_branch=branch)], "subgraph",
        [helper.make_tensor_value_info("flag", TensorProto.BOOL, [])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT16, [1])])
    path = _save(helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)]), tmp_path / "if.onnx")
    with pytest.raises(BackendUnavailableError, match="node /If has an FP16/BF16 subgraph"):
        run_model(path, [{"flag": np.array(True)}])


def test_each_side_of_a_comparison_names_what_produced_it(run_cli, example_models, tmp_path):
    model = example_models["resnet18"]
    feed = {"input": np.random.default_rng(0).random((1, 3, 64, 64), dtype=np.float32)}
    np.savez(tmp_path / "inputs.npz", **feed)
    np.savez(tmp_path / "saved.npz", **run_onnx(model, [feed])[0])
    document = run_cli("compare", "outputs", model, tmp_path / "saved.npz", "--data", tmp_path / "inputs.npz",
                       "--json").json()
    assert document["reference_runner"] == "onnxruntime-cpu" and document["runner"] == "saved outputs"
    assert document["passed"]  # the saved run's inputs


@needs_modelopt
def test_int8_with_fp16_high_precision_runs_in_the_reference_runner(run_cli, example_models, tmp_path):
    # FP16 scales and activations around the Q/DQ pairs: the FP16 parts are rounded, the Q/DQ run as kernels
    output = tmp_path / "resnet18.int8.fp16.onnx"
    result = run_cli("convert", example_models["resnet18"], "-o", output, "--quantize", "int8", "--precision", "fp16",
                     "--shapes", "input:1x3x64x64", "--json")
    assert result.exit_code == 0, result.stderr[-2000:]
    verification = result.json()["verification"]
    assert verification["runner"] == "trtkit-reference-fp16" and verification["precision"] == "int8"
    assert 0.99 < verification["outputs"][0]["cosine"] < 0.99999  # quantized, still close
