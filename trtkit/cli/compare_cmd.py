"""`trtkit compare`: engines side by side with a regression gate, and `compare outputs` for accuracy (its own
command, with its own options and help)."""

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, Optional

import typer

from trtkit.cli.options import (
    CompareSetOption,
    ForceOption,
    JsonFlag,
    OptionalPath,
    OptionalText,
    OutputsSetOption,
    flag_overrides,
    output_file,
    wants_json,
)
from trtkit.config.choices import CompareMetric, spoken_list

if TYPE_CHECKING:
    from trtkit.config.context import StageContext
    from trtkit.config.models import CompareConfig

# the options of either command that take a value: the word after one is not a positional argument
_TAKE_VALUES = {"--baseline", "--max-regression", "--metrics", "--confidence", "--config", "--data", "--seed",
                "--shapes", "--precision", "--format", "--top", "--set", "--html", "--tensors"}


def command_for(argv: list[str]) -> Callable[..., Any]:
    """The function `trtkit compare` runs for `argv`: `compare outputs REF CAND` has its own options (and help);
    anything else compares engines."""
    positional, skip, seen_compare = [], False, False
    for word in argv:
        if skip:
            skip = False
        elif word.startswith("-"):
            skip = word in _TAKE_VALUES
        elif not seen_compare:
            seen_compare = word == "compare"
        else:
            positional.append(word)
    return compare_outputs if positional[:1] == ["outputs"] else compare


def compare(
    paths: Annotated[list[Path], typer.Argument(
        metavar="PATH...", help="Engine artifacts (files or folders); `trtkit compare outputs --help` compares "
                                "outputs.")],
    baseline: Annotated[OptionalPath, typer.Option(
        "--baseline", help="The baseline engine's artifacts: gate PATH against it.")] = None,
    max_regression: Annotated[OptionalText, typer.Option(
        "--max-regression", metavar="PERCENT", help="Regression limit, e.g. 5% (compare.max_regression).")] = None,
    metrics: Annotated[OptionalText, typer.Option(
        "--metrics", help=f"Gate metrics, comma-separated: {spoken_list(CompareMetric, 'and')} "
                         "(compare.metrics).")] = None,
    per_layer: Annotated[Optional[bool], typer.Option(  # noqa: UP045
        "--per-layer/--no-per-layer", help="Also gate aligned layers (compare.per_layer).")] = None,
    allow_missing_data: Annotated[Optional[bool], typer.Option(  # noqa: UP045
        "--allow-missing-data/--no-allow-missing-data",
        help="Pass the gate when a gated metric has no figures (compare.allow_missing_data); by default a gate "
             "with nothing to compare fails: verdict 'no data', exit 1.")] = None,
    confidence: Annotated[OptionalText, typer.Option(
        "--confidence", help="Confidence of the bootstrap interval, e.g. 0.95.")] = None,
    config: Annotated[OptionalPath, typer.Option("--config", help="Pipeline config with a compare: section.")] = None,
    output_format: Annotated[str, typer.Option("--format", help="table, json or markdown.")] = "table",
    top: Annotated[int, typer.Option("--top", min=0, help="Aligned layers to list (largest deltas).")] = 10,
    overrides: CompareSetOption = None,
    json: JsonFlag = False,
) -> None:
    """Compare engines (latency, per-type, precision, aligned layers) and gate a regression against
    --baseline; `trtkit compare outputs REF CANDIDATE` compares outputs of ONNX models or saved outputs."""
    from trtkit.config.context import StageContext
    from trtkit.config.loader import load_config
    from trtkit.errors import UsageError
    from trtkit.io.jsonout import emit_json

    output_format = "json" if wants_json(json) else output_format
    if output_format not in ("table", "json", "markdown"):
        raise UsageError(f"--format {output_format!r} is not a format", "use table, json or markdown")
    if paths and str(paths[0]) == "outputs":  # only when this command was registered without looking at argv
        raise UsageError("compare outputs is its own command here", "run it as `trtkit compare outputs REF CAND`")
    flags: list[str] = list(overrides or [])
    typed_as: dict[str, str] = {}
    for flag, key, value, typed in (
            ("--max-regression", "max_regression", max_regression, max_regression),
            ("--metrics", "metrics", f"[{metrics}]" if metrics else None, metrics),
            ("--per-layer", "per_layer", None if per_layer is None else str(per_layer).lower(), None),
            ("--allow-missing-data", "allow_missing_data",
             None if allow_missing_data is None else str(allow_missing_data).lower(), None),
            ("--confidence", "confidence", confidence, confidence)):
        shown = flag if typed is None else f"{flag} {typed}"
        if flag == "--per-layer" and per_layer is False:
            shown = "--no-per-layer"
        if flag == "--allow-missing-data" and allow_missing_data is False:
            shown = "--no-allow-missing-data"
        flag_overrides(flags, f"compare.{key}", value, shown, typed_as)
    settings = load_config(config, flags, typed_as=typed_as)
    from trtkit.report.compare import engine_document, gate_markdown, render_engines
    from trtkit.stages.compare import compare_engines

    baseline = baseline or (settings.resolve(settings.compare.baseline) if settings.compare.baseline else None)
    gate_flags = [flag for flag, value in (("--max-regression", max_regression), ("--metrics", metrics),
                                           ("--per-layer", per_layer)) if value]
    if baseline is None and gate_flags:  # without a baseline no gate runs: the flag would pass on nothing
        raise UsageError(f"{gate_flags[0]} gates against a baseline, and none was given",
                         "add --baseline BASELINE (or compare.baseline in the config)")
    comparison = compare_engines(paths, baseline, settings.compare, StageContext.for_config(settings))
    if output_format == "json":
        emit_json(engine_document(comparison))
    elif output_format == "markdown":
        typer.echo(gate_markdown(comparison), nl=False)
    else:
        render_engines(comparison, top)
    if comparison.failed:
        raise typer.Exit(1)


