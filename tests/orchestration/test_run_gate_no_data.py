"""`trtkit run` with a baseline and no profile (no GPU here): the latency gate has no data, and fails unless
compare.allow_missing_data allows it. A real TensorRT-RTX build of the small example CNN."""

import importlib.util

import pytest

from tests.conftest import FIXTURES, SMALL_CNN_PIPELINE

needs_rtx = pytest.mark.skipif(importlib.util.find_spec("tensorrt_rtx") is None,
                               reason="TensorRT-RTX is not installed (pip install 'trtkit[rtx]')")


@needs_rtx
def test_gate_without_a_profile_fails_unless_allowed(run_cli, example_models, tmp_path):
    config = tmp_path / "pipeline.yaml"
    baseline = FIXTURES / "trt8" / "resnet18-a100" / "fp16"
    config.write_text("name: cnn\nworkdir: out\nrun:\n  stages: [build, compare]\n"
                      + SMALL_CNN_PIPELINE.format(model=example_models["resnet18"])
                      .replace("compare:\n", f"compare:\n  baseline: {baseline}\n", 1))
    result = run_cli("run", config, "--json")
    assert result.exit_code == 1, result.stderr
    compare = next(stage for stage in result.json()["outcomes"] if stage["stage"] == "compare")
    assert compare["exit_code"] == 1 and "no data" in compare["summary"]
    allowed = run_cli("run", config, "--json", "--set", "compare.allow_missing_data=true")
    assert allowed.exit_code == 0, allowed.stderr
    compare = next(stage for stage in allowed.json()["outcomes"] if stage["stage"] == "compare")
    assert compare["exit_code"] == 0 and "(allowed)" in compare["summary"]
