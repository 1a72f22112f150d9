"""Implicit INT8 calibration for TensorRT 10.x: a calibrator that hands TensorRT one feed of the shared data
spec per batch in device memory, and reads and writes the calibration cache.

TensorRT 11 and TensorRT-RTX have no implicit quantization (quantize in the model with `trtkit convert`)."""

from __future__ import annotations

from pathlib import Path
from types import ModuleType
from typing import Any

_ALGORITHMS = {"entropy2": "IInt8EntropyCalibrator2", "entropy": "IInt8EntropyCalibrator",
               "minmax": "IInt8MinMaxCalibrator", "legacy": "IInt8LegacyCalibrator"}


def make_calibrator(trt: ModuleType, algorithm: str, feeds: list[dict], cache: Path | None):
    """A TensorRT calibrator of `algorithm` over `feeds` (name -> array at the calibration profile's shapes).

    TensorRT swallows exceptions raised in these callbacks, so the first one is kept in `error` and the
    calibration ends there; the stage raises it after the build."""
    from trtkit.backends.cuda import DeviceBuffer, check, cuda_runtime
    from trtkit.errors import InputFileError
    from trtkit.io.atomic import write_bytes_atomic

    base: Any = getattr(trt, _ALGORITHMS[algorithm])
    runtime = cuda_runtime()

    class Calibrator(base):
        def __init__(self):
            base.__init__(self)
            self.batches = iter(feeds)
            self.buffers: dict[str, DeviceBuffer] = {}
            self.batches_given = 0
            self.from_cache = False
            self.error: BaseException | None = None

        def get_batch_size(self) -> int:
            return 1  # explicit-batch networks: the batch is in each feed's shape

        def get_batch(self, names):
            try:
                feed = next(self.batches, None)
                if feed is None or self.error is not None:
                    return None
                pointers = [self._upload(name, feed) for name in names]
                check(runtime.cudaStreamSynchronize(0))  # TensorRT reads them on its own stream
                self.batches_given += 1
                return pointers
            except BaseException as error:  # kept and raised after the build
                self.error = error
                return None

        def _upload(self, name: str, feed: dict) -> int:
            if name not in feed:
                raise InputFileError(f"the calibration data has no input {name!r}",
                                     "give a feed for every network input in build.calibration.data")
            array = feed[name]
            buffer = self.buffers.get(name)
            if buffer is None or buffer.nbytes < array.nbytes:
                if buffer is not None:
                    buffer.free()
                buffer = self.buffers[name] = DeviceBuffer(array.nbytes)
            buffer.upload(array)
            return buffer.address

        def read_calibration_cache(self):
            self.from_cache = cache is not None and cache.is_file()
            return cache.read_bytes() if cache is not None and self.from_cache else None

        def write_calibration_cache(self, data) -> None:
            if cache is not None:
                write_bytes_atomic(cache, bytes(data))

        # IInt8LegacyCalibrator's extra callbacks: the values of NVIDIA's BERT calibration sample, no histogram cache
        def get_quantile(self) -> float:
            return 0.9999

        def get_regression_cutoff(self) -> float:
            return 1.0

        def read_histogram_cache(self, length):
            return None

        def write_histogram_cache(self, data, length) -> None:
            return None

        def summary(self) -> str:
            if self.from_cache:
                return f"scales read from {cache}"
            return f"{self.batches_given} batch(es), {algorithm}" + (f"; cache written to {cache}" if cache else "")

        def free(self) -> None:
            for buffer in self.buffers.values():
                buffer.free()
            self.buffers.clear()

    return Calibrator()
