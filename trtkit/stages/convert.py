"""`convert`: prepare an ONNX model for TensorRT in a fixed order of steps, each reported: shapes and shape
inference, constant folding and cleanup, simplification, opset conversion, mixed precision (AutoCast),
quantization (Model Optimizer PTQ); then verify the result against the original: the original in onnxruntime,
the result in the faithful FP16/BF16 reference runner where it holds reduced-precision tensors."""

from __future__ import annotations

import contextlib
import time
from collections import Counter
from pathlib import Path
from typing import TYPE_CHECKING

from trtkit.config.context import DEFAULT_CONTEXT
from trtkit.errors import InputFileError, UsageError
from trtkit.io.artifacts import external_data_files
from trtkit.io.atomic import scratch_folder, staged_writes
from trtkit.results.convert import ConvertResult, StepReport

if TYPE_CHECKING:
    from trtkit.config.context import StageContext
    from trtkit.config.models import ConvertConfig

TWO_GIB = 2**31  # protobuf's limit on one serialized message


def _nodes(model) -> int:
    return len(model.graph.node)


def write_model(model, path: Path, weights_dir: Path | None, tag: str = "") -> None:
    """Write a model: tensors still in external data (of `weights_dir`) get their data files copied beside `path`
    and renamed after it (`<path><tag>.data`), in a stream; tensors in memory go into `<path><tag>.weights.data`
    when the model would pass protobuf's 2 GB, else inline."""
    import shutil

    import onnx

    from trtkit.io.paths import refuse_non_regular_output

    refuse_non_regular_output(path, "converted model")
    path.parent.mkdir(parents=True, exist_ok=True)
    renamed: dict[str, str] = {}
    for tensor in model.graph.initializer:
        if tensor.data_location != onnx.TensorProto.EXTERNAL:
            continue
        for entry in tensor.external_data:
            if entry.key == "location":
                if entry.value not in renamed:
                    renamed[entry.value] = (f"{path.name}{tag}.data" if not renamed else
                                            f"{path.name}{tag}.{len(renamed)}.data")
                    refuse_non_regular_output(path.parent / renamed[entry.value], "external data file")
                    shutil.copyfile(weights_dir / entry.value, path.parent / renamed[entry.value])
                entry.value = renamed[entry.value]
    in_memory = sum(len(tensor.raw_data) for tensor in model.graph.initializer)
    if in_memory > TWO_GIB:
        refuse_non_regular_output(path.parent / (path.name + ".weights.data"), "external data file")
        onnx.save(model, str(path), save_as_external_data=True, all_tensors_to_one_file=True,
                  location=f"{path.name}{tag}.weights.data", size_threshold=1024)
    else:
        onnx.save(model, str(path))


def stage_model(model, output: Path, weights_dir: Path | None, stage) -> Path:
    """Write the model and its external data into a temporary folder beside `output` and stage them (a
    `trtkit.io.atomic.StagedSet`); returns the staged model, which reads like the final one. The data files get
    names no earlier write used, so the model's rename commits the whole set: a reader sees the old model with
    its old data or the new one with its new data. The old set's data files are removed after that rename."""
    import secrets

    from trtkit.io.atomic import WRITE_ERRNOS, write_error

    folder = stage.folder(output)
    staged = folder / output.name
    try:
        write_model(model, staged, weights_dir, tag=f".{secrets.token_hex(4)}")
    except OSError as error:
        if error.errno in WRITE_ERRNOS:  # onnx.save, shutil: name the output, not the staging folder
            raise write_error(output, error) from error
        raise
    new_data = external_data_files(staged)
    for data in new_data:
        stage.move(data, output.parent / data.name)
    stage.move(staged, output)  # last: the commit point
    for old in _written_data_files(output):
        if old.name not in {data.name for data in new_data}:
            stage.remove(old)
    return staged


def _written_data_files(model: Path) -> list[Path]:
    """The external-data files a convert wrote for `model` (`<model>.data`, `<model>.<tag>.data`, ...)."""
    import re

    pattern = re.compile(rf"{re.escape(model.name)}(\.[0-9a-f]{{8}})?(\.\d+|\.weights)?\.data")
    return [path for path in external_data_files(model) if pattern.fullmatch(path.name)]


