"""The timing harness of `trtkit profile` on a real GPU, with kernels of known duration (gpu_executors.py).

Measures: (1) accuracy: the harness's median GPU compute time of a 100 us and a 1 ms kernel against bare CUDA
events around the same launch (target: within 2%), with CUDA graphs on and off; (2) the per-iteration
overhead with and without CUDA graphs: 50 empty kernel launches per inference, GPU span and host enqueue
time; (3) multi-stream throughput of a 1 ms one-thread kernel on 1, 2 and 4 streams; (4) percentiles.
Needs a GPU, cuda-python and CuPy. Usage: python bench/profile_harness.py  (writes bench/out/profile_harness.json)
"""

from __future__ import annotations

import json
import statistics
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))


def _median(values):
    return statistics.median(values)


def main() -> int:
    from gpu_executors import SpinExecutor, raw_event_times

    from trtkit.analysis.statistics import describe
    from trtkit.backends.cuda import probe_cuda
    from trtkit.backends.timing import TimingMode, measure

    probe = probe_cuda()
    if not probe.has_gpu:
        raise SystemExit(f"needs a GPU: {probe.error}")
    gpu = probe.gpus[0]
    quick = {"warmup_s": 0.2, "min_iterations": 200, "min_duration_s": 1.0}
    results: dict = {"gpu": f"{gpu.name} (compute capability {gpu.compute_capability})",
                     "driver": probe.driver_version, "accuracy": [], "graph_overhead": {}, "streams": []}
    ok = True
    for microseconds in (100, 1000):
        executor = SpinExecutor(microseconds)
        raw = raw_event_times(executor, 300)
        for graph in (True, False):
            measured = measure([executor], TimingMode(cuda_graph=graph, **quick))
            compute = _median(measured.samples.compute)
            error = 100 * (compute / _median(raw) - 1)
            ok = ok and abs(error) <= 2.0
            stats = describe(measured.samples.compute, (90, 99))
            results["accuracy"].append({
                "kernel_us": microseconds, "cuda_graph": graph, "raw_event_median_ms": _median(raw),
                "harness_compute_median_ms": compute, "error_percent": error,
                "harness_p90_ms": stats.percentiles[90.0], "harness_p99_ms": stats.percentiles[99.0],
                "raw_p99_ms": describe(raw, (99,)).percentiles[99.0], "cv_percent": stats.cv_percent,
                "iterations": measured.iterations})
        executor.free()
    launches = SpinExecutor(0, launches=50)
    for graph in (True, False):
        measured = measure([launches], TimingMode(cuda_graph=graph, **quick))
        results["graph_overhead"]["on" if graph else "off"] = {
            "gpu_compute_median_ms": _median(measured.samples.compute),
            "latency_median_ms": _median(measured.samples.latency),
            "enqueue_median_ms": _median(measured.samples.enqueue), "throughput_qps": measured.throughput_qps}
    launches.free()
    single = SpinExecutor(0)
    measured = measure([single], TimingMode(**quick))
    results["floor_one_empty_kernel_graph_on"] = {"latency_median_ms": _median(measured.samples.latency),
                                                  "enqueue_median_ms": _median(measured.samples.enqueue)}
    single.free()
    for count in (1, 2, 4):
        executors = [SpinExecutor(1000) for _ in range(count)]
        measured = measure(executors, TimingMode(streams=count, **quick))
        results["streams"].append({"streams": count, "throughput_qps": measured.throughput_qps,
                                   "latency_median_ms": _median(measured.samples.latency)})
        for executor in executors:
            executor.free()
    results["meets_accuracy_target"] = ok
    (HERE / "out").mkdir(exist_ok=True)
    (HERE / "out" / "profile_harness.json").write_text(json.dumps(results, indent=2) + "\n")
    print(json.dumps(results, indent=2))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
