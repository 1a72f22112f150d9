"""GPU telemetry during a measurement, through NVML (nvidia-ml-py): clocks, temperature and power before and
after, sampled in a background thread while it runs, and every clock-event (throttle) reason seen."""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field

# NVML's clock-event reason bits (nvmlClocksEventReason*, formerly nvmlClocksThrottleReason*)
REASONS = {0x1: "gpu_idle", 0x2: "applications_clocks_setting", 0x4: "sw_power_cap", 0x8: "hw_slowdown",
           0x10: "sync_boost", 0x20: "sw_thermal_slowdown", 0x40: "hw_thermal_slowdown",
           0x80: "hw_power_brake_slowdown", 0x100: "display_clock_setting"}
BENIGN = {"gpu_idle", "applications_clocks_setting", "sync_boost", "display_clock_setting"}


@dataclass
class GpuSample:
    time_s: float  # since the sampler started
    sm_clock_mhz: int
    memory_clock_mhz: int
    temperature_c: int
    power_w: float
    reasons: list[str]


@dataclass
class Telemetry:
    gpu: str
    index: int
    before: GpuSample
    after: GpuSample | None = None
    samples: list[GpuSample] = field(default_factory=list)

    @property
    def reasons_seen(self) -> list[str]:
        seen = {reason for sample in (self.before, *self.samples, self.after) if sample for reason in sample.reasons}
        return sorted(seen)

    def to_dict(self) -> dict:
        from dataclasses import asdict

        return {**asdict(self), "reasons_seen": self.reasons_seen}


def telemetry_warnings(telemetry: Telemetry) -> list[str]:
    """What in the telemetry makes the figures less trustworthy, each with what triggered it."""
    warnings = []
    slowdowns = [reason for reason in telemetry.reasons_seen if reason not in BENIGN]
    if slowdowns:
        warnings.append(f"the GPU slowed its clocks during the run ({', '.join(slowdowns)}): the figures may be low "
                        "and unstable; check cooling and power limits, or lock clocks below them (nvidia-smi -lgc)")
    clocks = [sample.sm_clock_mhz for sample in telemetry.samples if "gpu_idle" not in sample.reasons]
    if len(clocks) >= 2 and max(clocks) > 1.05 * min(clocks):
        warnings.append(f"the SM clock moved between {min(clocks)} and {max(clocks)} MHz during the run: lock it "
                        "(nvidia-smi -lgc) for stable figures")
    return warnings


class TelemetrySampler:
    """`with TelemetrySampler(0) as sampler: ...` then `sampler.telemetry`; samples every `interval_s`."""

    def __init__(self, index: int = 0, interval_s: float = 0.05):
        try:
            import pynvml
        except ImportError:
            from trtkit.errors import BackendUnavailableError

            raise BackendUnavailableError("GPU telemetry needs nvidia-ml-py", "pip install 'trtkit[gpu]'") from None
        self.nvml = pynvml
        self.index, self.interval_s = index, interval_s
        self.stop = threading.Event()
        self.thread: threading.Thread | None = None
        self.telemetry: Telemetry | None = None

    def __enter__(self) -> TelemetrySampler:
        self.nvml.nvmlInit()
        self.handle = self.nvml.nvmlDeviceGetHandleByIndex(self.index)
        self.started = time.perf_counter()
        name = self.nvml.nvmlDeviceGetName(self.handle)
        self.telemetry = Telemetry(name.decode() if isinstance(name, bytes) else name, self.index, self._sample())
        self.thread = threading.Thread(target=self._loop, name="trtkit-telemetry", daemon=True)
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.stop.set()
        if self.thread is not None:
            self.thread.join()
        try:
            assert self.telemetry is not None  # set by __enter__
            self.telemetry.after = self._sample()
        finally:
            self.nvml.nvmlShutdown()

    def _loop(self) -> None:
        telemetry = self.telemetry
        assert telemetry is not None  # set by __enter__ before the thread starts
        while not self.stop.wait(self.interval_s):
            telemetry.samples.append(self._sample())

    def _sample(self) -> GpuSample:
        nvml, handle = self.nvml, self.handle
        reasons_of = getattr(nvml, "nvmlDeviceGetCurrentClocksEventReasons", None) or \
            nvml.nvmlDeviceGetCurrentClocksThrottleReasons
        mask = int(reasons_of(handle))
        return GpuSample(
            time_s=time.perf_counter() - self.started,
            sm_clock_mhz=int(nvml.nvmlDeviceGetClockInfo(handle, nvml.NVML_CLOCK_SM)),
            memory_clock_mhz=int(nvml.nvmlDeviceGetClockInfo(handle, nvml.NVML_CLOCK_MEM)),
            temperature_c=int(nvml.nvmlDeviceGetTemperature(handle, nvml.NVML_TEMPERATURE_GPU)),
            power_w=nvml.nvmlDeviceGetPowerUsage(handle) / 1000.0,
            reasons=[name for bit, name in REASONS.items() if mask & bit])