class Steps:
    """Runs the steps on one ModelProto and records each."""

    def __init__(self, result: ConvertResult):
        self.result = result

    @contextlib.contextmanager
    def step(self, name: str, model_ref: list):
        before = _nodes(model_ref[0])
        start = time.perf_counter()
        report = StepReport(name, before, before, 0.0)
        yield report
        report.nodes_after = _nodes(model_ref[0])
        report.seconds = time.perf_counter() - start
        self.result.steps.append(report)


def convert(source: Path, output: Path, config: ConvertConfig, context: StageContext = DEFAULT_CONTEXT, *,
            shapes: dict[str, tuple[int, ...]] | None = None, verify: bool | None = None,
            profile_shapes: dict[str, tuple[int, ...]] | None = None) -> ConvertResult:
    """Convert `source` to `output` following `config` (a PipelineConfig's `convert` section; its data paths
    relative to `context.base_dir`); random calibration and verification data take `profile_shapes` (a build
    profile's opt shapes) for dynamic inputs."""
    import onnx

    from trtkit.analysis.onnx_model import precision_profile
    from trtkit.io.onnx_model import graph_inputs, load_onnx, refuse_cycles, refuse_missing_external_data
    from trtkit.io.paths import refuse_non_regular_output, require_utf8_path

    refuse_output_over_source(source, output)
    refuse_non_regular_output(output, "converted model")  # before minutes of work, not after
    if _verify(config, verify):  # onnxruntime runs both models
        require_utf8_path(source, "ONNX model")
        require_utf8_path(output, "converted model")
    # Weights in external data stay on disk (graphsurgeon keeps them lazy): a model over 2 GB is never held
    # in memory by the steps that do not need its weights.
    model = load_onnx(source, load_weights=False)
    refuse_missing_external_data(model, source)
    refuse_cycles(model, source)
    original_ops = Counter(node.op_type for node in model.graph.node)
    large = any(init.data_location == onnx.TensorProto.EXTERNAL for init in model.graph.initializer)
    result = ConvertResult(str(source), str(output))
    steps = Steps(result)
    ref = [model]
    input_shapes = dict(config.input_shapes or {})
    input_shapes.update(shapes or {})
    with steps.step("shapes and shape inference", ref) as report:
        if input_shapes:
            _override_shapes(ref[0], input_shapes)
        ref[0] = onnx.shape_inference.infer_shapes(ref[0])  # the proto without external weights is small
        report.detail = f"fixed {', '.join(input_shapes)}" if input_shapes else "shape inference"
    if config.fold_constants:
        with steps.step("constant folding and cleanup", ref) as report:
            ref[0] = _fold(ref[0])
    if config.simplify:
        with steps.step("simplification (onnxslim)", ref) as report:
            if large:
                report.detail = "skipped: onnxslim holds every weight in memory, and this model keeps its weights " \
                                "in external data"
            else:
                ref[0] = _simplify(ref[0])
    if config.opset is not None:
        with steps.step(f"opset conversion to {config.opset}", ref) as report:
            current = next(opset.version for opset in ref[0].opset_import if opset.domain in ("", "ai.onnx"))
            if current != config.opset:
                ref[0] = onnx.version_converter.convert_version(ref[0], config.opset)
            report.detail = f"{current} -> {config.opset}"
    feeds, data = None, None
    if config.precision != "fp32" or config.quantize is not None or _verify(config, verify):
        from trtkit.io.data import feeds_for

        spec = config.quantize.calibration if config.quantize is not None and config.quantize.calibration.path \
            else config.data
        feeds, data = feeds_for(spec, graph_inputs(ref[0]), context.base_dir, input_shapes or profile_shapes)
        result.data = data
        if spec.path is None and config.quantize is not None:
            result.warnings.append("calibration uses random data: the quantization scales will be meaningless; "
                                   "set convert.quantize.calibration to real inputs")
    with staged_writes() as stage, scratch_folder("trtkit-convert-") as scratch:
        weights_dir: Path | None = source.parent
        if config.quantize is not None:
            assert feeds is not None  # drawn above for every quantization
            with steps.step(f"quantization {config.quantize.mode} (Model Optimizer PTQ)", ref) as report:
                ref[0], weights_dir = _quantize(ref[0], config, feeds, scratch, weights_dir, large)
                report.detail = f"method {config.quantize.method or 'default'}, {len(feeds)} calibration batch(es)"
        elif config.precision != "fp32":
            with steps.step(f"mixed precision {config.precision} (Model Optimizer AutoCast)", ref) as report:
                ref[0] = _autocast(ref[0], config, feeds, scratch, weights_dir)
                weights_dir = None  # AutoCast returns the weights in memory
                kept = config.keep_fp32_nodes + config.keep_fp32_op_types
                report.detail = f"kept in FP32: {', '.join(kept)}" if kept else "all eligible nodes"
        # checked and verified where it was staged: a model that fails to load or run is never committed
        staged = stage_model(ref[0], output, weights_dir, stage)
        converted = load_onnx(staged)
        result.op_histogram_change = {op: count for op, count in (
            Counter(node.op_type for node in converted.graph.node) - original_ops).items()}
        result.op_histogram_change.update({op: -count for op, count in (
            original_ops - Counter(node.op_type for node in converted.graph.node)).items()})
        result.precision = precision_profile(converted)
        result.external_data_bytes = sum(file.stat().st_size for file in external_data_files(staged))
        if _verify(config, verify):
            _verification(result, source, staged, config, feeds, output)
    if not _verify(config, verify):
        result.verification_note = VERIFICATION_OFF
    if _verify(config, verify) and not result.passed and config.precision_search:
        if shapes:
            config = config.model_copy(update={"input_shapes": {**(config.input_shapes or {}), **shapes}})
        return _searched(source, output, config, result, context, profile_shapes)
    return result


