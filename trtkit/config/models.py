"""pydantic models of the pipeline YAML: one top level and one section per stage.

Every option is defined here once; CLI flags map onto these fields. Models are strict: an unknown
key or a value of the wrong type is an error that names its YAML path (see `config.loader`).
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    PrivateAttr,
    WithJsonSchema,
    field_validator,
    model_validator,
)

from trtkit.config.choices import Backend, CompareMetric, FailOn, Severity
from trtkit.config.context import DEFAULT_WORKDIR
from trtkit.config.units import Duration, Percentage, ShapeSpec, Size, format_shape
from trtkit.io.paths import check_file_name, names_directory, resolve_against


def _file_path(value: Any) -> Any:
    """An output file path as given; ValueError when it is spelled as a folder (`out/`): pathlib drops the slash,
    and a file named like the folder would be written."""
    if isinstance(value, str) and names_directory(value):
        raise ValueError(f"{value!r} names a directory; give the file to write")
    return value


OutputFile = Annotated[Path | None, BeforeValidator(_file_path)]  # an output path that must name a file


class StrictModel(BaseModel):
    model_config = ConfigDict(extra="forbid", validate_default=True, validate_assignment=True)

    def __setattr__(self, name: str, value: Any) -> None:
        """An assignment that does not validate (`config.compare.max_regression = "abc"` in a notebook) raises
        trtkit's ConfigError, in the words loading the same value from YAML uses, not pydantic's ValidationError."""
        from pydantic import ValidationError

        try:
            super().__setattr__(name, value)
        except ValidationError as error:
            from trtkit.errors import ConfigError

            problems = []
            for item in error.errors(include_url=False):
                message = item["msg"].removeprefix("Value error, ")  # the validators' own words say what they got
                got = "" if item["type"] == "value_error" else f", got {value!r:.80}"
                problems.append(f"assigning to {type(self).__name__}: {name}: {message}{got}")
            raise ConfigError(problems) from None


def _path_to_data_spec(value: Any) -> Any:
    # `data: calib.npz` is shorthand for `data: {path: calib.npz}`.
    return {"path": value} if isinstance(value, str) else value


class DataSpecFields(StrictModel):
    """Input data for calibration, output comparison and profiling; shared by convert, compare and profile.

    `path` is an .npz file, a folder of .npy files, or Polygraphy JSON inputs; without it, random data
    is drawn with `seed`, in `ranges` per input (else `default_range`).
    """

    path: Path | None = None
    seed: int = Field(0, ge=0)  # numpy's generators take non-negative seeds
    ranges: dict[str, tuple[float, float]] = Field(default_factory=dict)
    default_range: tuple[float, float] = (0.0, 1.0)
    batches: int = Field(1, ge=1, description="how many input sets to draw or read")

    @model_validator(mode="after")
    def _ranges_ordered(self) -> DataSpecFields:
        for name, (low, high) in {"default_range": self.default_range, **self.ranges}.items():
            if low > high:
                raise ValueError(f"range of {name!r} has low {low} above high {high}")
        return self


class _AcceptsPathShorthand:
    """Tells the JSON Schema that a plain path string is accepted too."""

    @classmethod
    def __get_pydantic_json_schema__(cls, core_schema: Any, handler: Any) -> dict[str, Any]:
        return {"anyOf": [{"type": "string", "description": "path to an .npz file, a folder of .npy files "
                                                            "or Polygraphy JSON inputs"}, handler(core_schema)]}


DataSpec = Annotated[DataSpecFields, BeforeValidator(_path_to_data_spec), _AcceptsPathShorthand]


class Tolerance(StrictModel):
    """Accuracy limits for one output (or one data type); unset fields take the precision's defaults."""

    atol: float | None = Field(None, ge=0)
    rtol: float | None = Field(None, ge=0)
    range_tol: float | None = Field(None, ge=0, description="a fraction of the reference output's range (max - min) "
                                                             "added to each element's atol")
    min_cosine: float | None = Field(None, ge=-1, le=1)
    min_snr_db: float | None = Field(None, description="the lowest signal-to-noise ratio accepted, in dB")


class VerifyConfig(StrictModel):
    enabled: bool = True
    tolerances: dict[str, Tolerance] = Field(
        default_factory=dict, description="per output name, or per data type (fp16, int8...); '*' for all")


