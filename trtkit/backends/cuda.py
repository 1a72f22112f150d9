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
