"""Where a sweep's tasks run: this machine's processes, or a Ray cluster.

Both give futures for two kinds of task: CPU work (conversions, builds, analyses) in parallel, and GPU work
(profiling) with at most one task per GPU at a time, so timed runs never share a GPU. Locally each GPU has one
worker process pinned to it with CUDA_VISIBLE_DEVICES; on Ray each GPU task asks for one GPU (Ray pins it).
"""

from __future__ import annotations

import concurrent.futures
import multiprocessing
import os
from collections.abc import Callable
from typing import Any

from trtkit.errors import BackendUnavailableError


def _pin_gpu(gpu: int) -> None:
    # runs first in the worker process, before anything initializes CUDA
    os.environ["CUDA_VISIBLE_DEVICES"] = str(gpu)


class LocalExecutor:
    """A process pool for CPU tasks and one single-process pool per GPU."""

    name = "local"

    def __init__(self, workers: int, gpus: list[int]):
        # spawn, not fork: TensorRT, onnxruntime and CUDA must not be inherited half-initialized
        context = multiprocessing.get_context("spawn")
        self.cpu = concurrent.futures.ProcessPoolExecutor(max_workers=workers, mp_context=context)
        self.gpu_pools = {gpu: concurrent.futures.ProcessPoolExecutor(max_workers=1, mp_context=context,
                                                                      initializer=_pin_gpu, initargs=(gpu,))
                          for gpu in gpus}
        self.gpu_load = dict.fromkeys(gpus, 0)
        self.gpus = list(gpus)

    def submit_cpu(self, function: Callable, *args: Any) -> concurrent.futures.Future:
        return self.cpu.submit(function, *args)

    def submit_gpu(self, function: Callable, *args: Any) -> tuple[int, concurrent.futures.Future]:
        """Queue on the GPU with the least work queued; it runs when that GPU's previous task is done."""
        gpu = min(self.gpu_load, key=lambda index: (self.gpu_load[index], index))
        self.gpu_load[gpu] += 1
        future = self.gpu_pools[gpu].submit(function, *args)
        future.add_done_callback(lambda _: self.gpu_load.__setitem__(gpu, self.gpu_load[gpu] - 1))
        return gpu, future

    def close(self, cancel: bool = False) -> None:
        for pool in (self.cpu, *self.gpu_pools.values()):
            pool.shutdown(wait=not cancel, cancel_futures=cancel)


class RayExecutor:
    """Tasks as Ray tasks: one CPU each, or one GPU each for profiling (Ray never gives a GPU to two at once)."""

    name = "ray"

    def __init__(self, address: str | None, workers: int | None):
        try:
            import ray
        except ImportError:
            raise BackendUnavailableError("sweep.executor ray needs Ray, which is not installed",
                                          "pip install 'trtkit[ray]'") from None
        self.ray = ray
        self.started = not ray.is_initialized()
        if self.started:
            options: dict[str, Any] = {"include_dashboard": False, "log_to_driver": False,
                                       "configure_logging": False}
            if address:
                options["address"] = address
            elif workers:
                options["num_cpus"] = workers
            ray.init(**options)
        resources = ray.cluster_resources()
        self.gpus = list(range(int(resources.get("GPU", 0))))
        self._remote: dict[tuple[Callable, bool], Any] = {}

    def _task(self, function: Callable, gpu: bool):
        key = (function, gpu)
        if key not in self._remote:
            self._remote[key] = self.ray.remote(num_gpus=1, num_cpus=0)(function) if gpu else \
                self.ray.remote(num_cpus=1)(function)
        return self._remote[key]

    def submit_cpu(self, function: Callable, *args: Any) -> concurrent.futures.Future:
        return self._task(function, False).remote(*args).future()

    def submit_gpu(self, function: Callable, *args: Any) -> tuple[int | None, concurrent.futures.Future]:
        return None, self._task(function, True).remote(*args).future()

    def close(self, cancel: bool = False) -> None:
        if self.started:
            self.ray.shutdown()
