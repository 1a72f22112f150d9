"""The TensorRT 10.x INT8 calibrator's own work: feeds to device memory, the cache, errors kept for after the
build. TensorRT's calibrator base classes are stood in for by plain classes (full TensorRT cannot be installed
here), so TensorRT's calls into it are not exercised; the device copies are real and run where a GPU and
cuda-python are present (the device tool's H100), skipping here with the reason."""

from types import SimpleNamespace

import numpy as np
import pytest

from trtkit.backends.cuda import probe_cuda

GPU = probe_cuda()
needs_gpu = pytest.mark.skipif(not GPU.has_gpu, reason=f"no GPU here ({GPU.error})")


class _Base:  # stands in for trt.IInt8*Calibrator: TensorRT calls the subclass's methods
    def __init__(self):
        pass


STAND_IN = SimpleNamespace(**{name: type(name, (_Base,), {}) for name in (
    "IInt8EntropyCalibrator2", "IInt8EntropyCalibrator", "IInt8MinMaxCalibrator", "IInt8LegacyCalibrator")})


def _download(pointer: int, like: np.ndarray) -> np.ndarray:
    from trtkit.backends.cuda import check, cuda_runtime

    runtime = cuda_runtime()
    out = np.empty_like(like)
    check(runtime.cudaMemcpy(out.ctypes.data, pointer, out.nbytes, runtime.cudaMemcpyKind.cudaMemcpyDeviceToHost))
    return out


@needs_gpu
def test_batches_reach_device_memory_then_the_cache_is_written_and_read(tmp_path):
    pytest.importorskip("cuda", reason="cuda-python is not installed")
    from trtkit.backends.calibrator import make_calibrator

    rng = np.random.default_rng(0)
    feeds = [{"input_ids": rng.integers(0, 1000, (2, 16), dtype=np.int64),
              "image": rng.random((2, 3, 8, 8), dtype=np.float32)} for _ in range(3)]
    cache = tmp_path / "calib.cache"
    calibrator = make_calibrator(STAND_IN, "entropy2", feeds, cache)
    assert isinstance(calibrator, STAND_IN.IInt8EntropyCalibrator2) and calibrator.get_batch_size() == 1
    assert calibrator.read_calibration_cache() is None
    for feed in feeds:  # TensorRT asks by name, in its binding order
        pointers = calibrator.get_batch(["image", "input_ids"])
        assert np.array_equal(_download(pointers[0], feed["image"]), feed["image"])
        assert np.array_equal(_download(pointers[1], feed["input_ids"]), feed["input_ids"])
    assert calibrator.get_batch(["image", "input_ids"]) is None and calibrator.error is None
    calibrator.write_calibration_cache(memoryview(b"TRT-100300-EntropyCalibration2\nimage: 3c000000\n"))
    assert calibrator.summary() == f"3 batch(es), entropy2; cache written to {cache}"
    calibrator.free()

    again = make_calibrator(STAND_IN, "legacy", feeds, cache)
    assert again.read_calibration_cache() == cache.read_bytes()
    assert again.summary() == f"scales read from {cache}" and 0 < again.get_quantile() <= 1


@needs_gpu
def test_a_missing_input_ends_calibration_and_is_kept_for_the_build(tmp_path):
    pytest.importorskip("cuda", reason="cuda-python is not installed")
    from trtkit.backends.calibrator import make_calibrator
    from trtkit.errors import InputFileError

    calibrator = make_calibrator(STAND_IN, "minmax", [{"image": np.zeros((1, 3), np.float32)}], None)
    assert calibrator.get_batch(["image", "mask"]) is None  # TensorRT swallows exceptions: none may escape
    assert isinstance(calibrator.error, InputFileError) and "no input 'mask'" in calibrator.error.one_line()
    calibrator.free()
