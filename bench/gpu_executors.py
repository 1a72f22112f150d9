"""Executors of known duration for the timing harness (`trtkit/backends/timing.py`): a one-thread CUDA kernel
that spins on the GPU's global timer for a set number of nanoseconds, launched with CuPy on the harness's
stream; optional pinned-host <-> device copies for the transfer spans. Used by bench/profile_harness.py and
tests/backends/test_timing.py on a GPU machine (CuPy and cuda-python)."""

from __future__ import annotations

import warnings

import numpy as np

SOURCE = r"""
extern "C" __global__ void spin(unsigned long long nanoseconds) {
    unsigned long long start, now;
    asm volatile("mov.u64 %0, %%globaltimer;" : "=l"(start));
    do { asm volatile("mov.u64 %0, %%globaltimer;" : "=l"(now)); } while (now - start < nanoseconds);
}
"""


class SpinExecutor:
    """`launches` kernels of `microseconds` each per inference; `copy_bytes` each way when transfers are on."""

    def __init__(self, microseconds: float, launches: int = 1, copy_bytes: int = 1 << 22):
        import cupy

        from trtkit.backends.cuda import DeviceBuffer, PinnedBuffer

        self.cupy = cupy
        self.kernel = cupy.RawKernel(SOURCE, "spin")
        self.nanoseconds = np.uint64(int(microseconds * 1000))
        self.launches = launches
        self.streams: dict[int, object] = {}
        self.host = PinnedBuffer((copy_bytes // 4,), np.float32)
        self.device = DeviceBuffer(copy_bytes)
        self.kernel((1,), (1,), (np.uint64(0),))  # load the module outside any graph capture
        cupy.cuda.Device().synchronize()

    def upload(self, stream: int) -> None:
        self.device.upload(self.host.array, stream)

    def _stream(self, stream: int):
        if stream not in self.streams:
            with warnings.catch_warnings():  # CuPy 14 prefers Stream.from_external, for objects, not handles
                warnings.simplefilter("ignore", DeprecationWarning)
                self.streams[stream] = self.cupy.cuda.ExternalStream(stream)
        return self.streams[stream]

    def enqueue(self, stream: int) -> None:
        with self._stream(stream):
            for _ in range(self.launches):
                self.kernel((1,), (1,), (self.nanoseconds,))

    def hold(self, stream: int, microseconds: float) -> None:
        """Keep the stream busy for a while, so what is enqueued next waits for the GPU, not the host."""
        with self._stream(stream):
            self.kernel((1,), (1,), (np.uint64(int(microseconds * 1000)),))

    def download(self, stream: int) -> None:
        self.device.download(self.host.array, stream)

    def free(self) -> None:
        self.device.free()
        self.host.free()


def raw_event_times(executor: SpinExecutor, iterations: int = 200) -> list[float]:
    """The reference: bare CUDA events right around the same compute, one iteration at a time. A 300 us hold is
    enqueued first so the host has enqueued the events and the launches before the GPU reaches them (else
    the span would include the host's launch time on an idle GPU)."""
    from trtkit.backends.cuda import Event, Stream

    stream = Stream()
    start, end = Event(), Event()
    times = []
    for _ in range(iterations):
        executor.hold(stream.handle, 300)
        start.record(stream.handle)
        executor.enqueue(stream.handle)
        end.record(stream.handle)
        end.wait(spin=True)
        times.append(start.elapsed_ms(end))
    start.destroy()
    end.destroy()
    stream.destroy()
    return times
