"""The timing harness of `profile`, independent of TensorRT: it measures anything that enqueues work on a CUDA
stream the way trtexec measures an engine.

Per iteration four events are recorded on the iteration's stream: start, after the host-to-device copies, after
the compute, after the device-to-host copies. Latency is start to end, GPU compute the middle span, and the
enqueue time is the host time spent putting the iteration on the stream. Several streams run iterations
round robin for throughput; with enqueue-ahead a stream holds two iterations in flight (the next is
enqueued while the previous runs), without it each iteration is waited for. Waiting spins on the event
(spin-wait) or sleeps in the driver. With CUDA graphs the compute is captured once per stream and
replayed with one launch. The TensorRT executor (engine context, shapes, buffers) plugs in through
`Executor`."""

from __future__ import annotations

import time
from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from trtkit.backends.cuda import Event


class Executor(Protocol):
    """One inference's work, enqueued asynchronously on a stream (a CUDA stream handle)."""

    def upload(self, stream: int) -> None: ...  # host-to-device copies of the inputs

    def enqueue(self, stream: int) -> None: ...  # the compute; captured into a CUDA graph when asked

    def download(self, stream: int) -> None: ...  # device-to-host copies of the outputs


@dataclass
class TimingMode:
    """How to measure; the defaults are TensorRT 11 trtexec's (CUDA graph and spin-wait on, transfers off)."""

    warmup_s: float = 0.2
    min_iterations: int = 10
    min_duration_s: float = 3.0
    cuda_graph: bool = True
    spin_wait: bool = True
    transfers: bool = False
    enqueue_ahead: bool = True
    streams: int = 1


@dataclass
class Samples:
    """Per-iteration times in ms, in completion order per stream, streams interleaved as run."""

    latency: list[float] = field(default_factory=list)
    compute: list[float] = field(default_factory=list)
    h2d: list[float] = field(default_factory=list)
    d2h: list[float] = field(default_factory=list)
    enqueue: list[float] = field(default_factory=list)
    stream: list[int] = field(default_factory=list)
    start: list[float] = field(default_factory=list)  # GPU: the iteration's start event, since the run's first
    enqueue_start: list[float] = field(default_factory=list)  # host: since the run started


@dataclass
class Measurement:
    mode: TimingMode
    samples: Samples
    wall_s: float  # host wall time of the timed run, first enqueue to last completion

    @property
    def iterations(self) -> int:
        return len(self.samples.latency)

    @property
    def throughput_qps(self) -> float:
        return self.iterations / self.wall_s if self.wall_s > 0 else 0.0

    def to_dict(self) -> dict:
        return {"mode": asdict(self.mode), "iterations": self.iterations, "wall_s": self.wall_s,
                "throughput_qps": self.throughput_qps, "samples_ms": asdict(self.samples)}


class _Slot:
    """The events of one iteration in flight, reused once its times are read."""

    def __init__(self, blocking: bool):
        from trtkit.backends.cuda import Event

        self.start, self.h2d, self.compute, self.end = (Event(blocking) for _ in range(4))
        self.enqueue_ms = 0.0
        self.busy = False
        self.order = 0  # the iteration's number, to collect what is in flight oldest first
        self.enqueue_begin = 0.0

    def destroy(self) -> None:
        for event in (self.start, self.h2d, self.compute, self.end):
            event.destroy()


def measure(executors: list[Executor], mode: TimingMode) -> Measurement:
    """Warm up, then time iterations until both `min_iterations` and `min_duration_s` are reached."""
    from trtkit.backends.cuda import CudaGraph, Stream

    if len(executors) != mode.streams:
        raise ValueError(f"{mode.streams} stream(s) need as many executors, got {len(executors)}")
    streams = [Stream() for _ in executors]
    depth = 2 if mode.enqueue_ahead else 1
    slots = [[_Slot(blocking=not mode.spin_wait) for _ in range(depth)] for _ in executors]
    graphs = [CudaGraph(stream.handle, executor.enqueue) if mode.cuda_graph else None
              for stream, executor in zip(streams, executors, strict=True)]
    try:
        _run(executors, streams, slots, graphs, mode, Samples(), mode.warmup_s, 1)
        samples = Samples()
        start = time.perf_counter()
        _run(executors, streams, slots, graphs, mode, samples, mode.min_duration_s, mode.min_iterations)
        wall = time.perf_counter() - start
    finally:
        for stream in streams:
            stream.synchronize()
        for graph in graphs:
            if graph is not None:
                graph.destroy()
        for stream_slots in slots:
            for slot in stream_slots:
                slot.destroy()
        for stream in streams:
            stream.destroy()
    return Measurement(mode, samples, wall)


def _run(executors, streams, slots, graphs, mode: TimingMode, samples: Samples, duration_s: float,
         iterations: int) -> None:
    from trtkit.backends.cuda import Event

    origin = Event()  # GPU times of the run are read against it
    origin.record(streams[0].handle)
    started = time.perf_counter()
    clock = _Clock(origin, started)
    count = 0
    while count < iterations or time.perf_counter() - started < duration_s:
        index = count % len(executors)
        slot = slots[index][(count // len(executors)) % len(slots[index])]
        if slot.busy:  # the iteration that used these events `depth` rounds ago
            _collect(slot, index, mode, samples, clock)
        _enqueue(executors[index], streams[index].handle, graphs[index], slot, mode, count)
        if not mode.enqueue_ahead:
            _collect(slot, index, mode, samples, clock)
        count += 1
    for index, stream_slots in enumerate(slots):  # what is still in flight, oldest first
        pending = sorted((slot for slot in stream_slots if slot.busy), key=lambda slot: slot.order)
        for slot in pending:
            _collect(slot, index, mode, samples, clock)
    origin.destroy()


@dataclass
class _Clock:
    origin: Event
    started: float  # perf_counter at the run's start


def _enqueue(executor: Executor, stream: int, graph, slot: _Slot, mode: TimingMode, order: int) -> None:
    begin = time.perf_counter()
    slot.enqueue_begin = begin
    slot.start.record(stream)
    if mode.transfers:
        executor.upload(stream)
    slot.h2d.record(stream)
    if graph is not None:
        graph.launch(stream)
    else:
        executor.enqueue(stream)
    slot.compute.record(stream)
    if mode.transfers:
        executor.download(stream)
    slot.end.record(stream)
    slot.enqueue_ms = 1e3 * (time.perf_counter() - begin)
    slot.busy, slot.order = True, order


def _collect(slot: _Slot, stream_index: int, mode: TimingMode, samples: Samples, clock: _Clock) -> None:
    slot.end.wait(spin=mode.spin_wait)
    samples.start.append(clock.origin.elapsed_ms(slot.start))
    samples.enqueue_start.append(1e3 * (slot.enqueue_begin - clock.started))
    samples.latency.append(slot.start.elapsed_ms(slot.end))
    samples.h2d.append(slot.start.elapsed_ms(slot.h2d))
    samples.compute.append(slot.h2d.elapsed_ms(slot.compute))
    samples.d2h.append(slot.compute.elapsed_ms(slot.end))
    samples.enqueue.append(slot.enqueue_ms)
    samples.stream.append(stream_index)
    slot.busy = False
