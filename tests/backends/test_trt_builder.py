"""The builder's log: what it says about the timing cache, read from TensorRT's own verbose build logs."""

import re

import pytest

from trtkit.backends.trt_builder import timing_cache_statistics
from trtkit.plan.trtexec_log import normalize_line


def _messages(path):
    return [normalize_line(line).message for line in path.read_text(errors="replace").splitlines()]


def test_timing_cache_statistics_of_verbose_builds(fixtures_dir):
    # 10.x: a global timing cache; each result it serves is logged, each tactic timing says how long it took
    log = fixtures_dir / "logs/trt10.14.1_mnist_fp16_build_verbose_skipInference.trtexec.log"
    text = log.read_text()
    statistics = timing_cache_statistics(_messages(log))
    assert statistics["hits"] == text.count("] got cached result: ") > 0
    assert statistics["misses"] == len(re.findall(r"profiling completed in [\d.]+ seconds\. Fastest Tactic", text))
    seconds = sum(float(value) for value in re.findall(r"profiling completed in ([\d.]+) seconds", text))
    assert statistics["timing_seconds"] == pytest.approx(seconds) and seconds > 1
    # 8.x: the total comes when the builder deletes its cache
    qat = timing_cache_statistics(_messages(fixtures_dir / "logs/trt8.5.10_resnet18_qat_best_verbose_dumpProfile"
                                                           ".trtexec.log"))
    assert (qat["hits"], qat["entries"]) == (177, 112)  # "Deleting timing cache: 112 entries, served 177 hits"
    assert "timing_seconds" not in qat  # 8.5 does not log how long each timing took
    # no tactic selection logged: not verbose, or a load without a build
    for name in ("trt10.14.1_mnist_onnx_default.trtexec.log", "trt8.6.0_mnist_loadengine_verbose.trtexec.log"):
        assert timing_cache_statistics(_messages(fixtures_dir / "logs" / name)) is None
