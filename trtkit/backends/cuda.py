"""The CUDA driver seen through ctypes: driver version and GPUs, with no CUDA Python package needed.

Used by `doctor` and to decide whether GPU stages can run; absence is reported, not raised.
"""

from __future__ import annotations

import ctypes
import sys
from dataclasses import dataclass, field

_COMPUTE_CAPABILITY_MAJOR = 75  # CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MAJOR
_COMPUTE_CAPABILITY_MINOR = 76
_CUDA_ERROR_NO_DEVICE = 100


@dataclass
class GpuInfo:
    index: int
    name: str
    compute_capability: str
    memory_bytes: int


@dataclass
class CudaProbe:
    """The CUDA driver and GPUs of this machine, or why none were found."""

    driver_api_version: str | None = None
    driver_version: str | None = None
    gpus: list[GpuInfo] = field(default_factory=list)
    error: str | None = None

    @property
    def has_gpu(self) -> bool:
        return bool(self.gpus)


def _load(names: tuple[str, ...]) -> ctypes.CDLL | None:
    for name in names:
        try:
            return ctypes.CDLL(name)
        except OSError:
            continue
    return None


def _nvml_driver_version() -> str | None:
    nvml = _load(("nvml.dll",) if sys.platform == "win32" else ("libnvidia-ml.so.1", "libnvidia-ml.so"))
    if nvml is None or nvml.nvmlInit_v2() != 0:
        return None
    try:
        buffer = ctypes.create_string_buffer(96)
        if nvml.nvmlSystemGetDriverVersion(buffer, ctypes.c_uint(len(buffer))) == 0:
            return buffer.value.decode()
        return None
    finally:
        nvml.nvmlShutdown()


def probe_cuda() -> CudaProbe:
    """Ask the CUDA driver for its version and GPUs."""
    lib = _load(("nvcuda.dll",) if sys.platform == "win32" else ("libcuda.so.1", "libcuda.so"))
    if lib is None:
        return CudaProbe(error="no CUDA driver (libcuda not found)")
    result = lib.cuInit(0)
    if result != 0:
        reason = "no CUDA-capable GPU" if result == _CUDA_ERROR_NO_DEVICE else f"cuInit failed with CUDA error {result}"
        return CudaProbe(error=reason)
    version = ctypes.c_int()
    lib.cuDriverGetVersion(ctypes.byref(version))
    probe = CudaProbe(driver_api_version=f"{version.value // 1000}.{version.value % 1000 // 10}",
                      driver_version=_nvml_driver_version())
    count = ctypes.c_int()
    lib.cuDeviceGetCount(ctypes.byref(count))
    for index in range(count.value):
        device = ctypes.c_int()
        lib.cuDeviceGet(ctypes.byref(device), index)
        name = ctypes.create_string_buffer(256)
        lib.cuDeviceGetName(name, len(name), device)
        major, minor = ctypes.c_int(), ctypes.c_int()
        lib.cuDeviceGetAttribute(ctypes.byref(major), _COMPUTE_CAPABILITY_MAJOR, device)
        lib.cuDeviceGetAttribute(ctypes.byref(minor), _COMPUTE_CAPABILITY_MINOR, device)
        memory = ctypes.c_size_t()
        lib.cuDeviceTotalMem_v2(ctypes.byref(memory), device)
        probe.gpus.append(GpuInfo(index, name.value.decode(errors="replace"), f"{major.value}.{minor.value}",
                                  memory.value))
    if not probe.gpus:
        probe.error = "no CUDA-capable GPU"
    return probe


# ---- runtime: device buffers and streams through cuda-python (CUDA's own Python bindings) ------------------

def cuda_runtime():
    """The cuda-python runtime module (`cuda.bindings.runtime`, or `cuda.cudart` in cuda-python < 12.6)."""
    try:
        from cuda.bindings import runtime
    except ImportError:
        try:
            from cuda import cudart as runtime
        except ImportError:
            from trtkit.errors import BackendUnavailableError

            raise BackendUnavailableError("cuda-python is not installed", "pip install 'trtkit[gpu]'") from None
    return runtime


def check(result):
    """Unwrap a cuda-python call's (error, *values) tuple; a CUDA error becomes a BackendUnavailableError."""
    error, *values = result if isinstance(result, tuple) else (result,)
    if int(error) != 0:
        from trtkit.errors import BackendUnavailableError

        name = getattr(error, "name", str(error))
        raise BackendUnavailableError(f"CUDA error {name}", "check the GPU and driver with trtkit doctor")
    return values[0] if len(values) == 1 else (tuple(values) if values else None)