def compare_outputs(
    what: Annotated[str, typer.Argument(metavar="outputs", help="The word `outputs`.")],
    reference: Annotated[Path, typer.Argument(
        metavar="REFERENCE", help="The reference: an ONNX model, an engine, or saved outputs (.npz, Polygraphy "
                                  "JSON).")],
    candidate: Annotated[Path, typer.Argument(metavar="CANDIDATE", help="What to check against it, the same kinds.")],
    config: Annotated[OptionalPath, typer.Option("--config", help="Pipeline config with a compare: section "
                                                                  "(tolerances, data).")] = None,
    data: Annotated[OptionalPath, typer.Option(
        "--data", help="Inputs (.npz, folder of .npy, Polygraphy JSON) (compare.data.path); default random.")] = None,
    seed: Annotated[OptionalText, typer.Option("--seed", help="Seed of the random inputs (compare.data.seed).")]
    = None,
    shapes: Annotated[OptionalText, typer.Option(
        "--shapes", help="Input shapes for dynamic inputs, e.g. input:1x3x224x224.")] = None,
    precision: Annotated[OptionalText, typer.Option(
        "--precision", help="The candidate's precision for default tolerances (fp32, fp16, bf16, int8, fp8); "
                            "detected from an ONNX candidate.")] = None,
    layerwise: Annotated[bool, typer.Option(
        "--layerwise", help="Also compare every intermediate tensor the two ONNX models share by name, in execution "
                            "order: the first beyond tolerance, the node where the error jumps.")] = False,
    html: Annotated[OptionalPath, typer.Option(
        "--html", metavar="FILE", help="With --layerwise: also write the comparison as an HTML page.",
        parser=output_file("--html"))] = None,
    tensors: Annotated[int, typer.Option("--tensors", min=0, help="With --layerwise: tensors to list around the "
                                                                  "first beyond tolerance and the largest error "
                                                                  "jumps.")] = 10,
    output_format: Annotated[str, typer.Option("--format", help="table or json.")] = "table",
    overrides: OutputsSetOption = None,
    force: ForceOption = False,
    json: JsonFlag = False,
) -> None:
    """Compare the outputs of a candidate (a converted model, an engine) with a reference's on the same inputs;
    exit 1 when an output is beyond its tolerance."""
    from trtkit.config.context import StageContext
    from trtkit.config.loader import load_config
    from trtkit.config.units import parse_shape_spec
    from trtkit.errors import UsageError
    from trtkit.io.jsonout import emit_json
    from trtkit.report.compare import outputs_document, render_outputs
    from trtkit.stages.compare import check_precision
    from trtkit.stages.compare import compare_outputs as run_compare_outputs

    if what != "outputs":
        raise UsageError(f"{what!r} is not something compare compares", "run `trtkit compare outputs REF CAND`")
    output_format = "json" if wants_json(json) else output_format
    if output_format not in ("table", "json"):
        raise UsageError(f"--format {output_format!r} is not a format of compare outputs", "use table or json")
    flags: list[str] = list(overrides or [])
    typed_as: dict[str, str] = {}
    flag_overrides(flags, "compare.data.path", str(data) if data else None, f"--data {data}", typed_as)
    flag_overrides(flags, "compare.data.seed", seed, f"--seed {seed}", typed_as)
    settings = load_config(config, flags, typed_as=typed_as)
    try:
        spec = parse_shape_spec(shapes) if shapes else None
    except ValueError as error:
        raise UsageError(f"--shapes: {error}") from None
    context = StageContext.for_config(settings)
    check_precision(precision)  # before --html's checks and the comparison's minutes
    if layerwise:
        from trtkit.io.overwrite import check_overwrite
        from trtkit.io.paths import refuse_output_over_input

        if html is not None:  # before the comparison's minutes, not after; an input even with --force
            data_path = settings.compare.data.path
            refuse_output_over_input(html, [reference, candidate, *([data_path] if data_path else [])], "--html",
                                     artifacts_read=False)
        check_overwrite(html, "html", force, "--html page")
        _layerwise(reference, candidate, settings.compare, context, spec, precision, output_format, tensors, html)
        return
    if html is not None:
        raise UsageError("--html writes the layer-wise comparison", "add --layerwise")
    result = run_compare_outputs(reference, candidate, settings.compare, context, shapes=spec, precision=precision)
    if output_format == "table":
        render_outputs(result)
    else:
        emit_json(outputs_document(result))
    if not result.passed:
        raise typer.Exit(1)


def _layerwise(reference: Path, candidate: Path, compare_config: "CompareConfig", context: "StageContext", shapes,
               precision: str | None, output_format: str, top: int, html: Path | None) -> None:
    from trtkit.io.jsonout import emit_json
    from trtkit.report.layerwise import layerwise_document, render_layerwise
    from trtkit.stages.layerwise import compare_layerwise

    result = compare_layerwise(reference, candidate, compare_config, context, shapes=shapes, precision=precision)
    if html is not None:
        from trtkit.io.atomic import write_text_atomic
        from trtkit.report import console
        from trtkit.report.layerwise_html import render_layerwise_html

        write_text_atomic(html, render_layerwise_html(result))
        console.info(f"HTML: {html}")
    if output_format == "table":
        render_layerwise(result, top)
    else:
        emit_json(layerwise_document(result))
    if not result.passed:
        raise typer.Exit(1)
