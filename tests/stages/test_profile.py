"""`trtkit profile`. Without a GPU (here) it answers in one line with exit 4; the engine-independent part
(harness, telemetry, statistics, warnings, report) runs on a GPU with an executor of known duration
(bench/gpu_executors.py; verified on the device tool's H100, skipped here). TensorRT's executor and per-layer
run need TensorRT on a GPU and are not executed anywhere here."""

import sys
from pathlib import Path

import pytest

from trtkit.backends.cuda import probe_cuda

GPU = probe_cuda()


def test_without_a_gpu_exit_4_in_one_line(run_cli, rtx_builds, tmp_path):
    if GPU.has_gpu:
        pytest.skip("this machine has a GPU: the no-GPU answer is not what happens here")
    engine = rtx_builds["resnet18"].engine
    result = run_cli("profile", engine)
    assert result.exit_code == 4, result.stderr
    [line] = result.stderr.strip().splitlines()
    assert line.startswith("error: profiling the engine") and "needs TensorRT and a GPU" in line
    assert not Path(f"{engine}.timing.json").exists() and not Path(f"{engine}.profile.metadata.json").exists()
    assert run_cli("profile", tmp_path / "missing.engine").exit_code == 3


def test_bad_profile_settings_are_config_errors(run_cli, tmp_path):
    config = tmp_path / "p.yaml"
    config.write_text("profile:\n  percentiles: [150]\n")
    assert run_cli("profile", tmp_path / "x.engine", "--config", config).exit_code == 2
    config.write_text("profile:\n  durration: 3s\n")
    result = run_cli("profile", tmp_path / "x.engine", "--config", config)
    assert result.exit_code == 2 and "did you mean 'duration'" in result.stderr


@pytest.mark.skipif(not GPU.has_gpu, reason=f"no GPU here ({GPU.error})")
def test_measurement_statistics_warnings_and_report_on_a_gpu(capsys, monkeypatch):
    pytest.importorskip("cupy", reason="CuPy is not installed (the known-duration kernel is launched with it)")
    sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "bench"))
    from gpu_executors import SpinExecutor

    from trtkit.config.models import ProfileConfig
    from trtkit.report.profile import render_profile
    from trtkit.stages.profile import measure_with

    config = ProfileConfig.model_validate({"warmup": "50ms", "duration": "300ms", "iterations": 50,
                                           "transfers": True, "streams": 2})
    executors = [SpinExecutor(300), SpinExecutor(300)]
    result, measurement = measure_with(executors, config, "spin.engine")
    for executor in executors:
        executor.free()
    assert result.iterations == measurement.iterations >= 50 and result.mode.streams == 2
    compute = result.figures["gpu_compute"]
    assert compute.median == pytest.approx(0.3, rel=0.05)
    assert compute.median_ci_ms is not None and compute.median_ci_ms[0] <= compute.median <= compute.median_ci_ms[1]
    assert (result.figures["latency"].median or 0) > compute.median  # 4 MiB copies each way
    assert result.telemetry is None or result.telemetry["gpu"] == GPU.gpus[0].name
    monkeypatch.setitem(sys.modules, "pynvml", None)  # without nvidia-ml-py: measured all the same, and said
    quiet = ProfileConfig.model_validate({"warmup": "10ms", "duration": "50ms", "iterations": 5})
    executor = SpinExecutor(100)
    without, _ = measure_with([executor], quiet, "spin.engine")
    executor.free()
    assert without.telemetry is None and any("no GPU telemetry" in warning for warning in without.warnings)
    monkeypatch.setenv("COLUMNS", "200")  # one line per row
    render_profile(result)
    shown = capsys.readouterr().out
    assert "CUDA graph on, spin-wait on, transfers on" in shown and "host to device" in shown


@pytest.mark.skipif(not (GPU.has_gpu and __import__("importlib").util.find_spec("tensorrt")),
                    reason="no GPU with full TensorRT here (the device machine has no TensorRT): the "
                           "TensorRT executor, the per-layer IProfiler run and the engine's outputs are not executed")
def test_profile_a_built_engine_end_to_end(run_cli, example_models, tmp_path):
    engine = tmp_path / "cnn.engine"
    built = run_cli("build", example_models["resnet18"], "-o", engine, "--backend", "tensorrt",
                    "--shapes", "input:2x3x64x64")
    assert built.exit_code == 0, built.stderr
    result = run_cli("profile", engine, "--backend", "tensorrt", "--set", "profile.duration=300ms", "--json")
    assert result.exit_code == 0, result.stderr
    document = result.json()
    assert document["schema"] == "trtkit/profile/v1" and document["iterations"] >= 10
    assert document["layers_profiled"] > 0 and len(document["written"]) == 3
    plan = run_cli("inspect", f"{engine}.graph.json", "--json").json()["plans"][0]
    assert plan["summary"]["total_layer_latency_ms"] > 0 and plan["performance"]["gpu_compute_time"]["median"] > 0


def test_a_profile_result_is_typed_and_its_document_keeps_the_v1_fields(capsys, monkeypatch):
    """mode is a TimingMode and figures are MeasuredStatistic objects; the JSON document is flat as before (every
    Statistic field and median_ci_ms per figure, the mode's fields), and the table reads the attributes."""
    import json

    from trtkit.analysis.statistics import MeasuredStatistic, describe, median_confidence_interval
    from trtkit.backends.timing import TimingMode
    from trtkit.io.jsonout import dumps
    from trtkit.report.profile import profile_document, render_profile
    from trtkit.results.profile import ProfileResult

    samples = [0.30 + 0.001 * (index % 7) for index in range(200)]
    latency = MeasuredStatistic(**{key: getattr(describe(samples), key) for key in
                                   ("min", "max", "mean", "median", "percentiles", "cv_percent")},
                                median_ci_ms=median_confidence_interval(samples))
    result = ProfileResult("cnn.engine", TimingMode(transfers=False, streams=2), 200, 3.1, 64.5,
                           {"latency": latency, "h2d": MeasuredStatistic()})
    document = json.loads(dumps(profile_document(result)))
    assert document["schema"] == "trtkit/profile/v1"
    assert document["mode"] == {"warmup_s": 0.2, "min_iterations": 10, "min_duration_s": 3.0, "cuda_graph": True,
                                "spin_wait": True, "transfers": False, "enqueue_ahead": True, "streams": 2}
    figure = document["figures"]["latency"]
    assert list(figure) == ["min", "max", "mean", "median", "percentiles", "cv_percent", "median_ci_ms"]
    assert figure["median"] == pytest.approx(0.303) and list(figure["percentiles"]) == ["90.0", "95.0", "99.0"]
    assert figure["median_ci_ms"][0] <= figure["median"] <= figure["median_ci_ms"][1]
    monkeypatch.setenv("COLUMNS", "200")
    render_profile(result)
    shown = capsys.readouterr().out
    assert "CUDA graph on, spin-wait on, transfers off, enqueue-ahead on, 2 stream(s)" in shown
    assert "0.3030" in shown and "host to device" not in shown  # transfers off: no H2D row
