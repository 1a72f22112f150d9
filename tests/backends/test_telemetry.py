"""GPU telemetry: the warnings drawn from it (pure logic, here) and NVML sampling during a real run on a GPU
(the device tool's H100; skipped here with the reason)."""

import pytest

from trtkit.backends.cuda import probe_cuda
from trtkit.backends.telemetry import REASONS, GpuSample, Telemetry, telemetry_warnings

GPU = probe_cuda()


def _sample(clock, reasons=()):
    return GpuSample(0.0, clock, 2619, 40, 300.0, list(reasons))


def test_slowdowns_and_moving_clocks_are_warned_with_what_triggered_them():
    steady = Telemetry("GPU", 0, _sample(1980), _sample(1980), [_sample(1980), _sample(1975, ["sync_boost"])])
    assert telemetry_warnings(steady) == []
    idle_dips = Telemetry("GPU", 0, _sample(345, ["gpu_idle"]), None, [_sample(1980), _sample(345, ["gpu_idle"])])
    assert telemetry_warnings(idle_dips) == []  # idle moments are not the run's clock
    hot = Telemetry("GPU", 0, _sample(1980), _sample(1410), [_sample(1980), _sample(1410, ["sw_thermal_slowdown"])])
    [throttled, moved] = telemetry_warnings(hot)
    assert "sw_thermal_slowdown" in throttled and "between 1410 and 1980 MHz" in moved
    assert hot.reasons_seen == ["sw_thermal_slowdown"] and hot.to_dict()["reasons_seen"] == ["sw_thermal_slowdown"]


@pytest.mark.skipif(not GPU.has_gpu, reason=f"no GPU here ({GPU.error})")
def test_sampling_during_a_real_run():
    pytest.importorskip("pynvml", reason="nvidia-ml-py is not installed")
    pytest.importorskip("cupy", reason="CuPy is not installed (the known-duration kernel is launched with it)")
    import sys
    from pathlib import Path

    sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "bench"))
    from gpu_executors import SpinExecutor

    from trtkit.backends.telemetry import TelemetrySampler
    from trtkit.backends.timing import TimingMode, measure

    executor = SpinExecutor(1000)
    with TelemetrySampler(0, interval_s=0.02) as sampler:
        measure([executor], TimingMode(warmup_s=0.1, min_iterations=10, min_duration_s=0.5))
    executor.free()
    telemetry = sampler.telemetry
    assert telemetry.gpu == GPU.gpus[0].name and telemetry.after is not None
    assert len(telemetry.samples) >= 10
    for sample in (telemetry.before, *telemetry.samples, telemetry.after):
        assert sample.sm_clock_mhz > 0 and sample.memory_clock_mhz > 0 and 5 <= sample.temperature_c <= 110
        assert sample.power_w > 1 and set(sample.reasons) <= set(REASONS.values())
    busy = [sample for sample in telemetry.samples if "gpu_idle" not in sample.reasons]
    assert busy, "the GPU looked idle through a run that kept it busy"
