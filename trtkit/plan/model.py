"""One typed model of a TensorRT engine: layers, I/O tensors, device, options, performance, timings.

Every parser fills this model; every analysis (inspect, lint, compare, report) reads it. Attributes,
not string keys: a typo is an AttributeError, not a silent NaN.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from trtkit.io.display import HtmlDisplay
from trtkit.plan.formats import QUANTIZED_TYPES, canonical_dtype, dtype_bytes

if TYPE_CHECKING:
    import pandas

PROFILE_SUFFIX = re.compile(r"\s*\[profile (\d+)\]")


@dataclass(slots=True)
class TensorInfo:
    """A tensor as a layer sees it: dimensions, data type, layout."""

    name: str
    dimensions: tuple[int, ...] | None = None
    dtype: str | None = None  # FP32, FP16, BF16, INT8, FP8, INT32, ...
    layout: str | None = None  # LINEAR, HWC8, CHW32, ...
    location: str | None = None
    format_text: str | None = None  # the original format string

    @property
    def volume(self) -> int | None:
        dimensions = self.dimensions
        if dimensions is None or (dimensions and min(dimensions) < 0):
            return None
        return math.prod(dimensions)

    @property
    def size_bytes(self) -> float | None:
        volume = self.volume
        if volume is None or self.dtype is None:
            return None
        return volume * dtype_bytes(self.dtype)


@dataclass(slots=True)
class Constant:
    """Weights or bias of a layer: element type and count."""

    dtype: str | None
    count: int

    @property
    def size_bytes(self) -> float:
        return self.count * dtype_bytes(self.dtype)


@dataclass(slots=True)
class LayerTiming:
    """Per-layer time from a profile (--exportProfile or an IProfiler run)."""

    total_ms: float
    average_ms: float
    median_ms: float | None = None
    percentage: float | None = None
    iterations: int | None = None


@dataclass(slots=True)
class Layer:
    index: int
    name: str
    type: str | None = None  # LayerType: CaskConvolution, Reformat, Myelin, kgen...
    parameter_type: str | None = None  # ParameterType: Convolution, Pooling...
    inputs: list[TensorInfo] = field(default_factory=list)
    outputs: list[TensorInfo] = field(default_factory=list)
    tactic_name: str | None = None
    tactic_value: str | None = None
    onnx_nodes: list[str] = field(default_factory=list)
    stream_id: int | None = None
    weights: Constant | None = None
    bias: Constant | None = None
    origin: str | None = None  # Reformat origin: REFORMAT, QDQ
    profile: int = 0  # optimization profile, from a "[profile N]" suffix
    attributes: dict[str, Any] = field(default_factory=dict)  # the inspector record (Kernel, Groups, ...)
    timing: LayerTiming | None = None

    @property
    def base_name(self) -> str:
        """The name without its "[profile N]" suffix."""
        return PROFILE_SUFFIX.sub("", self.name)

    @property
    def kind(self) -> str:
        """What the layer does, the parameter type where known (Convolution), else the layer type."""
        return self.parameter_type or self.type or "Unknown"

    @property
    def is_reformat(self) -> bool:
        return self.type in ("Reformat", "MyelinReformat") or self.parameter_type == "Reformat" or (
            self.type is None and self.name.startswith("Reformatting CopyNode"))

    @property
    def is_myelin(self) -> bool:
        return self.type in ("Myelin", "kgen", "gemm", "shape_call", "signal", "wait", "runtime_fusion",
                             "correlation", "maxpool") or self.name.startswith("{ForeignNode")

    @property
    def output_precision(self) -> str | None:
        for tensor in self.outputs:
            if tensor.dtype:
                return tensor.dtype
        return None

    @property
    def input_precision(self) -> str | None:
        for tensor in self.inputs:
            if tensor.dtype:
                return tensor.dtype
        return None

    @property
    def compute_precision(self) -> str | None:
        """The precision the layer computes in: its weights' type where it has weights (INT8 weights mean
        INT8 math even with a float output), else its first input's, else its output's."""
        if self.weights is not None and self.weights.dtype and self.weights.count:
            return self.weights.dtype
        if self.is_reformat:
            return self.output_precision or self.input_precision
        return self.input_precision or self.output_precision

    @property
    def is_quantized(self) -> bool:
        return self.compute_precision in QUANTIZED_TYPES

    @property
    def latency_ms(self) -> float:
        """Average time per inference, 0 when no profile was joined."""
        return self.timing.average_ms if self.timing else 0.0


@dataclass(slots=True)
class IOTensor:
    """An engine input or output (a binding in TensorRT <= 10, an I/O tensor in 11)."""

    name: str
    mode: str | None = None  # Input | Output
    dtype: str | None = None
    dimensions: tuple[int, ...] | None = None
    location: str | None = None
    is_shape_io: bool | None = None
    profile_shapes: list[dict[str, tuple[int, ...] | None]] = field(default_factory=list)  # min/opt/max
    formats: list[str] = field(default_factory=list)


@dataclass(slots=True)
class Statistic:
    """One figure of a performance summary, in ms (min/max/mean/median, percentiles by percent)."""

    min: float | None = None
    max: float | None = None
    mean: float | None = None
    median: float | None = None
    percentiles: dict[float, float] = field(default_factory=dict)
    cv_percent: float | None = None


@dataclass(slots=True)
class PerformanceSummary:
    """trtexec's performance summary (or trtkit profile's): what was measured and how."""

    throughput_qps: float | None = None
    latency: Statistic | None = None  # host latency: H2D + compute + D2H
    enqueue_time: Statistic | None = None
    h2d_latency: Statistic | None = None
    gpu_compute_time: Statistic | None = None
    d2h_latency: Statistic | None = None
    end_to_end: Statistic | None = None  # TensorRT 7.x "end to end"
    total_host_walltime_s: float | None = None
    total_gpu_compute_time_s: float | None = None
    warnings: list[str] = field(default_factory=list)


@dataclass(slots=True)
class IterationTimes:
    """Per-iteration timings from --exportTimes, one list per figure (ms)."""

    latency_ms: list[float] = field(default_factory=list)
    compute_ms: list[float] = field(default_factory=list)
    h2d_ms: list[float] = field(default_factory=list)
    d2h_ms: list[float] = field(default_factory=list)
    enqueue_ms: list[float] = field(default_factory=list)
    end_to_end_ms: list[float] = field(default_factory=list)

    def __len__(self) -> int:
        return len(self.latency_ms)


@dataclass(slots=True)
class BuildFacts:
    """What trtkit's build metadata records of an engine's build, known without a GPU; None: not recorded."""

    engine_bytes: int | None = None
    build_seconds: float | None = None
    compute_capabilities: list[str] = field(default_factory=list)  # the targets asked for (TensorRT-RTX)
    build_gpus: list[str] = field(default_factory=list)  # "NVIDIA A100 (8.0)": the GPUs a full TensorRT build ran on
    backend: str | None = None  # tensorrt | tensorrt-rtx

    def targets(self) -> str | None:
        """The compute capabilities the engine runs on, as a user reads them; None when not recorded."""
        if self.compute_capabilities:
            return "compute capability " + ", ".join(self.compute_capabilities)
        if self.build_gpus:
            return "built on " + ", ".join(self.build_gpus)
        if self.backend == "tensorrt-rtx":
            return "TensorRT-RTX default (none set)"
        return None


@dataclass(slots=True)
class DeviceInfo:
    name: str | None = None
    compute_capability: str | None = None
    sm_count: int | None = None
    memory_bytes: int | None = None
    uuid: str | None = None
    properties: dict[str, Any] = field(default_factory=dict)


@dataclass(slots=True)
class Source:
    """One file that contributed to a plan, and what it was read as."""

    path: str
    kind: str
    tensorrt_version: str | None = None


@dataclass
class EnginePlan(HtmlDisplay):
    """An engine: its layers in execution order and everything known about how it was built and ran; drawn with
    the HTML report's views in Jupyter."""

    name: str
    layers: list[Layer] = field(default_factory=list)
    io_tensors: list[IOTensor] = field(default_factory=list)
    device: DeviceInfo | None = None
    model_options: dict[str, str] = field(default_factory=dict)
    build_options: dict[str, str] = field(default_factory=dict)
    inference_options: dict[str, str] = field(default_factory=dict)
    system_options: dict[str, str] = field(default_factory=dict)
    performance: PerformanceSummary | None = None
    iteration_times: IterationTimes | None = None
    profile_iterations: int | None = None
    tensorrt_version: str | None = None
    build: BuildFacts | None = None  # from trtkit's build metadata
    detailed: bool = True  # False for a names-only plan (built without detailed profiling verbosity)
    sources: list[Source] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)  # what did not join or could not be read

    def __repr__(self) -> str:
        # short: a notebook keeps the text form of every plan it shows beside the HTML
        return (f"EnginePlan(name={self.name!r}, layers={len(self.layers)}, profiled={self.has_profile}, "
                f"tensorrt_version={self.tensorrt_version!r})")

    @property
    def optimization_profiles(self) -> list[int]:
        return sorted({layer.profile for layer in self.layers}) or [0]

    def layers_of_profile(self, profile: int = 0) -> list[Layer]:
        return [layer for layer in self.layers if layer.profile == profile]

    @property
    def has_profile(self) -> bool:
        return any(layer.timing is not None for layer in self.layers)

    def to_pandas(self) -> pandas.DataFrame:
        """One row per layer, in execution order, columns named after the attributes (`kind`, `precision`,
        `latency_ms`...); unknown figures are missing values, never 0. Needs pandas (pip install 'trtkit[notebook]')."""
        try:
            import pandas
        except ImportError:
            from trtkit.errors import BackendUnavailableError

            raise BackendUnavailableError("EnginePlan.to_pandas needs pandas, which is not installed",
                                          "pip install 'trtkit[notebook]' (or pandas)") from None
        rows = [{"index": layer.index, "name": layer.name, "type": layer.type, "kind": layer.kind,
                 "precision": layer.compute_precision, "input_precision": layer.input_precision,
                 "output_precision": layer.output_precision, "is_reformat": layer.is_reformat,
                 "origin": layer.origin, "tactic": layer.tactic_name, "profile": layer.profile,
                 "onnx_nodes": list(layer.onnx_nodes),
                 "weights_count": layer.weights.count if layer.weights is not None else None,
                 "latency_ms": layer.timing.average_ms if layer.timing is not None else None,
                 "latency_percent": layer.timing.percentage if layer.timing is not None else None}
                for layer in self.layers]
        columns = ["index", "name", "type", "kind", "precision", "input_precision", "output_precision", "is_reformat",
                   "origin", "tactic", "profile", "onnx_nodes", "weights_count", "latency_ms", "latency_percent"]
        frame = pandas.DataFrame(rows, columns=columns)
        for column in ("latency_ms", "latency_percent"):
            frame[column] = frame[column].astype("float64")  # NaN for a layer that was not profiled
        return frame.set_index("index")


def normalize_tactic(value: Any) -> str | None:
    """Tactic values as 0x-prefixed 16-digit hex; TensorRT 8.2 wrote them unpadded (0x0, 0x630101)."""
    if value is None or value == "":
        return None
    if type(value) is str and len(value) == 18 and value.startswith("0x"):
        return value.lower()  # already in the padded form
    if isinstance(value, int):
        return f"0x{value & 0xFFFFFFFFFFFFFFFF:016x}"
    text = str(value).strip()
    try:
        number = int(text, 16) if text.lower().startswith("0x") else int(text)
    except ValueError:
        return text
    return f"0x{number & 0xFFFFFFFFFFFFFFFF:016x}"


def constant_from(raw: Any) -> Constant | None:
    """Weights/Bias records ({"Type": "Half", "Count": 800}) as a Constant."""
    if not isinstance(raw, dict):
        return None
    if "Count" not in raw:
        raw = {str(key).capitalize(): value for key, value in raw.items()}
    count = raw.get("Count")
    if not isinstance(count, int):
        return None
    return Constant(canonical_dtype(str(raw.get("Type", ""))), count)