class QuantizeConfig(StrictModel):
    mode: Literal["int8", "fp8", "int4"]
    method: Literal["entropy", "max", "awq_clip", "rtn_dq"] | None = Field(
        None, description="calibration method; Model Optimizer's default for the mode when unset")
    exclude_nodes: list[str] = Field(default_factory=list, description="node names or regexes left unquantized")
    exclude_op_types: list[str] = Field(default_factory=list)
    calibration: DataSpec = Field(default_factory=DataSpecFields)


class ConvertConfig(StrictModel):
    """Prepare the ONNX model: the only place precision is chosen for strongly typed builds."""

    output: OutputFile = Field(None, description="converted model; default <workdir>/<name>.<precision>.onnx")
    input_shapes: ShapeSpec | None = Field(None, description="fix input shapes before shape inference")
    fold_constants: bool = True
    simplify: bool = True
    opset: int | None = Field(None, ge=7, description="convert to this opset")
    precision: Literal["fp32", "fp16", "bf16"] = "fp32"
    keep_fp32_nodes: list[str] = Field(default_factory=list, description="node names or regexes kept in FP32")
    keep_fp32_op_types: list[str] = Field(default_factory=list)
    keep_io_types: bool = True
    precision_search: bool = Field(
        False, description="when verification fails, search the nodes to keep in FP32 (trtkit debug precision) and "
                           "convert again with them")
    quantize: QuantizeConfig | None = None
    data: DataSpec = Field(default_factory=DataSpecFields)
    verify: VerifyConfig = Field(default_factory=VerifyConfig)

    @property
    def output_suffix(self) -> str:
        """What the converted model is: its quantization mode, else its precision (`fp16` in `cnn.fp16.onnx`)."""
        return self.quantize.mode if self.quantize is not None else self.precision

    def output_name(self, name: str) -> str:
        """The converted model's default file name for the artifact name `name`: `<name>.<suffix>.onnx`."""
        return f"{name}.{self.output_suffix}.onnx"


class OptimizationProfile(StrictModel):
    """min/opt/max shapes of every dynamic input, as trtexec's --minShapes/--optShapes/--maxShapes."""

    min: ShapeSpec
    opt: ShapeSpec
    max: ShapeSpec

    @model_validator(mode="after")
    def _consistent(self) -> OptimizationProfile:
        names = set(self.min)
        if set(self.opt) != names or set(self.max) != names:
            raise ValueError(
                f"min, opt and max must name the same inputs (min: {sorted(self.min)}, "
                f"opt: {sorted(self.opt)}, max: {sorted(self.max)})")
        for name in self.min:
            low, mid, high = self.min[name], self.opt[name], self.max[name]
            if not len(low) == len(mid) == len(high):
                raise ValueError(f"input {name!r}: min, opt and max have different ranks")
            if not all(a <= b <= c for a, b, c in zip(low, mid, high, strict=True)):
                raise ValueError(
                    f"input {name!r}: need min <= opt <= max in every dimension, got min {format_shape(low)}, "
                    f"opt {format_shape(mid)}, max {format_shape(high)}")
        return self


class MemoryPools(StrictModel):
    """Memory pool limits other than the workspace (`build.workspace`)."""

    dla_managed_sram: Size | None = None
    dla_local_dram: Size | None = None
    dla_global_dram: Size | None = None
    tactic_dram: Size | None = None
    tactic_shared_memory: Size | None = None


class DLAConfig(StrictModel):
    core: int | None = Field(None, ge=0)
    allow_gpu_fallback: bool = False


class CalibrationConfig(StrictModel):
    """INT8 calibration (TensorRT 10.x only; TensorRT 11 quantizes in `convert.quantize`)."""

    cache: Path | None = None
    algorithm: Literal["entropy2", "entropy", "minmax", "legacy"] = "entropy2"
    data: DataSpec = Field(default_factory=DataSpecFields)


def _compute_capability(value: Any) -> Any:
    # YAML reads 8.6 as a float; 12.0 must stay "12.0", not "12".
    if isinstance(value, float):
        return f"{value:.1f}"
    return value