def _searched(source: Path, output: Path, config, failed: ConvertResult, context: StageContext,
              profile_shapes: dict | None) -> ConvertResult:
    """convert.precision_search: find the nodes to keep in FP32 (or to leave out of quantization) and convert
    again with them; the failed result stands, with what the search said, when no set is found."""
    from trtkit.stages.debug_precision import QUANTIZATION_MODES, debug_precision

    searchable = config.quantize.mode in QUANTIZATION_MODES if config.quantize is not None else \
        config.precision in ("fp16", "bf16")
    if not searchable:
        failed.precision_search = {"kept": None, "message": "the search covers FP16/BF16 conversions and INT8/FP8 "
                                                            "quantization"}
        return failed
    search = debug_precision(source, config, context, profile_shapes=profile_shapes)
    summary = {"kept": search.patterns if search.found else None, "trials": len(search.trials),
               "message": search.message, "stopped": search.stopped,
               "before": _figures(failed.verification)}
    if not search.found or not search.kept:
        failed.precision_search = summary
        return failed
    if config.quantize is not None:
        quantize = config.quantize.model_copy(update={"exclude_nodes": [*config.quantize.exclude_nodes,
                                                                        *search.patterns]})
        fixed = config.model_copy(update={"quantize": quantize, "precision_search": False})
    else:
        fixed = config.model_copy(update={"keep_fp32_nodes": [*config.keep_fp32_nodes, *search.patterns],
                                          "precision_search": False})
    result = convert(source, output, fixed, context, profile_shapes=profile_shapes)
    result.precision_search = summary
    return result


VERIFICATION_OFF = "not verified: verification is off (--no-verify, or convert.verify.enabled: false)"


def _verify(config, verify: bool | None) -> bool:
    return config.verify.enabled if verify is None else verify


def _override_shapes(model, shapes: dict) -> None:
    names = {value.name: value for value in model.graph.input}
    for name, shape in shapes.items():
        if name not in names:
            raise UsageError(f"convert.input_shapes names {name!r}, which is not an input of the model",
                             f"the inputs are {', '.join(names)}")
        dims = names[name].type.tensor_type.shape.dim
        if len(dims) != len(shape):
            raise UsageError(f"convert.input_shapes gives {name} rank {len(shape)}, the model has rank {len(dims)}",
                             "give one size per dimension")
        for dim, size in zip(dims, shape, strict=True):
            dim.ClearField("dim_param")
            dim.dim_value = size
    # stale intermediate shapes would contradict the new input shapes
    del model.graph.value_info[:]


def _fold(model):
    import onnx_graphsurgeon as gs

    from trtkit.backends.onnxrt import quiet_onnxruntime

    quiet_onnxruntime()  # graphsurgeon evaluates constant subgraphs with onnxruntime
    graph = gs.import_onnx(model)
    graph.fold_constants().cleanup().toposort()
    return gs.export_onnx(graph)


