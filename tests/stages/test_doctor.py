"""`trtkit doctor` tells the truth about this machine, and its stage lines follow from what it found."""

import importlib.metadata
import importlib.util

import pytest

from trtkit.backends.cuda import CudaProbe, GpuInfo
from trtkit.backends.tensorrt import TensorRTProbe
from trtkit.results.doctor import DoctorReport
from trtkit.stages.doctor import run_doctor, stage_capabilities


def test_doctor_json_is_the_truth_here(run_cli):
    result = run_cli("--json", "doctor")
    assert result.exit_code == 0
    document = result.json()
    assert document["schema"] == "trtkit/doctor/v1"
    assert document["packages"]["onnx"] == importlib.metadata.version("onnx")
    rtx_installed = importlib.util.find_spec("tensorrt_rtx") is not None
    assert document["tensorrt_rtx"]["available"] is rtx_installed
    if rtx_installed:
        import tensorrt_rtx

        assert document["tensorrt_rtx"]["version"] == tensorrt_rtx.__version__
    assert document["tensorrt"]["available"] is (importlib.util.find_spec("tensorrt") is not None)
    stages = {entry["stage"]: entry for entry in document["stages"]}
    assert list(stages) == ["convert", "build", "profile", "inspect", "lint", "compare"]
    if not document["cuda"]["gpus"]:
        assert document["cuda"]["error"]
        assert stages["profile"]["available"] is False
        assert stages["profile"]["detail"].startswith("unavailable")


def test_doctor_human_output_names_every_stage(run_cli):
    result = run_cli("--no-color", "doctor")
    assert result.exit_code == 0
    for stage in ("convert", "build", "profile", "inspect", "lint", "compare"):
        assert stage in result.stdout


@pytest.mark.skipif(importlib.util.find_spec("tensorrt_rtx") is None, reason="TensorRT-RTX is not installed")
def test_rtx_build_line_lists_real_aot_targets():
    report = run_doctor()
    build = next(stage for stage in report.stages if stage.stage == "build")
    if not report.tensorrt.available:
        assert build.available and build.detail.startswith(f"TensorRT-RTX {report.tensorrt_rtx.version}, CPU ahead")
        assert "8.6" in report.tensorrt_rtx.aot_compute_capabilities
        assert "/".join(report.tensorrt_rtx.aot_compute_capabilities) in build.detail


# The reports below are made by hand to test the stage logic only; they say nothing about real TensorRT.
def _report(trt=False, rtx=False, gpus=()):
    return DoctorReport(
        python="3.11", platform="Linux x86_64", trtkit="0",
        packages={"onnx": "1.0", "onnxruntime": "1.0", "polygraphy": None, "nvidia-modelopt": None,
                  "cuda-python": None, "nvidia-ml-py": None},
        tensorrt=TensorRTProbe("tensorrt", "tensorrt", trt, "10.9.0" if trt else None),
        tensorrt_rtx=TensorRTProbe("tensorrt-rtx", "tensorrt_rtx", rtx, "1.7.1" if rtx else None,
                                   aot_compute_capabilities=["8.0", "8.6"] if rtx else []),
        cuda=CudaProbe(driver_api_version="12.8" if gpus else None,
                       gpus=[GpuInfo(i, name, cc, 80 * 2**30) for i, (name, cc) in enumerate(gpus)],
                       error=None if gpus else "no CUDA driver (libcuda not found)"),
    )


def _stages(report):
    return {stage.stage: stage for stage in stage_capabilities(report)}


def test_rtx_only_without_gpu_builds_but_cannot_profile():
    stages = _stages(_report(rtx=True))
    assert stages["build"].available and "8.0/8.6" in stages["build"].detail
    assert not stages["profile"].available and "libcuda" in stages["profile"].detail


def test_rtx_does_not_run_on_hopper():
    stages = _stages(_report(rtx=True, gpus=[("NVIDIA H100", "9.0")]))
    assert not stages["profile"].available and "9.0" in stages["profile"].detail


def test_full_tensorrt_with_gpu_does_everything():
    stages = _stages(_report(trt=True, gpus=[("NVIDIA A100", "8.0")]))
    assert all(stage.available for stage in stages.values())
    assert "TensorRT 10.9.0" in stages["profile"].detail


def test_nothing_installed_says_how_to_build():
    stages = _stages(_report())
    assert not stages["build"].available and "trtkit[rtx]" in stages["build"].detail
