"""trtexec logs 7.x-10.x: every figure of the performance summary equals the number in the log line."""

import re

import pytest

from tests.conftest import FIXTURES
from trtkit.plan.artifacts import read_artifact
from trtkit.plan.trtexec_log import normalize_line, parse_trtexec_log, tensorrt_version_from_tag

LOGS = sorted(path for path in (FIXTURES / "logs").rglob("*") if path.is_file() and "iprofiler" not in path.name)
_FIGURE = re.compile(r"\] \[I\] (Latency|Enqueue Time|H2D Latency|GPU Compute Time|D2H Latency): min = ([\d.e+-]+) ms, "
                     r"max = ([\d.e+-]+) ms, mean = ([\d.e+-]+) ms, median = ([\d.e+-]+) ms(.*)$")
_ATTRIBUTES = {"Latency": "latency", "Enqueue Time": "enqueue_time", "H2D Latency": "h2d_latency",
               "GPU Compute Time": "gpu_compute_time", "D2H Latency": "d2h_latency"}


@pytest.mark.parametrize("path", LOGS, ids=lambda path: path.name)
def test_performance_summary_equals_log_lines(path):
    text = path.read_text(errors="replace")
    runs = parse_trtexec_log(text)
    with_summary = [run for run in runs if run.performance and run.performance.gpu_compute_time
                    and run.performance.gpu_compute_time.min is not None and run.performance.latency.max is not None]
    expected = [match for match in (_FIGURE.search(line) for line in text.split("\n")) if match]
    if not expected:
        return
    summary = with_summary[-1].performance
    for match in expected[-5:]:
        figure = getattr(summary, _ATTRIBUTES[match.group(1)])
        assert (figure.min, figure.max, figure.mean, figure.median) == tuple(float(v) for v in match.groups()[1:5])
        for percent, value in re.findall(r"percentile\(([\d.]+)%\) = ([\d.e+-]+) ms", match.group(6)):
            assert figure.percentiles[float(percent)] == float(value)
    throughput = re.findall(r"\] \[I\] Throughput: ([\d.e+-]+) qps", text)
    assert summary.throughput_qps == float(throughput[-1])


@pytest.mark.parametrize("path", LOGS, ids=lambda path: path.name)
def test_every_log_reports_what_it_found(path):
    runs = read_artifact(path).data
    assert runs and all(run.found for run in runs)
    for run in runs:
        if run.status is None:
            assert any("did not finish" in missing for missing in run.missing)


def test_versions_from_tags_and_lines(fixtures_dir):
    assert tensorrt_version_from_tag("101401") == "10.14.1"
    assert tensorrt_version_from_tag("8601") == "8.6.1"
    assert tensorrt_version_from_tag("8510") == "8.5.10"
    assert tensorrt_version_from_tag("100200") == "10.2.0"
    [run] = parse_trtexec_log((fixtures_dir / "logs/trt10.3.0_orin_rtmpose_fp16_build_and_run.trtexec.log").read_text())
    assert run.tensorrt_version == "10.3.0" and run.device.name == "Orin" and run.device.sm_count == 8


def test_tensorrt7_batch_sweep_is_seven_runs_with_legacy_blocks(fixtures_dir):
    text = (fixtures_dir / "logs/trt7.x_jetson_resnet50_caffe_int8_batchsweep.trtexec.log").read_text()
    runs = parse_trtexec_log(text)
    assert len(runs) == 7 and all(run.status == "PASSED" for run in runs)
    batches = [run.options["inference_options"]["Batch"] for run in runs]
    assert batches == re.findall(r"--batch=(\d+) ", "\n".join(line for line in text.split("\n")
                                                                if line.startswith("&&&& RUNNING")))
    first = runs[0].performance
    assert first.throughput_qps == 318.785 and first.latency.min == 3.05505 and first.end_to_end.min == 3.06653
    assert first.latency.percentiles == {99.0: 3.4563} and first.end_to_end.percentiles == {99.0: 3.47168}
    assert first.gpu_compute_time.median == 3.03919 and first.total_gpu_compute_time_s == 2.92575


def test_legacy_excerpt_with_zero_throughput(fixtures_dir):
    [run] = parse_trtexec_log(
        (fixtures_dir / "logs/issue_excerpts/trt8.x_legacy_hostlatency_block_throughput0.EXCERPT.txt").read_text())
    assert run.performance.throughput_qps == 0.0 and run.performance.total_host_walltime_s == 3.00461
    assert run.performance.end_to_end.median == 3.01636
    assert any("RUNNING" in missing for missing in run.missing)