def _simplify(model):
    import onnxslim

    return onnxslim.slim(model)


def _quantize(model, config, feeds, scratch: Path, weights_dir: Path | None, large: bool):
    """Quantize through files (Model Optimizer reads and writes paths); returns the model, its weights' folder."""
    import numpy as np
    import onnx

    from trtkit.backends.modelopt import quantize

    source, target = scratch / "before_quantize.onnx", scratch / "quantized.onnx"
    write_model(model, source, weights_dir)
    calibration = {name: np.concatenate([feed[name] for feed in feeds]) for name in feeds[0]}
    high = "fp16" if config.precision == "fp16" else "fp32"
    quantize(source, target, config.quantize.mode, calibration, config.quantize.method,
             config.quantize.exclude_nodes, config.quantize.exclude_op_types, high, large)
    return onnx.load(str(target), load_external_data=False), scratch


def _autocast(model, config, feeds, scratch: Path, weights_dir: Path | None):
    import numpy as np

    from trtkit.backends.modelopt import autocast

    source, calibration = scratch / "before_autocast.onnx", scratch / "calibration.npz"
    write_model(model, source, weights_dir)
    # numpy's stub lets mypy match the arrays against savez's allow_pickle: bool keyword
    np.savez(calibration, **{name: np.concatenate([feed[name] for feed in feeds]) for name in feeds[0]})  # type: ignore[arg-type]
    opset = next(entry.version for entry in model.opset_import if entry.domain in ("", "ai.onnx"))
    return autocast(source, config.precision, config.keep_io_types, config.keep_fp32_nodes,
                    config.keep_fp32_op_types, calibration, opset)


def _verification(result: ConvertResult, source: Path, staged: Path, config, feeds, output: Path) -> None:
    from trtkit.backends.reference import run_model
    from trtkit.errors import BackendUnavailableError
    from trtkit.results.compare import OutputComparison

    try:  # an original with an FP16/BF16 subgraph has no faithful CPU run either
        reference_runner, reference = run_model(source, feeds)
    except BackendUnavailableError as error:
        result.verification_note = f"not verified: {error.one_line()}"
        return
    try:
        runner, candidate = run_model(staged, feeds)
    except (BackendUnavailableError, InputFileError) as error:
        # onnxruntime's CPU provider lacks some types (FP8 Q/DQ); the reference runner skips FP16 subgraphs
        result.verification_note = f"not verified: {error.one_line().replace(str(staged), str(output))}"
        return
    precision = config.quantize.mode if config.quantize is not None else config.precision
    comparison = OutputComparison(str(source), str(output), result.data or "", precision,
                                  reference_runner=reference_runner, runner=runner)
    comparison.add_runs(reference, candidate, config.verify.tolerances)
    result.verification = comparison


def _figures(comparison) -> dict | None:
    """The worst output's error of a verification, for the record of what the search fixed."""
    if comparison is None or not comparison.outputs:
        return None
    from trtkit.analysis.accuracy import worst_figures

    max_abs, min_cosine = worst_figures(comparison.outputs)  # None: unknown (NaN or Inf on one side)
    return {"passed": comparison.passed, "max_abs": max_abs, "min_cosine": min_cosine, "runner": comparison.runner}


def refuse_output_over_source(source: Path, output: Path) -> None:
    """Exit 2 when `output` is the model being converted; exit 3 when it cannot be resolved at all (a NUL byte
    made Path.resolve raise ValueError)."""
    try:
        same = output.resolve() == source.resolve()
    except (OSError, ValueError, RuntimeError) as error:  # RuntimeError: a symbolic link loop, on Python 3.11
        raise InputFileError(f"cannot write {str(output)!r}: {error}", "give another output path (-o)") from None
    if same:
        raise UsageError(f"the output {output} is the input model", "choose another output path (-o)")


def check_model_exists(path: Path) -> None:
    """Exit 3 unless `path` is a regular file (not missing, not a FIFO or device) that is not plainly something else
    (an engine, JSON, a log, a config)."""
    from trtkit.io.paths import require_regular_file
    from trtkit.stages.input_kind import require_onnx_model

    require_regular_file(path, "ONNX model")
    require_onnx_model(path, "convert")
