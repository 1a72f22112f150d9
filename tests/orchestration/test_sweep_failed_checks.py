"""A failed sweep point is not "done": a point whose convert verification (or another check) failed says so in its
status, and is never on the Pareto front. Real conversions and TensorRT-RTX builds of the small example CNN."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

from tests.conftest import SMALL_CNN_PIPELINE
from trtkit.orchestration.sweep import mark_pareto
from trtkit.results.sweep import Point

needs_pipeline = pytest.mark.skipif(
    importlib.util.find_spec("tensorrt_rtx") is None or importlib.util.find_spec("modelopt") is None,
    reason="needs TensorRT-RTX and Model Optimizer (make install)")

# two FP16 points: the same conversion, verified with the pipeline's tolerance and with an impossible one
TIGHT = """sweep:
  axes:
    convert.verify.tolerances: [{"*": {atol: 0.05, rtol: 0.01}}, {"*": {atol: 0.0, rtol: 0.0}}]
run:
  stages: [convert, build, lint, compare]
"""


@needs_pipeline
def test_point_that_failed_its_verification_is_failed_and_off_the_front(run_cli, example_models, tmp_path):
    config = tmp_path / "sweep.yaml"
    pipeline = SMALL_CNN_PIPELINE.format(model=example_models["resnet18"]).replace(
        "convert:\n", "convert:\n  precision: fp16\n", 1)
    config.write_text("name: cnn\n" + pipeline + TIGHT)
    result = run_cli("--json", "sweep", config)
    assert result.exit_code == 1, result.stderr
    points = result.json()["points"]
    tight = [point["values"]["convert.verify.tolerances"]["*"]["atol"] == 0.0 for point in points]
    passed, failed = points[tight.index(False)], points[tight.index(True)]
    assert passed["status"] == "done" and passed["pareto"] is True
    assert failed["status"] == "failed: convert verification"
    assert failed["failed_checks"] == ["convert verification"] and failed["reason"].startswith("convert: ")
    assert failed["exit_code"] == 1 and failed["pareto"] is False
    # the failed point's figures were still gathered: it is off the front for its failure, not for missing data
    assert failed["figures"]["engine_bytes"] == passed["figures"]["engine_bytes"]
    table = run_cli("sweep", config)  # resumed: nothing is redone, the verdict is the same
    assert table.exit_code == 1
    row = next(line for line in table.stdout.splitlines() if "failed: convert verification" in line)
    assert "*" not in row.split("│")[1]


def test_failed_points_are_never_on_the_front():
    def point(name: str, cost: float, loss: float, status: str = "done") -> Point:
        return Point(name, {}, [], config_dir, status=status, figures={"latency_ms": cost, "accuracy_max_abs": loss})

    config_dir = None
    points = [point("fp32", 2.0, 0.0), point("fp16", 1.0, 0.01),
              point("int8", 0.5, 0.982, status="failed: convert verification, compare")]
    points[2].pareto = True  # a stale mark from an earlier pass is cleared
    mark_pareto(points)
    assert [p.name for p in points if p.pareto] == ["fp32", "fp16"]


def test_a_gate_with_no_data_is_a_failed_check_of_the_point():
    """`run` reports a compare with nothing to compare as status "no data", exit 1: the point is not "done"."""
    from trtkit.orchestration.sweep import _failed, finish

    point = Point("fp16", {}, [], Path("out"))
    report = {"exit_code": 1, "outcomes": [
        {"stage": "build", "status": "ran", "exit_code": 0, "summary": "engine"},
        {"stage": "compare", "status": "no data", "exit_code": 1, "summary": "nothing to compare (no convert stage "
                                                                             "and no compare.baseline)"}]}
    assert not _failed(point, report)
    finish(point)
    assert point.status == "failed: compare" and "nothing to compare" in point.reason
