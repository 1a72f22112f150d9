"""trtkit's subclasses of TensorRT's interfaces (ILogger, IProgressMonitor, IProfiler, the IInt8 calibrators of
10.x) on the real base classes of the TensorRT imported here, called the way TensorRT calls them: through the
base class's C++ method, which pybind11's trampoline dispatches to the Python override. Then each is handed to
the real binding where TensorRT takes it (tests.conformance.replay). Prints one JSON object of findings.

    python -m tests.conformance.interfaces tensorrt|tensorrt_rtx SURFACE.json
"""

from __future__ import annotations

import importlib
import inspect
import json
import sys
from collections.abc import Callable
from typing import Any

from tests.conformance.replay import bare, replay
from tests.conformance.surface import parse_overloads


def override_problems(instance: Any, base: type) -> list[str]:
    """Each method the subclass overrides takes as many arguments as the base's (pybind11) signature."""
    problems = []
    for name, function in vars(type(instance)).items():
        if name.startswith("_") or not callable(function) or not hasattr(base, name):
            continue
        overloads = parse_overloads(name, getattr(base, name).__doc__)
        if not overloads:
            continue
        wanted = {len(overload["params"]) for overload in overloads}
        given = len(inspect.signature(function).parameters)
        if given not in wanted:
            problems.append(f"{type(instance).__name__}.{name} takes {given} arguments, {base.__name__}.{name} "
                            f"passes {sorted(wanted)}")
    return problems


def missing_pure_virtuals(instance: Any, base: type, pure_virtual: dict[str, list[str]]) -> list[str]:
    """The pure virtual methods of `base`'s interfaces (names from its trampolines) the subclass does not define:
    TensorRT would call them and get "Tried to call pure virtual function". A method a more derived binding class
    implements (IInt8EntropyCalibrator2.get_algorithm) is not required; `Derived` is the calibrators' template."""
    mro = [cls for cls in base.__mro__ if cls.__module__ == base.__module__]
    missing = []
    for position, cls in enumerate(mro):
        names = list(pure_virtual.get(cls.__name__, []))
        if cls is base and "Calibrator" in cls.__name__:
            names += pure_virtual.get("Derived", [])
        for name in names:
            implemented = any(name in vars(derived) for derived in mro[:position])
            if not implemented and name not in vars(type(instance)):
                missing.append(f"{type(instance).__name__} lacks {cls.__name__}.{name}")
    return missing


def check_logger(trt: Any, findings: dict) -> None:
    from trtkit.backends.trt_builder import make_logger

    lines: list[tuple[str, str]] = []
    logger = make_logger(trt, lines)
    severities = list(trt.ILogger.Severity.__members__.values())
    for severity in severities:
        trt.ILogger.log(logger, severity, f"message {severity.name}")
    findings["logger"] = {
        "lines": lines, "expected": [(severity.name, f"message {severity.name}") for severity in severities],
        "overrides": override_problems(logger, trt.ILogger) + missing_pure_virtuals(logger, trt.ILogger, PURE),
        "handed": {"Builder(logger)": replay(lambda: trt.Builder(logger)).__dict__,
                   "Runtime(logger)": replay(lambda: trt.Runtime(logger)).__dict__},
    }


class _Config:
    """Where build_serialized hands its progress monitor: the real property is replayed on a bare config."""

    progress_monitor = None


def check_monitor(trt: Any, findings: dict) -> None:
    """build_serialized's monitor, as the builder drives it: phases and steps through the base class."""
    from trtkit.backends.trt_builder import build_serialized

    calls: list[Any] = []
    handed: dict[str, Any] = {}

    class Builder:
        def build_serialized_network(self, network: Any, config: _Config) -> bytes:
            monitor = handed["monitor"] = config.progress_monitor
            handed["IBuilderConfig.progress_monitor"] = replay(
                lambda: setattr(bare(trt.IBuilderConfig), "progress_monitor", monitor)).__dict__
            base = trt.IProgressMonitor
            base.phase_start(monitor, "Building engine", None, 2)
            base.phase_start(monitor, "Tactic selection", "Building engine", 1)
            calls.append(base.step_complete(monitor, "Tactic selection", 0))
            base.phase_finish(monitor, "Tactic selection")
            calls.append(base.step_complete(monitor, "Building engine", 0))
            calls.append(base.step_complete(monitor, "Building engine", 1))
            base.phase_finish(monitor, "Building engine")
            return b"serialized engine"

    seen: list[tuple] = []
    run = build_serialized(trt, Builder(), object(), _Config(), [], on_phase=lambda *a: seen.append(("phase", *a)),
                           on_step=lambda *a: seen.append(("step", *a)))
    monitor = handed.pop("monitor")
    findings["monitor"] = {"phases": sorted(run.phases), "continue": calls, "callbacks": seen,
                           "overrides": override_problems(monitor, trt.IProgressMonitor)
                           + missing_pure_virtuals(monitor, trt.IProgressMonitor, PURE),
                           "serialized": bytes(run.serialized or b"").decode(), "handed": handed}


