"""A CPU stand-in for the cuda-python runtime module, so trtkit's own CUDA layer (trtkit.backends.cuda: device
buffers, streams, events, CUDA graphs) runs unchanged where there is no GPU: memory is host memory, copies are
memmoves done at once, a stream is a number, a CUDA graph replays the work recorded while capturing.

Only for the conformance drive: nothing here says anything about a GPU's behaviour."""

from __future__ import annotations

import ctypes
import itertools
import time
from collections.abc import Callable
from enum import IntEnum
from types import SimpleNamespace

OK = 0


class cudaError_t(IntEnum):
    cudaSuccess = 0
    cudaErrorNotReady = 600


class CpuRuntime:
    """cuda-python's runtime calls trtkit makes, each returning (error, *values) as cuda-python does."""

    cudaError_t = cudaError_t
    cudaMemcpyKind = SimpleNamespace(cudaMemcpyHostToDevice=1, cudaMemcpyDeviceToHost=2)
    cudaStreamCaptureMode = SimpleNamespace(cudaStreamCaptureModeThreadLocal=1)
    cudaEventDefault, cudaEventBlockingSync = 0, 1

    def __init__(self) -> None:
        self.memory: dict[int, ctypes.Array] = {}
        self.numbers = itertools.count(1)
        self.events: dict[int, float] = {}
        self.capturing: dict[int, list[Callable[[], None]]] = {}
        self.graphs: dict[int, list[Callable[[], None]]] = {}

    def run_on(self, stream: int, work: Callable[[], None]) -> None:
        """Work an executor puts on `stream`: done now, or recorded into the graph being captured there."""
        if stream in self.capturing:
            self.capturing[stream].append(work)
        else:
            work()

    def _allocate(self, nbytes: int) -> tuple[int, int]:
        block = ctypes.create_string_buffer(int(nbytes))
        self.memory[ctypes.addressof(block)] = block
        return OK, ctypes.addressof(block)

    def cudaMalloc(self, nbytes: int) -> tuple[int, int]:
        return self._allocate(nbytes)

    def cudaMallocHost(self, nbytes: int) -> tuple[int, int]:
        return self._allocate(nbytes)

    def cudaFree(self, pointer: int) -> tuple[int]:
        self.memory.pop(int(pointer))
        return (OK,)

    cudaFreeHost = cudaFree

    def cudaMemcpyAsync(self, destination: int, source: int, nbytes: int, kind: int, stream: int) -> tuple[int]:
        self.run_on(int(stream), lambda: None if ctypes.memmove(destination, source, nbytes) else None)
        return (OK,)

    def cudaStreamCreate(self) -> tuple[int, int]:
        return OK, next(self.numbers)

    def cudaStreamSynchronize(self, stream: int) -> tuple[int]:
        return (OK,)

    def cudaStreamDestroy(self, stream: int) -> tuple[int]:
        return (OK,)

    def cudaEventCreateWithFlags(self, flags: int) -> tuple[int, int]:
        number = next(self.numbers)
        self.events[number] = 0.0
        return OK, number

    def cudaEventRecord(self, event: int, stream: int) -> tuple[int]:
        self.run_on(int(stream), lambda: self.events.__setitem__(event, time.perf_counter()))
        return (OK,)

    def cudaEventQuery(self, event: int) -> tuple[int]:
        return (cudaError_t.cudaSuccess,)

    def cudaEventSynchronize(self, event: int) -> tuple[int]:
        return (OK,)

    def cudaEventElapsedTime(self, start: int, end: int) -> tuple[int, float]:
        return OK, (self.events[end] - self.events[start]) * 1000.0

    def cudaEventDestroy(self, event: int) -> tuple[int]:
        self.events.pop(event, None)
        return (OK,)

    def cudaStreamBeginCapture(self, stream: int, mode: int) -> tuple[int]:
        self.capturing[int(stream)] = []
        return (OK,)

    def cudaStreamEndCapture(self, stream: int) -> tuple[int, int]:
        number = next(self.numbers)
        self.graphs[number] = self.capturing.pop(int(stream))
        return OK, number

    def cudaGraphInstantiate(self, graph: int, flags: int) -> tuple[int, int]:
        return OK, graph

    def cudaGraphLaunch(self, executable: int, stream: int) -> tuple[int]:
        for work in self.graphs[executable]:
            work()
        return (OK,)

    def cudaGraphExecDestroy(self, executable: int) -> tuple[int]:
        return (OK,)

    def cudaGraphDestroy(self, graph: int) -> tuple[int]:
        self.graphs.pop(graph, None)
        return (OK,)


def install() -> CpuRuntime:
    """Make trtkit.backends.cuda use a CPU runtime and report one GPU (compute capability 8.6)."""
    from trtkit.backends import cuda

    runtime = CpuRuntime()
    cuda.cuda_runtime = lambda: runtime  # type: ignore[assignment]
    gpu = cuda.CudaProbe(driver_api_version="12.8", driver_version="570.00",
                         gpus=[cuda.GpuInfo(0, "CPU stand-in", "8.6", 1 << 30)])
    cuda.probe_cuda = lambda: gpu  # type: ignore[assignment]
    return runtime