_COMPUTE_CAPABILITIES = ("7.5", "8.0", "8.6", "8.9", "9.0", "10.0", "12.0", "12.1")
ComputeCapability = Annotated[
    Literal["7.5", "8.0", "8.6", "8.9", "9.0", "10.0", "12.0", "12.1"],
    BeforeValidator(_compute_capability),
    WithJsonSchema({"enum": [*_COMPUTE_CAPABILITIES, *(float(value) for value in _COMPUTE_CAPABILITIES)],
                    "description": "a compute capability such as 8.6"}),
]


# trtexec's type names of --layerPrecisions / --layerOutputTypes (which of them a TensorRT has: validate_options)
LayerType = Literal["fp32", "fp16", "bf16", "int8", "int32", "int64", "uint8", "bool", "fp8", "int4", "fp4"]


class BuildConfig(StrictModel):
    """Build an engine with the TensorRT builder API; trtexec's build options, one field each."""

    output: OutputFile = Field(None, description="engine path; default <workdir>/<name>.engine")
    profiles: dict[str, OptimizationProfile] = Field(
        default_factory=dict, description="named optimization profiles, in order")
    workspace: Size | None = Field(None, description="workspace memory pool limit")
    memory_pools: MemoryPools = Field(default_factory=MemoryPools)
    optimization_level: int | None = Field(None, ge=0, le=5, description="builder optimization level")
    max_tactics: int | None = Field(None, ge=-1)
    tiling_level: Literal["none", "fast", "moderate", "full"] | None = None
    l2_limit_for_tiling: Size | None = None
    timing_cache: Path | None = None
    editable_timing_cache: bool = False
    error_on_timing_cache_miss: bool = False
    hardware_compatibility: Literal["none", "ampere_plus", "same_compute_capability"] = "none"
    version_compatible: bool = False
    exclude_lean_runtime: bool = False
    runtime_platform: Literal["same_as_build", "windows_amd64"] = "same_as_build"
    refit: bool = False
    strip_weights: bool = False
    sparsity: bool = False
    max_aux_streams: int | None = Field(None, ge=0)
    tactic_sources: list[Literal["cublas", "cublas_lt", "cudnn", "edge_mask_convolutions",
                                 "jit_convolutions"]] | None = None
    profiling_verbosity: Literal["detailed", "layer_names_only", "none"] = "detailed"
    dla: DLAConfig = Field(default_factory=DLAConfig)
    compute_capabilities: list[ComputeCapability] = Field(
        default_factory=list, description="TensorRT-RTX ahead-of-time targets, e.g. [8.6, 8.9]")
    plugins: list[Path] = Field(default_factory=list, description="plugin libraries loaded before parsing")
    mark_all_outputs: bool = Field(
        False, description="debug engine: every layer's float output becomes a network output (Polygraphy's "
                           "'mark all'), for compare outputs --layerwise against the ONNX model; fuses less")
    parser_flags: list[Literal["native_instancenorm", "enable_uint8_and_asymmetric_quantization_dla",
                               "report_capability_dla", "enable_plugin_override"]] = Field(default_factory=list)
    strongly_typed: bool | None = Field(None, description="TensorRT 10.x: create a strongly typed network")
    # TensorRT 10.x only: TensorRT 11 removed weak typing (see DESIGN.md)
    precision: list[Literal["tf32", "fp16", "bf16", "int8", "fp8", "int4", "best"]] = Field(
        default_factory=list, description="TensorRT 10.x only; on 11.x choose precision in convert")
    precision_constraints: Literal["none", "prefer", "obey"] = "none"
    layer_precisions: dict[str, LayerType] = Field(default_factory=dict,
                                                   description="TensorRT 10.x: layer regex -> type")
    layer_output_types: dict[str, LayerType] = Field(default_factory=dict,
                                                     description="TensorRT 10.x: layer regex -> type")
    calibration: CalibrationConfig | None = None

    def first_opt_shapes(self) -> dict[str, tuple[int, ...]] | None:
        """The opt shapes of the first optimization profile (random inputs for dynamic dimensions take them), or
        None without profiles."""
        first = next(iter(self.profiles.values()), None)
        return None if first is None else {name: tuple(shape) for name, shape in first.opt.items()}


