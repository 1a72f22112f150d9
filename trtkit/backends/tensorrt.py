"""TensorRT and TensorRT-RTX: which is installed, its version, and importing it with a clear error.

Both expose nearly the same Python API (`tensorrt` and `tensorrt_rtx` modules); `backend: auto`
takes full TensorRT when it imports, else TensorRT-RTX.
"""

from __future__ import annotations

import importlib
import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType

from trtkit.errors import BackendUnavailableError, InputFileError, UsageError

MODULES = {"tensorrt": "tensorrt", "tensorrt-rtx": "tensorrt_rtx"}
DISPLAY_NAMES = {"tensorrt": "TensorRT", "tensorrt-rtx": "TensorRT-RTX"}
INSTALL_HINTS = {
    "tensorrt": "install TensorRT on a machine with an NVIDIA GPU (pip install tensorrt)",
    "tensorrt-rtx": "install it with: pip install 'trtkit[rtx]'",
}


@dataclass
class TensorRTProbe:
    """What importing one TensorRT flavour found."""

    backend: str
    module: str
    available: bool
    version: str | None = None
    error: str | None = None
    aot_compute_capabilities: list[str] = field(default_factory=list)

    @property
    def display_name(self) -> str:
        return DISPLAY_NAMES[self.backend]

    @property
    def major(self) -> int | None:
        from trtkit.backends.version import TensorRTVersion

        version = TensorRTVersion.parse(self.version, rtx=self.backend == "tensorrt-rtx")
        return version.major if version is not None else None


def _compute_capabilities(module: ModuleType) -> list[str]:
    """Ahead-of-time targets TensorRT-RTX accepts, from its ComputeCapability enum (SM86 -> 8.6)."""
    enum = getattr(module, "ComputeCapability", None)
    members = getattr(enum, "__members__", {}) if enum is not None else {}
    result = []
    for name in members:
        match = re.fullmatch(r"SM(\d+)(\d)", name)
        if match:
            result.append(f"{match.group(1)}.{match.group(2)}")
    return result


def probe(backend: str) -> TensorRTProbe:
    """Import a TensorRT flavour and report its version; failures are reported, not raised."""
    module_name = MODULES[backend]
    try:
        module = importlib.import_module(module_name)
    except ImportError as error:
        missing = getattr(error, "name", None) == module_name
        return TensorRTProbe(backend, module_name, False, error="not installed" if missing else str(error))
    except OSError as error:  # a shared library of the wheel did not load
        return TensorRTProbe(backend, module_name, False, error=str(error))
    capabilities = _compute_capabilities(module) if backend == "tensorrt-rtx" else []
    return TensorRTProbe(backend, module_name, True, version=getattr(module, "__version__", None),
                         aot_compute_capabilities=capabilities)


def select_backend(requested: str) -> str:
    """The backend `requested` resolves to: `auto` is `tensorrt` when it imports, else `tensorrt-rtx`."""
    if requested not in ("auto", *MODULES):
        raise UsageError(f"unknown backend {requested!r}", "use auto, tensorrt or tensorrt-rtx")
    if requested != "auto":
        return requested
    return "tensorrt" if probe("tensorrt").available else "tensorrt-rtx"


def import_backend(requested: str = "auto") -> tuple[str, ModuleType]:
    """The backend name and its imported module; exit 4 with the install command when it is missing."""
    backend = select_backend(requested)
    found = probe(backend)
    if not found.available:
        alternatives = "TensorRT or TensorRT-RTX" if requested == "auto" else DISPLAY_NAMES[backend]
        raise BackendUnavailableError(f"{alternatives} is not available ({found.error})", INSTALL_HINTS[backend])
    return backend, importlib.import_module(found.module)


def load_engine(path: str | Path, requested: str = "auto", needs: str = "reading the engine", instead: str = ""):
    """(module, ICudaEngine) of a serialized engine; a missing GPU or backend exits 4 saying what to do
    `instead`, an engine this TensorRT cannot load exits 3."""
    from trtkit.backends.cuda import probe_cuda

    cuda = probe_cuda()
    if not cuda.has_gpu:
        raise BackendUnavailableError(f"{needs} {path} needs TensorRT and a GPU ({cuda.error})",
                                      instead or "run on a GPU machine with TensorRT")
    _, trt = import_backend(requested)
    engine = trt.Runtime(trt.Logger(trt.Logger.ERROR)).deserialize_cuda_engine(Path(path).read_bytes())
    if engine is None:
        raise InputFileError(f"{path} could not be deserialized by TensorRT {trt.__version__}",
                             "an engine only loads with the TensorRT version and GPU family it was built for")
    return trt, engine


def engine_information(path: str | Path, requested: str = "auto") -> dict:
    """IEngineInspector JSON of a serialized engine (needs TensorRT and a GPU): deserialize the engine and
    ask its inspector for `getEngineInformation(kJSON)`."""
    trt, engine = load_engine(path, requested, "reading the engine",
                              f"inspect {Path(path).name}.graph.json instead (written by trtkit build or trtexec "
                              "--exportLayerInfo)")
    inspector = engine.create_engine_inspector()
    return json.loads(inspector.get_engine_information(trt.LayerInformationFormat.JSON))
