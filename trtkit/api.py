"""The public Python API: each stage of the command line as one function returning the typed result the command
renders (`trtkit inspect ... --json` prints `inspect_document(trtkit.inspect(...))`).

Errors are raised as the exceptions of `trtkit.errors` (their `exit_code` is the command's); a check that fails
(lint findings at `fail_on`, a regression, outputs beyond tolerance) is not an error here: the result says so
(`result.failed`, `result.passed`). Nothing is printed. Every stage module is imported inside its function, so
`import trtkit` stays fast and a missing backend fails only in the function that needs it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeAlias

from trtkit.report import notebook  # noqa: F401 - registers how plans, lint results and comparisons draw in Jupyter

if TYPE_CHECKING:
    from trtkit.config.context import StageContext
    from trtkit.config.models import PipelineConfig
    from trtkit.plan.model import EnginePlan
    from trtkit.results.build import BuildResult
    from trtkit.results.compare import EngineComparison, OutputComparison
    from trtkit.results.convert import ConvertResult
    from trtkit.results.inspect import InspectResult
    from trtkit.results.layerwise import LayerwiseComparison
    from trtkit.results.lint import LintResult
    from trtkit.results.profile import ProfileResult
    from trtkit.results.report import ReportResult
    from trtkit.results.run import RunResult

PathLike: TypeAlias = "str | Path"
# A pipeline config: a YAML file, an already loaded PipelineConfig, or None for the defaults.
ConfigSource: TypeAlias = "str | Path | PipelineConfig | None"
# Input shapes: "input:1x3x224x224" as on the command line, or {"input": (1, 3, 224, 224)}.
Shapes: TypeAlias = "str | Mapping[str, Sequence[int]] | None"

__all__ = ["build", "compare_engines", "compare_layers", "compare_outputs", "convert", "inspect", "lint",
           "load_config", "load_plan", "load_plans", "profile", "run", "to_document", "write_report"]


def load_config(config: ConfigSource = None, overrides: Sequence[str] = ()) -> PipelineConfig:
    """The validated pipeline config of `config` (a YAML file, a PipelineConfig, or None for the defaults) with
    `overrides` ("build.workspace=2GiB", as `--set` takes them) applied; raises ConfigError when it does not
    validate."""
    from trtkit.config.loader import load_config as load_file
    from trtkit.config.models import PipelineConfig

    flags = _strings(overrides, "overrides")
    if isinstance(config, PipelineConfig):
        if not flags:
            return config
        from trtkit.config.loader import SourceMap, apply_overrides, validate_config

        # every field: exclude_unset dropped what the caller assigned inside a section it had not set itself
        # (config.build.workspace = "1GiB" on the defaults was lost once overrides were given)
        data = config.model_dump(mode="json")
        apply_overrides(data, flags, SourceMap("the PipelineConfig given"))
        validated = validate_config(data, SourceMap("the PipelineConfig given"))
        validated._base_dir = config.base_dir
        return validated
    return load_file(None if config is None else _path(config, "config", "a YAML file or a PipelineConfig"), flags)


def load_plans(*paths: PathLike) -> list[EnginePlan]:
    """Every engine plan in `paths` (engine artifacts, TREx files, trtexec logs, folders of them), one per engine."""
    from trtkit.plan.loader import load

    return load(_paths(paths)).plans


def load_plan(*paths: PathLike) -> EnginePlan:
    """The one engine plan in `paths` (an engine's artifacts: its .graph.json, profiles, logs...); raises
    InputFileError when they hold no engine or several (use `load_plans`)."""
    from trtkit.errors import InputFileError

    plans = load_plans(*paths)
    if len(plans) != 1:
        names = ", ".join(plan.name for plan in plans) or "none"
        raise InputFileError(f"{', '.join(map(str, paths))} hold {len(plans)} engine plans ({names}), not one",
                             "give one engine's artifacts, or call trtkit.load_plans")
    return plans[0]


def inspect(*paths: PathLike, by: str | None = None, top: int | None = None, filter: str | None = None,
            precision: str | None = None, profile: int | None = None) -> InspectResult:
    """What is inside engine artifacts, trtexec logs, ONNX models and other files: per engine its plan, summary,
    layers grouped `by` type (the default), precision or onnx-node, and the `top` slowest layers (`trtkit
    inspect`; an option left None takes the command's default)."""
    from trtkit.errors import UsageError
    from trtkit.stages.inspect import InspectOptions, run_inspect

    if not paths:  # the command requires a PATH; an empty result would read as "nothing inside"
        raise UsageError("inspect needs a path", "give engine artifacts, trtexec logs, ONNX models or a folder")
    return run_inspect(_paths(paths), InspectOptions(**_given(by=by, top=top, filter=filter, profile=profile,
                                                      precision=precision)))


def lint(*paths: PathLike, enable: Sequence[str] = (), disable: Sequence[str] = (), fail_on: str | None = None,
         target: str | int | None = None, overrides: Sequence[str] = ()) -> LintResult:
    """The lint findings of engine artifacts, ONNX models and at most one config (`trtkit lint`); `result.failed`
    says whether one reaches `fail_on` (default: the config's lint.fail_on, else error). `target`: the TensorRT
    checked for, 8, 10, 11 or rtx."""
    from trtkit.errors import UsageError
    from trtkit.stages.lint import LintOptions, run_lint_paths

    if not paths:
        raise UsageError("lint needs a path", "give engine artifacts, ONNX models or a config file")
    return run_lint_paths(_paths(paths), LintOptions(enable=_strings(enable, "enable"),
                                                     disable=_strings(disable, "disable"), fail_on=fail_on,
                                                     # target=10 is "10": it was refused as not one of 8, 10, 11
                                                     target=None if target is None else str(target),
                                                     overrides=_strings(overrides, "overrides")))


def compare_engines(*paths: PathLike, baseline: PathLike | None = None, config: ConfigSource = None,
                    overrides: Sequence[str] = ()) -> EngineComparison:
    """Engines side by side (latency, per type, precision, aligned layers) and, with a `baseline` (default the
    config's compare.baseline), the regression gate: `result.failed` (`trtkit compare`)."""
    from trtkit.stages.compare import compare_engines as run_compare

    settings = load_config(config, overrides)
    chosen = _path(baseline, "baseline") if baseline is not None else (
        settings.resolve(settings.compare.baseline) if settings.compare.baseline else None)
    return run_compare(_paths(paths), chosen, settings.compare, _context(settings))


def compare_outputs(reference: PathLike, candidate: PathLike, *, config: ConfigSource = None,
                    shapes: Shapes = None, precision: str | None = None,
                    overrides: Sequence[str] = ()) -> OutputComparison:
    """The outputs of `candidate` (a converted model, an engine, saved outputs) against `reference`'s on the same
    inputs; `result.passed` is False when one is beyond its tolerance (`trtkit compare outputs`)."""
    from trtkit.stages.compare import compare_outputs as run_compare

    settings = load_config(config, overrides)
    return run_compare(_path(reference, "reference"), _path(candidate, "candidate"), settings.compare,
                       _context(settings), shapes=_shapes(shapes), precision=precision)


def compare_layers(reference: PathLike, candidate: PathLike, *, config: ConfigSource = None,
                   shapes: Shapes = None, precision: str | None = None,
                   overrides: Sequence[str] = ()) -> LayerwiseComparison:
    """Every intermediate tensor two ONNX models share by name, compared in execution order: the first beyond
    tolerance and the node where the error jumps (`trtkit compare outputs --layerwise`)."""
    from trtkit.stages.layerwise import compare_layerwise

    settings = load_config(config, overrides)
    return compare_layerwise(_path(reference, "reference"), _path(candidate, "candidate"), settings.compare,
                             _context(settings), shapes=_shapes(shapes), precision=precision)


def convert(model: PathLike | None = None, *, output: PathLike | None = None, config: ConfigSource = None,
            precision: str | None = None, quantize: str | None = None, force: bool = False,
            overrides: Sequence[str] = ()) -> ConvertResult:
    """Convert an ONNX model for TensorRT (shapes, folding, simplification, opset, precision, quantization) and
    verify it against the original (`trtkit convert`); `result.passed` is False when its outputs drift. `model`
    and `output` default to the config's; `precision` (fp32, fp16, bf16) and `quantize` (int8, fp8, int4) set
    convert.precision and convert.quantize.mode. An existing output that is not an ONNX model is replaced only
    with `force` (the command's `--force`); otherwise UsageError, and the file is left as it was."""
    from trtkit.stages.convert import check_model_exists, refuse_output_over_source
    from trtkit.stages.convert import convert as run_convert

    settings = _settings(config, overrides, {"convert.precision": precision, "convert.quantize.mode": quantize})
    source = _model(model, settings, "convert")
    check_model_exists(source)
    target = _output(output, "converted model") if output is not None else settings.converted_path(source)
    refuse_output_over_source(source, target)  # in its own words, before the overwrite rule would name force=True
    _check_overwrite(target, "onnx", force, "converted model")
    return run_convert(source, target, settings.convert, _context(settings), profile_shapes=settings.first_opt_shapes())


def build(model: PathLike | None = None, *, output: PathLike | None = None, config: ConfigSource = None,
          backend: str | None = None, shapes: Shapes = None, dry_run: bool = False, force: bool = False,
          overrides: Sequence[str] = ()) -> BuildResult:
    """Build an engine from an ONNX model and write it with its .graph.json, .build.metadata.json and .build.log
    (`trtkit build`). `backend`: auto, tensorrt or tensorrt-rtx; `shapes`: one optimization profile with
    min=opt=max ("input:1x3x224x224" or {"input": (1, 3, 224, 224)}); `dry_run`: parse and validate only. An
    existing output that is not an engine is replaced only with `force` (the command's `--force`); otherwise
    UsageError before anything is built."""
    from trtkit.stages.build import build_engine

    profile_shapes = None if shapes is None else _shape_text(shapes)
    settings = _settings(config, overrides, {"backend": backend, **{f"build.profiles.shapes.{key}": profile_shapes
                                                                    for key in ("min", "opt", "max")}})
    source = _model(model, settings, "build")
    engine = _output(output, "engine output") if output is not None else settings.engine_path(source)
    if not dry_run:
        _check_overwrite(engine, "engine", force, "engine output")
    return build_engine(source, engine, settings.build, _context(settings), dry_run=dry_run)


def profile(engine: PathLike | None = None, *, config: ConfigSource = None, backend: str | None = None,
            shapes: Shapes = None, overrides: Sequence[str] = ()) -> ProfileResult:
    """Measure an engine on the GPU like trtexec and write its .timing.json, .profile.json and
    .profile.metadata.json (`trtkit profile`); raises BackendUnavailableError without a GPU and TensorRT."""
    from trtkit.stages.profile import profile_engine

    settings = _settings(config, overrides, {"backend": backend,
                                             "profile.shapes": None if shapes is None else _shape_text(shapes)})
    target = _path(engine, "engine") if engine is not None else settings.profiled_engine_path()
    return profile_engine(target, settings.profile, _context(settings))


def write_report(*paths: PathLike, output: PathLike = "report.html", top: int | None = None,
                 lint: bool | None = None, graph: bool | None = None, query: str | None = None,
                 beam: str | None = None, color_by: str | None = None, max_graph_nodes: int | None = None,
                 profile: int | None = None, force: bool = False) -> ReportResult:
    """Write the self-contained HTML report card of engine artifacts (several engines are compared) to `output`
    (`trtkit report`; an option left None takes the command's default). An existing `output` that is not a trtkit
    page is replaced only with `force`; one of the inputs never is."""
    from trtkit.io.paths import refuse_output_over_input
    from trtkit.orchestration.report import ReportOptions, build_report

    target = _output(output, "report", "report.html")
    inputs = _paths(paths)
    refuse_output_over_input(target, inputs, "report")
    _check_overwrite(target, "html", force, "report")
    options = ReportOptions(**_given(top=top, lint=lint, graph=graph, query=query, beam=beam, color_by=color_by,
                                     max_graph_nodes=max_graph_nodes, profile=profile))
    return build_report(inputs, target, options)


def run(config: PathLike, *, stages: Sequence[str] | None = None, start: str | None = None,
        until: str | None = None, force: bool = False, overrides: Sequence[str] = ()) -> RunResult:
    """Run the pipeline of a config file stage by stage, redoing only what changed (`trtkit run`);
    `result.exit_code` is the worst of the stages (lint and compare gates included)."""
    from trtkit.orchestration.run import RunOptions, run_pipeline

    return run_pipeline(_path(config, "config", "a YAML file"),
                        RunOptions(None if stages is None else _strings(stages, "stages"), start, until, force),
                        _strings(overrides, "overrides"))


def _check_overwrite(path: Path, kind: str, force: bool, what: str) -> None:
    """The command line's overwrite policy (`trtkit.io.overwrite`): a file the user had is not replaced by
    another kind of output unless `force`; the hint names the function's arguments, not the command's flags."""
    from trtkit.io.overwrite import check_overwrite

    check_overwrite(path, kind, force, what, hint="choose another output or pass force=True to replace it")


def _path(value: object, what: str, kind: str = "a str or pathlib.Path") -> Path:
    """`value` as a Path; anything else (an int, None, a list of paths) is the caller's mistake, said in the API's
    words rather than as pathlib's TypeError. An empty string would silently mean the current folder."""
    import os

    from trtkit.errors import UsageError

    if isinstance(value, (str, os.PathLike)) and str(value):
        return Path(value)
    hint = (f"give the paths as separate arguments (*{what}s)" if isinstance(value, (list, tuple))
            else f"give {kind}")
    raise UsageError(f"{what} {value!r:.80} is not a path", hint)


def _settings(config: ConfigSource, overrides: Sequence[str], given: Mapping[str, object | None]) -> PipelineConfig:
    """The config with `overrides`, then the function's own arguments that were given (`{"backend": backend}`), as
    the command applies its flags over `--set`."""
    flags = _strings(overrides, "overrides")
    flags += [f"{key}={value}" for key, value in given.items() if value is not None]
    return load_config(config, flags)


def _output(value: object, what: str, example: str | None = None) -> Path:
    """An output path as the commands take `-o`: a spelling that names a directory (`out/`, `out/.`) is refused,
    not turned by pathlib into a file named like the folder."""
    from trtkit.io.paths import refuse_directory_name

    path = _path(value, "output")
    return refuse_directory_name(value if isinstance(value, str) else path, what, example)


def _paths(values: Sequence[object]) -> list[Path]:
    return [_path(value, "path") for value in values]


def _strings(values: object, what: str) -> list[str]:
    """A list of strings: one str is one item (not its characters), None is none."""
    from trtkit.errors import UsageError

    if values is None:
        return []
    if isinstance(values, str):
        return [values]
    if isinstance(values, (list, tuple)) and all(isinstance(item, str) for item in values):
        return list(values)
    raise UsageError(f"{what} {values!r:.80} is not a list of strings", f"give {what} as a list of str")


def _given(**options: Any) -> dict[str, Any]:
    """The options given: one left None takes its default from the stage's options dataclass, declared once."""
    return {name: value for name, value in options.items() if value is not None}


def _context(settings: PipelineConfig) -> StageContext:
    """The stages' context of a config: its folder, work directory and backend; no events."""
    from trtkit.config.context import StageContext

    return StageContext.for_config(settings)


def _model(model: PathLike | None, settings: PipelineConfig, command: str) -> Path:
    from trtkit.errors import UsageError

    if model is not None:
        return _path(model, "model")
    if settings.model is None:
        raise UsageError(f"{command} needs a model", "give a model path or a config with model:")
    return settings.resolve(settings.model)


def _shape_text(shapes: Shapes) -> str:
    """`shapes` as the command line writes them ("input:1x3x224x224"), for an override; a mapping was written as
    its Python repr, which the config then refused as "expected a shape ..., got '(1'"."""
    from trtkit.config.units import format_shape_spec

    if isinstance(shapes, str):
        return shapes
    return format_shape_spec(_shapes(shapes) or {})


def _shapes(shapes: Shapes) -> dict[str, tuple[int, ...]] | None:
    from trtkit.config.units import parse_shape_spec
    from trtkit.errors import UsageError

    if shapes is None:
        return None
    if not isinstance(shapes, (str, Mapping)):  # a bare list of dims does not say which input it is for
        raise UsageError(f"shapes {shapes!r:.80} names no input",
                         'give "input:1x3x224x224" or {"input": (1, 3, 224, 224)}')
    try:
        return parse_shape_spec(shapes if isinstance(shapes, str) else dict(shapes))
    except ValueError as error:
        raise UsageError(f"shapes: {error}") from None


# The JSON document `--json` prints for each result type: (module, function), imported on use.
_DOCUMENTS = {
    "InspectResult": ("trtkit.report.inspect", "inspect_document"),
    "LintResult": ("trtkit.report.lint", "lint_document"),
    "EngineComparison": ("trtkit.report.compare", "engine_document"),
    "OutputComparison": ("trtkit.report.compare", "outputs_document"),
    "LayerwiseComparison": ("trtkit.report.layerwise", "layerwise_document"),
    "ConvertResult": ("trtkit.report.convert", "convert_document"),
    "BuildResult": ("trtkit.report.build", "build_document"),
    "ProfileResult": ("trtkit.report.profile", "profile_document"),
    "ReportResult": ("trtkit.report.html", "report_document"),
    "RunResult": ("trtkit.report.run", "run_document"),
}


def to_document(result: object) -> dict[str, Any]:
    """The JSON document the command prints with `--json` for `result` (a result of this module), as plain JSON
    values: `json.dumps(trtkit.to_document(trtkit.lint("a.engine")))` is `trtkit lint a.engine --json`."""
    import importlib
    import json

    from trtkit.io.jsonout import dumps

    name = type(result).__name__
    if name not in _DOCUMENTS:  # the API's errors are trtkit's, with an exit code, even for this one
        from trtkit.errors import UsageError

        raise UsageError(f"{name} is not a result of trtkit's API",
                         "give what trtkit.inspect, lint, compare_engines, build... returned")
    module, function = _DOCUMENTS[name]
    document = getattr(importlib.import_module(module), function)(result)
    return dict(json.loads(dumps(document, indent=None)))
