"""`trtkit debug precision`: the smallest set of nodes to keep in FP32, found by ranking (layer-wise error), bisection
and pruning over real AutoCast conversions checked in the faithful reference runner; written into a config that
`convert` then passes with."""

from __future__ import annotations

import importlib.util

import pytest
import yaml

from tests.cli.test_compare_layerwise import planted_resnet

needs_modelopt = pytest.mark.skipif(importlib.util.find_spec("modelopt") is None,
                                    reason="NVIDIA Model Optimizer is not installed (make install puts it in .venv)")
SHAPES = ("--shapes", "input:1x3x64x64")


@needs_modelopt
def test_planted_region_is_found_and_the_written_config_converts_within_tolerance(run_cli, example_models, tmp_path):
    source = planted_resnet(example_models["resnet18"], tmp_path / "planted.onnx")
    config = tmp_path / "keep.yaml"
    result = run_cli("debug", "precision", source, *SHAPES, "--write-config", config, "--json")
    assert result.exit_code == 0, result.stderr[-2000:]
    document = result.json()
    assert document["schema"] == "trtkit/debug-precision/v1" and document["found"]
    # the cancellation needs both: Sub in FP32 reads Add's output, which FP16 would have rounded at 300
    assert sorted(document["kept"]) == ["/planted/Add", "/planted/Sub"]
    assert document["reduced_nodes"] > 40 and document["runner"] == "trtkit-reference-fp16"
    assert [trial["phase"] for trial in document["trials"]][:2] == ["baseline", "all"]
    assert not document["trials"][0]["passed"] and document["final"]["passed"]
    assert document["ranked"][0]["node"] == "/planted/Sub"
    assert "trial 1 (baseline)" in result.stderr  # progress on stderr, JSON alone on stdout
    written = yaml.safe_load(config.read_text())
    assert written["convert"]["precision"] == "fp16"
    assert sorted(written["convert"]["keep_fp32_nodes"]) == ["/planted/Add$", "/planted/Sub$"]
    assert "# trtkit debug precision: with these 2 of" in config.read_text()
    converted = run_cli("convert", "--config", config, "-o", tmp_path / "fixed.fp16.onnx", *SHAPES, "--json")
    assert converted.exit_code == 0, converted.stderr[-2000:]
    assert converted.json()["verification"]["runner"] == "trtkit-reference-fp16"
    unfixed = run_cli("convert", source, "-o", tmp_path / "unfixed.fp16.onnx", "--precision", "fp16", *SHAPES)
    assert unfixed.exit_code == 1


@needs_modelopt
def test_a_model_that_passes_needs_no_search(run_cli, example_models, tmp_path):
    config = tmp_path / "untouched.yaml"
    result = run_cli("debug", "precision", example_models["resnet18"], *SHAPES, "--write-config", config, "--json")
    document = result.json()
    assert result.exit_code == 0 and document["kept"] == [] and len(document["trials"]) == 1
    assert not config.exists()


@needs_modelopt
def test_unreachable_tolerance_exits_1_and_writes_nothing(run_cli, example_models, tmp_path):
    # FP16 graph inputs (keep_io_types off) round the inputs whatever is kept; atol 0 cannot be met then
    pipeline = tmp_path / "strict.yaml"
    pipeline.write_text("convert:\n  keep_io_types: false\n  verify:\n    tolerances:\n"
                        "      '*': {atol: 0.0, rtol: 0.0}\n")
    target = tmp_path / "never.yaml"
    result = run_cli("debug", "precision", planted_resnet(example_models["resnet18"], tmp_path / "p.onnx"), *SHAPES,
                     "--config", pipeline, "--write-config", target)
    assert result.exit_code == 1
    assert "miss the tolerances even with all" in result.stdout and "nothing written" in result.stdout
    assert not target.exists()


def test_bad_usage_exits_2(run_cli, example_models):
    model = example_models["resnet18"]
    quantized = run_cli("debug", "precision", model, "--set", "convert.quantize.mode=int8")
    assert quantized.exit_code == 2 and "searches FP16/BF16 conversions, not int8" in quantized.stderr
    assert run_cli("debug", "precision", model, "--time-limit", "60").exit_code == 2
