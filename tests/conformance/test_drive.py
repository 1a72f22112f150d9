"""trtkit's full-TensorRT paths driven on a double generated from each version's real surface, every distinct
call then replayed on the real binding (tests.conformance.drive)."""

from __future__ import annotations

import json

import pytest

from tests.conformance.conftest import Target, load_surface


@pytest.fixture(scope="module")
def drive(target: Target, example_models, tmp_path_factory) -> dict:
    load_surface(target)
    out = tmp_path_factory.mktemp(f"drive-{target.name}")
    done = target.run("-W", "ignore::DeprecationWarning", "-m", "tests.conformance.drive", target.module,
                      str(target.surface_path()), str(example_models["resnet18"]), str(out), timeout=600)
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(done.stdout)


def test_build_engine_runs_for_every_option_value_without_a_crash(drive: dict, target: Target) -> None:
    build = drive["build"]
    assert build["crashes"] == []
    assert len(build["built"]) > 30 and {"timing_cache (merged)", "plugins"} <= set(build["built"])
    assert build["refused"][-1].startswith("parser: ") and "unsupported operator (stand-in)" in build["refused"][-1]
    for line in build["refused"]:  # what this version refuses is refused by validate_options: one line each
        assert "\n" not in line
    if target.major == 10:
        assert any(label.startswith("calibration") for label in build["built"])
        assert any(label.startswith("layer_precisions") for label in build["built"])


def test_engine_loader_inspector_profile_and_runner_paths(drive: dict) -> None:
    engine = drive["engine"]
    assert engine["crashes"] == []
    assert engine["layers"] > 0 and len(engine["profiled"]) == 32
    assert {item["layers"] for item in engine["profiled"] if "per_layer=True" in item["label"]} == {engine["layers"]}
    assert engine["outputs"] == [{"output": [2, 10]}, {"output": [4, 10]}]


def test_every_recorded_call_is_accepted_by_the_real_binding(drive: dict, target: Target) -> None:
    replay = drive["replay"]
    assert replay["rejected"] == []
    assert replay["distinct"] > 100
    expected = {"Builder.build_serialized_network", "IBuilderConfig.progress_monitor", "IExecutionContext.profiler",
                "IExecutionContext.execute_async_v3", "EngineInspector.get_engine_information",
                "Runtime.deserialize_cuda_engine", "IPluginRegistry.load_library", "OnnxParser.get_error",
                "ParserError.desc"}
    if target.name != "rtx":  # TensorRT-RTX has no timing cache to keep
        expected |= {"IBuilderConfig.set_timing_cache", "ITimingCache.combine", "ITimingCache.serialize"}
    if target.major == 10:
        expected |= {"IBuilderConfig.int8_calibrator", "ILayer.set_output_type", "ILayer.precision"}
    assert expected <= set(replay["methods"])
