"""The timing harness on a real GPU with executors of known duration (bench/gpu_executors.py: a kernel that
spins on the GPU timer). Runs where a GPU, cuda-python and CuPy are present (the device tool's H100);
skips here with the reason. Its accuracy and overhead figures are in bench/README.md (profile_harness.py)."""

import statistics
import sys
from pathlib import Path

import pytest

from trtkit.backends.cuda import probe_cuda

GPU = probe_cuda()
needs_gpu = pytest.mark.skipif(not GPU.has_gpu, reason=f"no GPU here ({GPU.error})")


@pytest.fixture
def executors():
    pytest.importorskip("cuda", reason="cuda-python is not installed")
    pytest.importorskip("cupy", reason="CuPy is not installed (the known-duration kernel is launched with it)")
    sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "bench"))
    from gpu_executors import SpinExecutor

    made = []

    def make(microseconds, **kwargs):
        made.append(SpinExecutor(microseconds, **kwargs))
        return made[-1]

    yield make
    for executor in made:
        executor.free()


@needs_gpu
@pytest.mark.parametrize("cuda_graph", [True, False])
def test_compute_time_of_a_known_kernel_matches_raw_events(executors, cuda_graph):
    from gpu_executors import raw_event_times

    from trtkit.backends.timing import TimingMode, measure

    executor = executors(500)
    reference = statistics.median(raw_event_times(executor, 100))
    result = measure([executor], TimingMode(warmup_s=0.05, min_iterations=100, min_duration_s=0.1,
                                            cuda_graph=cuda_graph))
    assert result.iterations >= 100 and result.mode.cuda_graph is cuda_graph
    assert statistics.median(result.samples.compute) == pytest.approx(reference, rel=0.05)
    assert reference == pytest.approx(0.5, rel=0.05)  # the kernel spins 500 us
    pairs = zip(result.samples.latency, result.samples.compute, strict=True)
    assert all(latency >= compute for latency, compute in pairs)
    starts = result.samples.start  # one stream: iterations run one after another on the GPU
    assert all(later - earlier >= 0.45 for earlier, later in zip(starts, starts[1:], strict=False))
    from trtkit.analysis.profile_records import timing_records

    records = timing_records(result.samples)
    assert len(records) == result.iterations and records[-1]["endComputeMs"] <= 1e3 * result.wall_s + 1


@needs_gpu
def test_transfers_streams_and_waiting_modes(executors):
    from trtkit.backends.timing import TimingMode, measure

    mode = TimingMode(warmup_s=0.02, min_iterations=40, min_duration_s=0.05, transfers=True, spin_wait=False,
                      enqueue_ahead=False, streams=2)
    result = measure([executors(200), executors(200)], mode)
    assert set(result.samples.stream) == {0, 1} and result.iterations >= 40
    assert statistics.median(result.samples.h2d) > 0.01 and statistics.median(result.samples.d2h) > 0.01  # 4 MiB
    assert result.throughput_qps > 0 and result.to_dict()["mode"]["streams"] == 2
    with pytest.raises(ValueError, match="need as many executors"):
        measure([executors(10)], TimingMode(streams=2))