class ProfileConfig(StrictModel):
    """Measure an engine on the GPU; defaults match TensorRT 11 trtexec (CUDA graph and spin-wait on,
    transfers off)."""

    engine: Path | None = Field(None, description="engine to profile; default the one build writes")
    shapes: ShapeSpec | None = Field(None, description="input shapes for dynamic inputs")
    optimization_profile: int = Field(0, ge=0)
    # string defaults: pydantic validates defaults (validate_default) through the unit parser; mypy sees only float
    warmup: Duration = Field("200ms", description="warm-up time, e.g. 200ms")  # type: ignore[assignment]
    iterations: int = Field(10, ge=1, description="minimum number of timed iterations")
    duration: Duration = Field("3s", description="minimum timed duration, e.g. 3s")  # type: ignore[assignment]
    percentiles: list[float] = Field(default_factory=lambda: [90.0, 95.0, 99.0])
    cuda_graph: bool = True
    spin_wait: bool = True
    transfers: bool = False
    enqueue_ahead: bool = True
    streams: int = Field(1, ge=1)
    per_layer: bool = Field(True, description="per-layer profile in a separate run")
    telemetry: bool = True
    device: int = Field(0, ge=0)
    data: DataSpec = Field(default_factory=DataSpecFields)

    @model_validator(mode="after")
    def _percentiles_in_range(self) -> ProfileConfig:
        for value in self.percentiles:
            if not 0 < value < 100:
                raise ValueError(f"percentiles must lie between 0 and 100, got {value:g}")
        return self


class RuleSettings(StrictModel):
    enabled: bool | None = None
    severity: Severity | None = None
    params: dict[str, float | int | str | bool] = Field(default_factory=dict, description="rule thresholds")

    @field_validator("params")
    @classmethod
    def _finite(cls, params: dict[str, float | int | str | bool]) -> dict[str, float | int | str | bool]:
        # a threshold of .nan compares false with every figure: the rule would never fire
        for key, value in params.items():
            if isinstance(value, float) and value != value:
                raise ValueError(f"{key} is not a number (.nan); give a threshold")
        return params


class LintConfig(StrictModel):
    fail_on: FailOn = "error"
    enable: list[str] = Field(default_factory=list)
    disable: list[str] = Field(default_factory=list)
    rules: dict[str, RuleSettings] = Field(default_factory=dict, description="per rule id")


class CompareConfig(StrictModel):
    baseline: Path | None = Field(None, description="artifacts of the baseline engine")
    max_regression: Percentage = "5%"  # type: ignore[assignment]  # validated into a fraction, like warmup
    metrics: list[CompareMetric] = Field(
        # mypy infers this lambda as list[str] against Field's union of factory signatures
        # at least one: a gate over no metric would say "no regression" about nothing
        default_factory=lambda: ["median", "p99", "throughput"], min_length=1)  # type: ignore[arg-type]
    per_layer: bool = False
    allow_missing_data: bool = Field(
        False, description="let the gate pass when a gated metric has no figures (unprofiled engines); by default "
                           "a gate with nothing to compare fails with the verdict 'no data'")
    confidence: float = Field(0.95, gt=0, lt=1)
    tolerances: dict[str, Tolerance] = Field(
        default_factory=dict, description="per output name, or per data type (fp16, int8...); '*' for all")
    data: DataSpec = Field(default_factory=DataSpecFields)


STAGES: tuple[StageName, ...] = ("convert", "build", "profile", "inspect", "lint", "compare")
StageName = Literal["convert", "build", "profile", "inspect", "lint", "compare"]


class RunConfig(StrictModel):
    """`trtkit run`: which stages the pipeline has; they always run in the order of STAGES."""

    stages: list[StageName] = Field(default_factory=lambda: list(STAGES),
                                    description="the pipeline's stages (convert, build, profile, inspect, lint, "
                                                "compare); profile is skipped where no GPU and TensorRT are")

    @model_validator(mode="after")
    def _no_repeats(self) -> RunConfig:
        repeated = sorted({stage for stage in self.stages if self.stages.count(stage) > 1})
        if repeated:
            raise ValueError(f"stages lists {', '.join(repeated)} more than once")
        return self