def check_profiler(trt: Any, findings: dict) -> None:
    """layer_times' profiler, as an execution context reports each layer of each profiled run."""
    from trtkit.backends.trt_executor import layer_times

    handed: dict[str, Any] = {}

    class Context:
        profiler = None

    class Executor:
        context = Context()

        def enqueue(self, stream: int) -> None:
            profiler = self.context.profiler
            if "IExecutionContext.profiler" not in handed:
                handed["IExecutionContext.profiler"] = replay(
                    lambda: setattr(bare(trt.IExecutionContext), "profiler", profiler)).__dict__
            for name, ms in (("conv1", 0.25), ("relu", 0.5)):
                trt.IProfiler.report_layer_time(profiler, name, ms)

    times = layer_times(trt, Executor(), 3)  # type: ignore[arg-type]  # the executor's context is the stand-in
    findings["profiler"] = {"times": times, "handed": handed,
                            "overrides": override_problems(Executor.context.profiler, trt.IProfiler)
                            + missing_pure_virtuals(Executor.context.profiler, trt.IProfiler, PURE)}


def _setter(instance: Any, name: str, value: Any) -> Callable[[], None]:
    return lambda: setattr(instance, name, value)


def check_calibrators(trt: Any, findings: dict) -> None:
    """Each calibrator algorithm of 10.x, as the builder calibrates: batch size, batches through the base class
    until None, the cache read and written; then handed to IBuilderConfig.int8_calibrator."""
    import tempfile
    from pathlib import Path

    import numpy as np

    from trtkit.backends.calibrator import _ALGORITHMS, make_calibrator

    results = {}
    for algorithm, class_name in _ALGORITHMS.items():
        base = getattr(trt, class_name)
        cache = Path(tempfile.mkdtemp()) / "calibration.cache"
        feeds = [{"input": np.full((1, 3), index, dtype=np.float32)} for index in range(2)]
        calibrator = make_calibrator(trt, algorithm, feeds, cache)
        batches = []
        while (pointers := calibrator.get_batch(["input"])) is not None:  # the trampoline's call, made directly
            values = np.ctypeslib.as_array((__import__("ctypes").c_float * 3).from_address(pointers[0]))
            batches.append(values.tolist())
        calibrator.write_calibration_cache(memoryview(b"scales"))
        result = {"batch_size": base.get_batch_size(calibrator), "batches": batches,
                  "cache": cache.read_bytes().decode(),
                  "read_back": bytes(calibrator.read_calibration_cache()).decode(),
                  "summary": calibrator.summary(),
                  "overrides": override_problems(calibrator, base) + missing_pure_virtuals(calibrator, base, PURE),
                  "handed": replay(_setter(bare(trt.IBuilderConfig), "int8_calibrator", calibrator)).__dict__}
        if algorithm == "legacy":
            # pure virtual in C++ but not bound as methods: TensorRT's trampoline calls these Python names
            result["legacy"] = [calibrator.get_quantile(), calibrator.get_regression_cutoff(),
                                calibrator.read_histogram_cache(0), calibrator.write_histogram_cache(b"", 0)]
        calibrator.free()
        results[algorithm] = result
    findings["calibrators"] = results


PURE: dict[str, list[str]] = {}


def main(argv: list[str]) -> int:
    from pathlib import Path

    from tests.conformance import cpu_cuda

    trt = importlib.import_module(argv[0])
    PURE.update(json.loads(Path(argv[1]).read_text())["pure_virtual"])
    cpu_cuda.install()
    findings: dict[str, Any] = {"version": trt.__version__}
    check_logger(trt, findings)
    check_monitor(trt, findings)
    check_profiler(trt, findings)
    if hasattr(trt, "IInt8EntropyCalibrator2"):
        check_calibrators(trt, findings)
    print(json.dumps(findings))
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
