"""trtkit's interface subclasses on each version's real base classes, called through the base (pybind11's
trampoline into the Python override, as TensorRT calls them) and handed to the real binding."""

from __future__ import annotations

import json

import pytest

from tests.conformance.conftest import Target, load_surface


@pytest.fixture(scope="module")
def findings(target: Target) -> dict:
    load_surface(target)
    done = target.run("-W", "ignore::DeprecationWarning", "-m", "tests.conformance.interfaces", target.module,
                      str(target.surface_path()))
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(done.stdout)


def test_logger_gets_every_severity_and_is_taken_by_builder_and_runtime(findings: dict) -> None:
    logger = findings["logger"]
    assert logger["lines"] == logger["expected"] and len(logger["lines"]) == 5
    assert logger["overrides"] == []
    for call, verdict in logger["handed"].items():
        assert verdict["accepted"], (call, verdict)  # the stub factory returned NULL after the conversion


def test_progress_monitor_times_phases_and_lets_the_build_continue(findings: dict) -> None:
    monitor = findings["monitor"]
    assert monitor["phases"] == ["Building engine", "Tactic selection"] and monitor["continue"] == [True] * 3
    assert monitor["callbacks"][0] == ["phase", "Building engine", None, 2]
    assert monitor["serialized"] == "serialized engine" and monitor["overrides"] == []
    assert monitor["handed"]["IBuilderConfig.progress_monitor"]["accepted"]


def test_profiler_keeps_every_layer_time_of_every_run(findings: dict) -> None:
    profiler = findings["profiler"]
    assert profiler["times"] == {"conv1": [0.25] * 3, "relu": [0.5] * 3} and profiler["overrides"] == []
    assert profiler["handed"]["IExecutionContext.profiler"]["accepted"]


def test_calibrators_of_10x_feed_batches_and_keep_the_cache(findings: dict, target: Target) -> None:
    if target.major != 10:
        assert "calibrators" not in findings  # 11.x and TensorRT-RTX have no implicit INT8 calibration
        return
    calibrators = findings["calibrators"]
    assert sorted(calibrators) == ["entropy", "entropy2", "legacy", "minmax"]
    for algorithm, result in calibrators.items():
        assert result["batch_size"] == 1 and result["batches"] == [[0.0] * 3, [1.0] * 3], algorithm
        assert result["cache"] == result["read_back"] == "scales" and result["overrides"] == [], algorithm
        assert result["handed"]["accepted"], (algorithm, result["handed"])
    assert calibrators["legacy"]["legacy"] == [0.9999, 1.0, None, None]