class DeviceBuffer:
    """A block of device memory; copies to and from numpy arrays on a stream."""

    def __init__(self, nbytes: int):
        self.runtime = cuda_runtime()
        self.nbytes = max(int(nbytes), 1)
        self.pointer = check(self.runtime.cudaMalloc(self.nbytes))

    @property
    def address(self) -> int:
        return int(self.pointer)

    def upload(self, array, stream=None) -> None:
        import numpy as np

        array = np.ascontiguousarray(array)
        if array.nbytes > self.nbytes:
            raise ValueError(f"{array.nbytes} bytes do not fit in a buffer of {self.nbytes}")
        kind = self.runtime.cudaMemcpyKind.cudaMemcpyHostToDevice
        check(self.runtime.cudaMemcpyAsync(self.address, array.ctypes.data, array.nbytes, kind, stream or 0))

    def download(self, array, stream=None):
        kind = self.runtime.cudaMemcpyKind.cudaMemcpyDeviceToHost
        check(self.runtime.cudaMemcpyAsync(array.ctypes.data, self.address, array.nbytes, kind, stream or 0))
        return array

    def free(self) -> None:
        if self.pointer is not None:
            check(self.runtime.cudaFree(self.pointer))
            self.pointer = None

    def __enter__(self) -> DeviceBuffer:
        return self

    def __exit__(self, *exc) -> None:
        self.free()


class Stream:
    """A CUDA stream; `handle` is what TensorRT's execute_async_v3 takes."""

    def __init__(self):
        self.runtime = cuda_runtime()
        self.stream = check(self.runtime.cudaStreamCreate())

    @property
    def handle(self) -> int:
        return int(self.stream)

    def synchronize(self) -> None:
        check(self.runtime.cudaStreamSynchronize(self.stream))

    def destroy(self) -> None:
        if self.stream is not None:
            check(self.runtime.cudaStreamDestroy(self.stream))
            self.stream = None


class Event:
    """A CUDA event with timing; `blocking` events make `synchronize` sleep instead of spinning."""

    def __init__(self, blocking: bool = False):
        self.runtime = cuda_runtime()
        flags = self.runtime.cudaEventBlockingSync if blocking else self.runtime.cudaEventDefault
        self.event = check(self.runtime.cudaEventCreateWithFlags(flags))

    def record(self, stream: int) -> None:
        check(self.runtime.cudaEventRecord(self.event, stream))

    def done(self) -> bool:
        (error,) = self.runtime.cudaEventQuery(self.event)
        if error == self.runtime.cudaError_t.cudaErrorNotReady:
            return False
        check(error)
        return True

    def wait(self, spin: bool) -> None:
        """Until the work recorded before this event is done: polling (spin-wait) or in the driver."""
        if spin:
            while not self.done():
                pass
        else:
            check(self.runtime.cudaEventSynchronize(self.event))

    def elapsed_ms(self, later: Event) -> float:
        return float(check(self.runtime.cudaEventElapsedTime(self.event, later.event)))

    def destroy(self) -> None:
        if self.event is not None:
            check(self.runtime.cudaEventDestroy(self.event))
            self.event = None


class PinnedBuffer:
    """Page-locked host memory viewed as a numpy array, so copies to and from the device run asynchronously."""

    def __init__(self, shape, dtype):
        import numpy as np

        self.runtime = cuda_runtime()
        dtype = np.dtype(dtype)
        nbytes = max(int(np.prod(shape, dtype=np.int64)) * dtype.itemsize, 1)
        self.pointer = check(self.runtime.cudaMallocHost(nbytes))
        buffer = (ctypes.c_byte * nbytes).from_address(int(self.pointer))
        self.array = np.frombuffer(buffer, dtype=dtype, count=int(np.prod(shape, dtype=np.int64))).reshape(shape)

    def free(self) -> None:
        if self.pointer is not None:
            self.array = None
            check(self.runtime.cudaFreeHost(self.pointer))
            self.pointer = None


class CudaGraph:
    """The work `enqueue(stream)` puts on a stream, captured once and replayed with one launch."""

    def __init__(self, stream: int, enqueue):
        self.runtime = cuda_runtime()
        mode = self.runtime.cudaStreamCaptureMode.cudaStreamCaptureModeThreadLocal
        check(self.runtime.cudaStreamBeginCapture(stream, mode))
        try:
            enqueue(stream)
        finally:
            self.graph = check(self.runtime.cudaStreamEndCapture(stream))
        self.executable = check(self.runtime.cudaGraphInstantiate(self.graph, 0))

    def launch(self, stream: int) -> None:
        check(self.runtime.cudaGraphLaunch(self.executable, stream))

    def destroy(self) -> None:
        if self.executable is not None:
            check(self.runtime.cudaGraphExecDestroy(self.executable))
            check(self.runtime.cudaGraphDestroy(self.graph))
            self.executable = None
