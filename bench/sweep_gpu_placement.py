"""GPU placement of `trtkit sweep` on a machine with several GPUs: timed runs go through the local executor's
per-GPU workers (trtkit/backends/executors.py), and each is the profile harness timing a CUDA kernel of known
length (bench/gpu_executors.py's spin kernel through trtkit/backends/timing.py), as a sweep's profile phase
would time an engine.

Checked: every task sees exactly one GPU (pinned with CUDA_VISIBLE_DEVICES before CUDA starts), tasks on one
GPU never overlap in time, the GPUs work at the same time, every GPU is used, and every measured median is
within 1% of the kernel's length: no timed run disturbed another. Exit status 1 when a check fails.
Usage (a machine with two or more GPUs, CuPy, cuda-python): python bench/sweep_gpu_placement.py [--tasks 8]
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
sys.path.insert(0, str(HERE))

KERNEL_US = 500.0


def timed_run(task: int, seconds: float) -> dict:
    """In a GPU worker: the harness times the spin kernel for `seconds`; returns what it saw and measured."""
    sys.path.insert(0, str(HERE))
    sys.path.insert(0, str(HERE.parent))
    import cupy
    from gpu_executors import SpinExecutor

    from trtkit.backends.timing import TimingMode, measure

    start = time.time()
    executor = SpinExecutor(KERNEL_US)
    mode = TimingMode(warmup_s=0.2, min_iterations=10, min_duration_s=seconds, cuda_graph=True, spin_wait=True,
                      transfers=False, enqueue_ahead=True, streams=1)
    measurement = measure([executor], mode)
    compute = sorted(measurement.samples.compute)
    return {"task": task, "pid": os.getpid(), "cuda_visible_devices": os.environ.get("CUDA_VISIBLE_DEVICES"),
            "visible_gpus": cupy.cuda.runtime.getDeviceCount(), "pci_bus": cupy.cuda.Device(0).pci_bus_id,
            "start": start, "end": time.time(), "iterations": len(compute),
            "median_ms": compute[len(compute) // 2]}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tasks", type=int, default=8)
    parser.add_argument("--seconds", type=float, default=1.5, help="timed duration of each task")
    parser.add_argument("--out", type=Path, default=HERE / "out" / "sweep_gpu_placement.json")
    arguments = parser.parse_args()
    import cupy

    from trtkit.backends.executors import LocalExecutor

    gpus = list(range(cupy.cuda.runtime.getDeviceCount()))
    if len(gpus) < 2:
        print(f"needs two or more GPUs, found {len(gpus)}")
        return 1
    executor = LocalExecutor(workers=1, gpus=gpus)
    started = time.time()
    try:
        placed = [executor.submit_gpu(timed_run, task, arguments.seconds) for task in range(arguments.tasks)]
        runs = [{**future.result(), "gpu": gpu} for gpu, future in placed]
    finally:
        executor.close()
    wall = time.time() - started
    problems = []
    for run in runs:
        if run["visible_gpus"] != 1 or run["cuda_visible_devices"] != str(run["gpu"]):
            problems.append(f"task {run['task']} saw {run['visible_gpus']} GPUs, CUDA_VISIBLE_DEVICES="
                            f"{run['cuda_visible_devices']} (placed on {run['gpu']})")
        if abs(run["median_ms"] - KERNEL_US / 1000) > 0.01 * KERNEL_US / 1000:
            problems.append(f"task {run['task']}: median {run['median_ms']:.4f} ms, kernel {KERNEL_US / 1000} ms")
    for gpu in gpus:
        spans = sorted((run["start"], run["end"], run["task"]) for run in runs if run["gpu"] == gpu)
        if not spans:
            problems.append(f"GPU {gpu} was never used")
        for previous, following in zip(spans, spans[1:], strict=False):
            if following[0] < previous[1]:
                problems.append(f"tasks {previous[2]} and {following[2]} overlapped on GPU {gpu}")
        if len({run["pci_bus"] for run in runs if run["gpu"] == gpu}) != 1:
            problems.append(f"GPU {gpu}: tasks ran on different physical GPUs")
    if len({run["pci_bus"] for run in runs}) != len(gpus):
        problems.append("the GPU workers did not each get a physical GPU of their own")
    concurrent = any(a["start"] < b["end"] and b["start"] < a["end"] for a in runs for b in runs
                     if a["gpu"] != b["gpu"])
    if not concurrent:
        problems.append("the GPUs never worked at the same time")
    arguments.out.parent.mkdir(exist_ok=True)
    arguments.out.write_text(json.dumps({"gpus": gpus, "wall_s": wall, "runs": runs, "problems": problems},
                                        indent=1))
    for run in sorted(runs, key=lambda item: item["start"]):
        print(f"task {run['task']}: GPU {run['gpu']} (PCI bus {run['pci_bus']}, pid {run['pid']}) "
              f"{run['start'] - started:6.2f}-{run['end'] - started:6.2f} s, {run['iterations']} iterations, "
              f"median {run['median_ms']:.4f} ms")
    serial = sum(run["end"] - run["start"] for run in runs)
    print(f"{len(runs)} tasks on {len(gpus)} GPUs in {wall:.1f} s (one after another: {serial:.1f} s)")
    print("checks: " + ("all passed" if not problems else "; ".join(problems)))
    return 0 if not problems else 1


if __name__ == "__main__":
    sys.exit(main())
