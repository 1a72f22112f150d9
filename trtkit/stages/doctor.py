"""What is installed and what each stage can do on this machine."""

from __future__ import annotations

import importlib.metadata
import importlib.util
import platform

from trtkit import __version__
from trtkit.backends import tensorrt as trt_backend
from trtkit.backends.cuda import CudaProbe, probe_cuda
from trtkit.results.doctor import DoctorReport, StageCapability

# Python packages trtkit uses: shown name -> (distributions that provide it, import name)
PACKAGES = {
    "onnx": (("onnx",), "onnx"),
    "onnxruntime": (("onnxruntime", "onnxruntime-gpu"), "onnxruntime"),
    "polygraphy": (("polygraphy",), "polygraphy"),
    "nvidia-modelopt": (("nvidia-modelopt",), "modelopt"),
    "cuda-python": (("cuda-python", "cuda-bindings"), "cuda"),
    "nvidia-ml-py": (("nvidia-ml-py",), "pynvml"),
}
# TensorRT-RTX runs engines on these GPUs only: not on compute capability 9.0 (Hopper)
RTX_RUNTIME_EXCLUDED = {"9.0"}


def _package_version(distributions: tuple[str, ...], module: str) -> str | None:
    # metadata first: it does not import the package, so doctor stays fast
    for distribution in distributions:
        try:
            return importlib.metadata.version(distribution)
        except importlib.metadata.PackageNotFoundError:
            continue
    return "unknown version" if importlib.util.find_spec(module) is not None else None


def run_doctor() -> DoctorReport:
    """Probe packages, TensorRT flavours and the CUDA driver, and say what each stage can do."""
    report = DoctorReport(
        python=platform.python_version(),
        platform=f"{platform.system()} {platform.machine()}",
        trtkit=__version__,
        packages={name: _package_version(distributions, module) for name, (distributions, module) in PACKAGES.items()},
        tensorrt=trt_backend.probe("tensorrt"),
        tensorrt_rtx=trt_backend.probe("tensorrt-rtx"),
        cuda=probe_cuda(),
    )
    report.unusable = unusable_packages(report.packages)
    report.stages = stage_capabilities(report)
    return report


def unusable_packages(packages: dict[str, str | None]) -> dict[str, str]:
    """Installed packages (by their metadata) that the stages cannot use, and why: the stage lines said what a
    package's metadata promised, not what an import would find (a broken onnxruntime, Model Optimizer without the
    PyTorch convert needs)."""
    import importlib

    from trtkit.backends.modelopt import modelopt_missing

    unusable: dict[str, str] = {}
    for name in ("onnx", "onnxruntime"):  # light imports (well under a second); convert and lint need them
        if packages.get(name):
            try:
                importlib.import_module(PACKAGES[name][1])
            except Exception as error:  # an import can fail in any way (a missing library, an ABI mismatch)
                unusable[name] = f"does not import ({' '.join(str(error).split())[:160] or type(error).__name__})"
    if packages.get("nvidia-modelopt"):
        missing = modelopt_missing()  # the check convert makes; importing its ONNX tools takes seconds
        if missing:
            unusable["nvidia-modelopt"] = missing
    return unusable


def _gpu_text(cuda: CudaProbe) -> str:
    return ", ".join(f"{gpu.name} (compute capability {gpu.compute_capability})" for gpu in cuda.gpus)


def stage_capabilities(report: DoctorReport) -> list[StageCapability]:
    """One line per stage saying what it can do here, and what is missing for the rest."""
    packages, trt, rtx, cuda = report.packages, report.tensorrt, report.tensorrt_rtx, report.cuda
    no_gpu = cuda.error or "no GPU"
    runtime = engine_runtime(report)
    stages: list[StageCapability] = []

    if report.usable("onnx"):
        detail = f"onnx {packages['onnx']}"
        if report.usable("onnxruntime"):
            detail += f", verification with onnxruntime {packages['onnxruntime']}"
        else:
            detail += f", no verification (onnxruntime {_why_not(report, 'onnxruntime')})"
        if report.usable("nvidia-modelopt"):
            detail += f"; precision and quantization with Model Optimizer {packages['nvidia-modelopt']}"
        elif "nvidia-modelopt" in report.unusable:
            detail += f"; FP16/BF16 and quantization unavailable: {report.unusable['nvidia-modelopt']}"
        else:
            detail += "; FP16/BF16 and quantization need NVIDIA Model Optimizer (nvidia-modelopt)"
        stages.append(StageCapability("convert", True, detail))
    else:
        stages.append(StageCapability("convert", False, f"unavailable — onnx {_why_not(report, 'onnx')}"))

    if trt.available and cuda.has_gpu:
        stages.append(StageCapability("build", True, f"TensorRT {trt.version} for {_gpu_text(cuda)}"))
    elif rtx.available:
        targets = "/".join(rtx.aot_compute_capabilities) or "the GPUs it supports"
        stages.append(StageCapability(
            "build", True, f"TensorRT-RTX {rtx.version}, CPU ahead-of-time build for compute capabilities {targets}"))
    elif trt.available:
        stages.append(StageCapability("build", False, f"unavailable — TensorRT {trt.version} needs a GPU ({no_gpu}); "
                                                       "pip install 'trtkit[rtx]' builds on the CPU"))
    else:
        stages.append(StageCapability("build", False, "unavailable — no TensorRT; pip install 'trtkit[rtx]'"))

    if runtime:
        stages.append(StageCapability("profile", True, f"{runtime} on {_gpu_text(cuda)}"))
    else:
        stages.append(StageCapability("profile", False, f"unavailable — {runtime_missing(report)}"))

    if runtime:
        engine_files = f"engine files with {runtime}"
    else:
        engine_files = f"engine files unavailable ({runtime_missing(report)})"
    stages.append(StageCapability("inspect", True, f"artifacts and ONNX models on the CPU; {engine_files}"))
    stages.append(StageCapability("lint", True, "engine artifacts, ONNX models and configs on the CPU"))
    if report.usable("onnxruntime"):
        outputs = f"ONNX outputs with onnxruntime {packages['onnxruntime']}"
    else:
        outputs = f"ONNX outputs need onnxruntime ({_why_not(report, 'onnxruntime')})"
    outputs += f"; engine outputs with {runtime}" if runtime else "; engine outputs need a GPU and TensorRT"
    stages.append(StageCapability("compare", True, f"plans and profiles on the CPU; {outputs}"))
    return stages


def _why_not(report: DoctorReport, package: str) -> str:
    return report.unusable.get(package, "is not installed")


def engine_runtime(report: DoctorReport) -> str | None:
    """The TensorRT flavour that can run engines on this machine's GPUs, if any."""
    if not report.cuda.has_gpu:
        return None
    if report.tensorrt.available:
        return f"TensorRT {report.tensorrt.version}"
    capabilities = {gpu.compute_capability for gpu in report.cuda.gpus}
    if report.tensorrt_rtx.available and capabilities - RTX_RUNTIME_EXCLUDED:
        return f"TensorRT-RTX {report.tensorrt_rtx.version}"
    return None


def runtime_missing(report: DoctorReport) -> str:
    if not report.cuda.has_gpu:
        return report.cuda.error or "no GPU"
    if report.tensorrt_rtx.available and not report.tensorrt.available:
        return "TensorRT-RTX does not run on compute capability 9.0 (H100/H200); install TensorRT"
    return "no TensorRT runtime; install TensorRT (pip install tensorrt) or TensorRT-RTX (pip install 'trtkit[rtx]')"
