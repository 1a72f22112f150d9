"""TensorRT as an executor of the timing harness: an execution context on one optimization profile, input
shapes set, device buffers bound with set_tensor_address, pinned host mirrors for the transfer spans, and
execute_async_v3 as the compute (TensorRT 10.x/11.x and TensorRT-RTX API, as Polygraphy's TrtRunner uses
it). And the per-layer run: an IProfiler that keeps every layer's time of every profiled execution.

Needs TensorRT on a GPU, so it is not executed on the machines here; the harness around it is (timing.py)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from trtkit.errors import BackendUnavailableError

if TYPE_CHECKING:
    from trtkit.backends.cuda import DeviceBuffer, PinnedBuffer


class TrtExecutor:
    """One context's inference on `feed` (input name -> array at the shapes to run); see timing.Executor."""

    def __init__(self, trt, engine, profile_index: int, feed: dict):
        import numpy as np

        from trtkit.backends.cuda import Stream
        from trtkit.backends.trt_runner import numpy_dtype

        self.context = engine.create_execution_context()
        if self.context is None:
            raise BackendUnavailableError("TensorRT could not create an execution context (out of device memory?)",
                                          "free the GPU or profile with fewer streams")
        setup = Stream()
        self.context.set_optimization_profile_async(profile_index, setup.handle)
        names = [engine.get_tensor_name(index) for index in range(engine.num_io_tensors)]
        self.inputs = [name for name in names if engine.get_tensor_mode(name) == trt.TensorIOMode.INPUT]
        self.outputs = [name for name in names if name not in self.inputs]
        self.host: dict[str, PinnedBuffer] = {}
        self.device: dict[str, DeviceBuffer] = {}
        for name in self.inputs:
            array = np.ascontiguousarray(feed[name], dtype=numpy_dtype(trt, engine, name))
            self.context.set_input_shape(name, array.shape)
            self._bind(name, array.shape, array.dtype)
            self.host[name].array[...] = array
        for name in self.outputs:
            self._bind(name, tuple(self.context.get_tensor_shape(name)), numpy_dtype(trt, engine, name))
        # the inputs on the device once, and one execution before any CUDA graph capture (deferred setup)
        self.upload(setup.handle)
        self.enqueue(setup.handle)
        setup.synchronize()
        setup.destroy()

    def _bind(self, name: str, shape, dtype) -> None:
        from trtkit.backends.cuda import DeviceBuffer, PinnedBuffer

        self.host[name] = PinnedBuffer(shape, dtype)
        self.device[name] = DeviceBuffer(self.host[name].array.nbytes)
        self.context.set_tensor_address(name, self.device[name].address)

    def upload(self, stream: int) -> None:
        for name in self.inputs:
            self.device[name].upload(self.host[name].array, stream)

    def enqueue(self, stream: int) -> None:
        if not self.context.execute_async_v3(stream):
            raise BackendUnavailableError("TensorRT failed to run the engine", "rerun with --debug -v for its log")

    def download(self, stream: int) -> None:
        for name in self.outputs:
            self.device[name].download(self.host[name].array, stream)

    def free(self) -> None:
        buffers: list[DeviceBuffer | PinnedBuffer] = [*self.device.values(), *self.host.values()]
        for buffer in buffers:
            buffer.free()
        self.device.clear()
        self.host.clear()


def layer_times(trt, executor: TrtExecutor, runs: int) -> dict[str, list[float]]:
    """Each layer's time in each of `runs` executions, by an IProfiler (its own run: profiling slows the
    engine, so these are never mixed with the timed figures). Layer order is the engine's."""
    from trtkit.backends.cuda import Stream

    times: dict[str, list[float]] = {}

    class Profiler(trt.IProfiler):
        def __init__(self):
            trt.IProfiler.__init__(self)

        def report_layer_time(self, layer_name, ms):
            times.setdefault(layer_name, []).append(float(ms))

    profiler = Profiler()  # held here for the runs: the context does not own it
    executor.context.profiler = profiler
    stream = Stream()
    try:
        for _ in range(runs):
            executor.enqueue(stream.handle)
            stream.synchronize()
    finally:
        stream.destroy()
    return times