class SweepConfig(StrictModel):
    """`trtkit sweep`: a matrix of pipeline variants, run in parallel and compared in one table."""

    axes: dict[str, list[Any]] = Field(
        default_factory=dict, description="config key -> the values to try, e.g. convert.precision: [fp32, fp16]; "
                                          "the points are every combination")
    include: list[dict[str, Any]] = Field(
        default_factory=list, description="extra points, each {key: value, ...} on top of the base config")
    exclude: list[dict[str, Any]] = Field(
        default_factory=list, description="points to leave out: those matching every key: value of an entry")
    executor: Literal["local", "ray"] = "local"
    workers: int | None = Field(None, ge=1, description="CPU stages in parallel (default: the CPU count)")
    gpus: list[int] | None = Field(None, description="GPUs to profile on, one timed run each at a time "
                                                     "(default: every GPU found)")
    ray_address: str | None = Field(None, description="an existing Ray cluster (ray://host:10001 or auto); "
                                                      "default: a local Ray instance started for the sweep")
    return_artifacts: bool = Field(False, description="Ray: send each task's artifacts back to the driver, for "
                                                      "workers that do not share the work directory")
    workdir: Path | None = Field(None, description="where the points go; default <workdir>/sweep")

    @model_validator(mode="after")
    def _axes_not_empty(self) -> SweepConfig:
        empty = [key for key, values in self.axes.items() if not values]
        if empty:
            raise ValueError(f"axis {empty[0]} has no values")
        for key in self.axes:
            if key.split(".")[0] in ("sweep", "run", "workdir", "name"):
                raise ValueError(f"axis {key}: a sweep varies the pipeline, not {key.split('.')[0]}")
        return self


class PipelineConfig(StrictModel):
    """The whole pipeline: the model, where artifacts go, the backend, and one section per stage."""

    model: Path | None = Field(None, description="the ONNX model; relative paths are relative to this file")
    name: str | None = Field(None, description="artifact base name; default the model's file stem")
    workdir: Path = Field(DEFAULT_WORKDIR, description="where artifacts are written")
    backend: Backend = "auto"
    convert: ConvertConfig = Field(default_factory=ConvertConfig)
    build: BuildConfig = Field(default_factory=BuildConfig)
    profile: ProfileConfig = Field(default_factory=ProfileConfig)
    lint: LintConfig = Field(default_factory=LintConfig)
    compare: CompareConfig = Field(default_factory=CompareConfig)
    run: RunConfig = Field(default_factory=RunConfig)
    sweep: SweepConfig = Field(default_factory=SweepConfig)

    _base_dir: Path = PrivateAttr(default_factory=Path.cwd)

    @field_validator("name")
    @classmethod
    def _name_is_a_file_name(cls, name: str | None) -> str | None:
        # artifacts are written as <workdir>/<name>.engine: a separator or `..` would write outside workdir
        return None if name is None else check_file_name(name)

    @property
    def base_dir(self) -> Path:
        """The folder the config's relative paths resolve against: the config file's, else the current one."""
        return self._base_dir

    def resolve(self, path: Path | str) -> Path:
        """A path from the config, made absolute against the folder of the config file."""
        return resolve_against(self._base_dir, path)

    @property
    def artifact_name(self) -> str:
        """The base name of the pipeline's artifacts: `name:`, else the config model's file stem, else `model`."""
        return self.artifact_name_for(None)

    def artifact_name_for(self, model: Path | None) -> str:
        """The artifacts' base name when a command is given `model`: the config's own (`name:`, else its model's
        stem) wins, so that every command of one config finds the same files; `model`'s stem only when the config
        names no model."""
        if self.name:
            return self.name
        if self.model is not None:
            return self.model.stem
        return model.stem if model is not None else "model"

    def engine_path(self, model: Path | None = None) -> Path:
        """Where build writes the engine: build.output, else `<workdir>/<artifact name>.engine`."""
        if self.build.output:
            return self.resolve(self.build.output)
        return self.resolve(self.workdir) / f"{self.artifact_name_for(model)}.engine"

    def profiled_engine_path(self) -> Path:
        """The engine profile measures: profile.engine, else the one build writes."""
        return self.resolve(self.profile.engine) if self.profile.engine else self.engine_path()

    def converted_path(self, model: Path | None = None) -> Path:
        """Where convert writes: convert.output, else `<workdir>/<artifact name>.<precision or mode>.onnx`."""
        if self.convert.output:
            return self.resolve(self.convert.output)
        return self.resolve(self.workdir) / self.convert.output_name(self.artifact_name_for(model))

    def first_opt_shapes(self) -> dict[str, tuple[int, ...]] | None:
        """The opt shapes of build's first optimization profile (`BuildConfig.first_opt_shapes`)."""
        return self.build.first_opt_shapes()
