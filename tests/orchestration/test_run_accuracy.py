"""`trtkit run` verifies an FP16 conversion with the faithful reference runner, in its convert and compare stages,
and says so in each stage's summary and report; a sweep point's accuracy figures name the runner too."""

import importlib.util
import json

import onnx
import pytest

from tests.backends.test_reference_runner import cancellation

needs_modelopt = pytest.mark.skipif(importlib.util.find_spec("modelopt") is None,
                                    reason="NVIDIA Model Optimizer is not installed (make install)")


def _mlp_pipeline(folder, convert=""):
    """The cancellation MLP in `folder` and a pipeline converting it to FP16 then comparing (`convert`: more keys of
    the convert section, indented)."""
    onnx.save(cancellation(), str(folder / "mlp.onnx"))
    config = folder / "pipeline.yaml"
    config.write_text(f"model: mlp.onnx\nname: mlp\nworkdir: out\nconvert:\n  precision: fp16\n{convert}"
                      "run:\n  stages: [convert, compare]\n")
    return config


@needs_modelopt
def test_run_fails_an_fp16_conversion_that_fp16_arithmetic_breaks(run_cli, tmp_path):
    config = _mlp_pipeline(tmp_path)
    result = run_cli("--json", "run", config)
    assert result.exit_code == 1
    outcomes = {outcome["stage"]: outcome for outcome in result.json()["outcomes"]}
    for stage in ("convert", "compare"):
        assert outcomes[stage]["exit_code"] == 1
        summary = outcomes[stage]["summary"]
        assert "BEYOND tolerance" in summary and "trtkit-reference-fp16" in summary
    convert_report = json.loads((tmp_path / "out" / "mlp.convert.json").read_text())
    compare_report = json.loads((tmp_path / "out" / "mlp.compare.json").read_text())
    assert convert_report["verification"]["runner"] == compare_report["outputs"]["runner"] == "trtkit-reference-fp16"


def test_sweep_figures_name_the_runner_of_the_accuracy_verdict(run_cli, tmp_path):
    from tests.backends.test_reference_runner import naive_fp16
    from trtkit.io.jsonout import document
    from trtkit.orchestration.sweep import collect_figures
    from trtkit.results.sweep import Point

    onnx.save(cancellation(), str(tmp_path / "mlp.onnx"))
    onnx.save(naive_fp16(cancellation()), str(tmp_path / "mlp.fp16.onnx"))
    outputs = run_cli("compare", "outputs", tmp_path / "mlp.onnx", tmp_path / "mlp.fp16.onnx", "--json").json()
    point = Point("fp16", {}, [], tmp_path)
    (tmp_path / "mlp.compare.json").write_text(json.dumps(document("run-compare", {"outputs": outputs})))
    figures = collect_figures(point, "mlp")
    assert figures["accuracy_runner"] == "trtkit-reference-fp16" and figures["accuracy_passed"] is False
    assert figures["accuracy_max_abs"] > 0.05


@needs_modelopt
def test_precision_search_in_run_fixes_the_conversion(run_cli, tmp_path):
    config = _mlp_pipeline(tmp_path, "  precision_search: true\n")
    result = run_cli("--json", "run", config)
    assert result.exit_code == 0, result.stderr[-2000:]
    outcomes = {outcome["stage"]: outcome for outcome in result.json()["outcomes"]}
    assert "precision search kept 2 node(s) in FP32" in outcomes["convert"]["summary"]
    assert "outputs within tolerance" in outcomes["compare"]["summary"]
    report = json.loads((tmp_path / "out" / "mlp.convert.json").read_text())
    search = report["precision_search"]
    assert sorted(search["kept"]) == ["/offset/Sub$", "h$"]  # the Gemm (x W + 300) and the cancelling Sub
    assert search["before"]["passed"] is False and search["before"]["max_abs"] > 0.05
    assert report["passed"] and report["verification"]["outputs"][0]["max_abs"] < 0.01


@needs_modelopt
def test_precision_search_in_convert_that_cannot_fix_keeps_the_failure(run_cli, tmp_path):
    onnx.save(cancellation(), str(tmp_path / "mlp.onnx"))
    config = tmp_path / "pipeline.yaml"
    config.write_text("model: mlp.onnx\nconvert:\n  precision: fp16\n  precision_search: true\n"
                      "  keep_io_types: false\n  verify:\n    tolerances:\n      '*': {atol: 0.0, rtol: 0.0}\n")
    result = run_cli("convert", "--config", config, "-o", tmp_path / "mlp.fp16.onnx", "--json")
    assert result.exit_code == 1
    search = result.json()["precision_search"]
    assert search["kept"] is None and "even with all" in search["message"]
    table = run_cli("convert", "--config", config, "-o", tmp_path / "mlp.fp16.onnx")
    assert "precision search (before: max abs error" in table.stdout


@needs_modelopt
def test_precision_search_in_convert_excludes_an_int8_outlier_layer(run_cli, example_models, tmp_path):
    from tests.cli.test_debug_precision import planted_outlier

    source, consumer = planted_outlier(example_models["resnet18"], tmp_path / "outlier.onnx")
    config = tmp_path / "pipeline.yaml"
    config.write_text(f"model: {source.name}\nconvert:\n  precision_search: true\n  quantize:\n    mode: int8\n")
    result = run_cli("convert", "--config", config, "-o", tmp_path / "outlier.int8.onnx", "--shapes",
                     "input:1x3x64x64", "--json")
    assert result.exit_code == 0, result.stderr[-2000:]
    document = result.json()
    [pattern] = document["precision_search"]["kept"]
    assert pattern.startswith(consumer.replace(".", "\\."))
    assert document["precision_search"]["before"]["passed"] is False
    assert document["passed"] and document["verification"]["runner"] == "onnxruntime-cpu"