def test_warnings_with_their_figures(fixtures_dir):
    [run] = parse_trtexec_log((fixtures_dir / "logs/trt10.14.1_mnist_dumpOutput.trtexec.log").read_text())
    warnings = run.performance.warnings
    assert any(w.startswith("Throughput may be bound by Enqueue Time") for w in warnings)
    assert any("coefficient of variance = 53.3385%" in w and "--useSpinWait" in w for w in warnings)
    [cut] = parse_trtexec_log((fixtures_dir / "logs/issue_excerpts/trt10.x_perf_summary_only.EXCERPT.txt").read_text())
    assert cut.performance.warnings == ["Throughput may be bound by E"]


def test_interleaved_line_and_nohup_prefix(fixtures_dir):
    text = (fixtures_dir / "logs/trt8.6.1_h100_yolov11s_fp16_nohup_interleaved_line.trtexec.log").read_text()
    [run] = parse_trtexec_log(text)
    assert run.status == "PASSED" and run.tensorrt_version == "8.6.1"
    assert run.device.name == "NVIDIA H100 PCIe" and run.device.compute_capability == "9.0"
    line = normalize_line("...this builder pas[08/30/2026-04:08:32] [08/30/2026-04:08:52] [I] [TRT] Detected 1 x")
    assert (line.level, line.message) == ("I", "[TRT] Detected 1 x")


def test_truncated_crash_log_says_what_is_missing(fixtures_dir):
    log = fixtures_dir / "logs/trt8.4.10_orin_myelin_build_crash_truncated.trtexec.log"
    [run] = parse_trtexec_log(log.read_text())
    assert run.status is None and run.performance is None
    assert "no PASSED/FAILED line: the run did not finish (truncated log or crash)" in run.missing
    assert "no performance summary" in run.missing


def test_profile_tables_both_layouts(fixtures_dir):
    [modern] = parse_trtexec_log((fixtures_dir / "logs/trt10.14.1_mnist_dumpProfile.trtexec.log").read_text())
    assert modern.profile.iterations == 21248 and len(modern.profile.layers) == 16
    name, timing = modern.profile.layers[0]
    assert name == "Reformatting CopyNode for Input Tensor 0 to node_conv2d + node_relu"
    assert (timing.total_ms, timing.average_ms, timing.median_ms, timing.percentage) == (141.32, 0.0067, 0.006, 9.4)
    [legacy] = parse_trtexec_log(
        (fixtures_dir / "logs/trt8.5.10_resnet18_qat_best_verbose_dumpProfile.trtexec.log").read_text())
    assert legacy.profile.iterations == 7477 and len(legacy.profile.layers) == 24
    name, timing = legacy.profile.layers[0]
    assert name == "QuantizeLinear_2" and (timing.total_ms, timing.average_ms) == (85.71, 0.0115)


def test_layer_information_blocks(fixtures_dir):
    [names] = parse_trtexec_log((fixtures_dir / "logs/trt8.4.1_mnist_loadengine_dumpLayerInfo.trtexec.log").read_text())
    assert not names.layers.detailed and len(names.layers.layers) == 12
    assert [tensor.name for tensor in names.layers.io_tensors] == ["tensor-0", "tensor-15"]
    [detailed] = parse_trtexec_log(
        (fixtures_dir / "logs/trt10.14.1_mnist_dumpLayerInfo_skipInference.trtexec.log").read_text())
    assert detailed.layers.detailed and detailed.layers.layers[0].onnx_nodes == ["node_conv2d", "node_relu"]
    assert detailed.missing == []  # --skipInference: no summary expected


def test_options_and_container_banner(fixtures_dir):
    [run] = parse_trtexec_log((fixtures_dir / "logs/trt10.14.1_yolov8n_fp16_docker_banner.trtexec.log").read_text())
    assert run.options["build_options"]["Precision"].startswith("FP32+FP16")
    assert run.device.uuid and run.device.uuid.startswith("GPU-")
    head = parse_trtexec_log(
        (fixtures_dir / "logs/issue_excerpts/trt10.2.0_windows_powershell_loadengine_head.EXCERPT.txt").read_text())[0]
    assert head.tensorrt_version == "10.2.0"
    assert head.options["inference_options"]["Input inference shape"] == (
        "ref_y=1x128x100x160,c1=1x48x1600x2560,c2=1x64x800x1280,c3=1x96x400x640")
