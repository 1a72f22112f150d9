"""The CUDA driver probe and the cuda-python runtime helpers. The GPU tests run where a GPU and cuda-python
are present (verified on an H100 through the device tool); here they skip with the reason."""

import numpy as np
import pytest

from trtkit.backends.cuda import probe_cuda
from trtkit.errors import BackendUnavailableError

GPU = probe_cuda()
needs_gpu = pytest.mark.skipif(not GPU.has_gpu, reason=f"no GPU here ({GPU.error})")


def test_probe_reports_absence_without_raising():
    probe = probe_cuda()
    assert probe.has_gpu or probe.error
    for gpu in probe.gpus:
        major, minor = gpu.compute_capability.split(".")
        assert int(major) >= 3 and minor.isdigit() and gpu.memory_bytes > 2**30


@needs_gpu
def test_device_buffer_round_trip_on_a_stream():
    pytest.importorskip("cuda", reason="cuda-python is not installed")
    from trtkit.backends.cuda import DeviceBuffer, Stream

    stream = Stream()
    source = np.random.default_rng(0).random((3, 256, 257), dtype=np.float32)
    back = np.zeros_like(source)
    with DeviceBuffer(source.nbytes) as buffer:
        buffer.upload(source, stream.handle)
        buffer.download(back, stream.handle)
        stream.synchronize()
        with pytest.raises(ValueError, match="do not fit"):
            buffer.upload(np.zeros(source.size + 1, np.float32))
    stream.destroy()
    assert np.array_equal(source, back)


@needs_gpu
def test_cuda_errors_become_one_line_errors():
    pytest.importorskip("cuda", reason="cuda-python is not installed")
    from trtkit.backends.cuda import DeviceBuffer

    with pytest.raises(BackendUnavailableError, match="CUDA error"):
        DeviceBuffer(1 << 60)  # an exabyte: cudaErrorMemoryAllocation


def test_engine_runner_needs_a_gpu_here(rtx_builds):
    if GPU.has_gpu:
        pytest.skip("this machine has a GPU: the no-GPU answer is not what happens here")
    from trtkit.backends.trt_runner import run_engine

    with pytest.raises(BackendUnavailableError, match="needs TensorRT and a GPU"):
        run_engine(rtx_builds["resnet18"].engine, [{}])
