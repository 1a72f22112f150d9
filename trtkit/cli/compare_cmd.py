"""`trtkit compare`: engines side by side with a regression gate, and `compare outputs` for accuracy."""

from pathlib import Path
from typing import Annotated, Optional

import typer

from trtkit.cli.options import JsonFlag, OptionalPath, OptionalText, SetOption, wants_json


def compare(
    paths: Annotated[list[Path], typer.Argument(
        metavar="PATH...", help="Engine artifacts (files or folders), or: outputs REFERENCE CANDIDATE.")],
    baseline: Annotated[OptionalPath, typer.Option(
        "--baseline", help="The baseline engine's artifacts: gate PATH against it.")] = None,
    max_regression: Annotated[OptionalText, typer.Option(
        "--max-regression", metavar="PERCENT", help="Regression limit, e.g. 5% (compare.max_regression).")] = None,
    metrics: Annotated[OptionalText, typer.Option(
        "--metrics", help="Gate metrics, comma-separated: median, mean, p90, p95, p99, throughput.")] = None,
    per_layer: Annotated[Optional[bool], typer.Option(  # noqa: UP045
        "--per-layer/--no-per-layer", help="Also gate aligned layers (compare.per_layer).")] = None,
    confidence: Annotated[OptionalText, typer.Option(
        "--confidence", help="Confidence of the bootstrap interval, e.g. 0.95.")] = None,
    config: Annotated[OptionalPath, typer.Option("--config", help="Pipeline config with a compare: section.")] = None,
    data: Annotated[OptionalPath, typer.Option(
        "--data", help="outputs: inputs (.npz, folder of .npy, Polygraphy JSON); default random.")] = None,
    seed: Annotated[OptionalText, typer.Option("--seed", help="outputs: seed of the random inputs.")] = None,
    shapes: Annotated[OptionalText, typer.Option(
        "--shapes", help="outputs: input shapes for dynamic inputs, e.g. input:1x3x224x224.")] = None,
    precision: Annotated[OptionalText, typer.Option(
        "--precision", help="outputs: the candidate's precision for default tolerances (fp32, fp16, bf16, int8, "
                            "fp8); detected from an ONNX candidate.")] = None,
    layerwise: Annotated[bool, typer.Option(
        "--layerwise", help="outputs: also compare every intermediate tensor the two ONNX models share by name, "
                            "in execution order: the first beyond tolerance, the node where the error jumps.")] = False,
    html: Annotated[OptionalPath, typer.Option(
        "--html", metavar="FILE", help="outputs --layerwise: also write the comparison as an HTML page.")] = None,
    output_format: Annotated[str, typer.Option("--format", help="table, json or markdown.")] = "table",
    top: Annotated[int, typer.Option("--top", min=0, help="Aligned layers to list (largest deltas).")] = 10,
    overrides: SetOption = None,
    json: JsonFlag = False,
) -> None:
    """Compare engines (latency, per-type, precision, aligned layers) and gate a regression against
    --baseline; or `trtkit compare outputs REF CANDIDATE` to compare outputs of ONNX models or saved outputs."""
    from trtkit.config.loader import load_config
    from trtkit.config.units import parse_shape_spec
    from trtkit.errors import UsageError
    from trtkit.report.jsonout import emit_json

    output_format = "json" if wants_json(json) else output_format
    if output_format not in ("table", "json", "markdown"):
        raise UsageError(f"--format {output_format!r} is not a format", "use table, json or markdown")
    flags = list(overrides or [])
    for key, value in (("max_regression", max_regression), ("metrics", f"[{metrics}]" if metrics else None),
                       ("per_layer", None if per_layer is None else str(per_layer).lower()),
                       ("confidence", confidence), ("data.path", str(data) if data else None), ("data.seed", seed)):
        if value is not None:
            flags.append(f"compare.{key}={value}")
    settings = load_config(config, flags)
    base_dir = settings.resolve(".") if config else Path.cwd()
    if paths and str(paths[0]) == "outputs":
        if len(paths) != 3:
            raise UsageError("compare outputs takes a reference and a candidate", "trtkit compare outputs REF CAND")
        from trtkit.report.compare import outputs_document, render_outputs
        from trtkit.stages.compare import compare_outputs

        try:
            spec = parse_shape_spec(shapes) if shapes else None
        except ValueError as error:
            raise UsageError(f"--shapes: {error}") from None
        if layerwise:
            _layerwise(paths[1], paths[2], settings.compare, spec, precision, base_dir, output_format, top, html)
            return
        if html is not None:
            raise UsageError("--html writes the layer-wise comparison", "add --layerwise")
        result = compare_outputs(paths[1], paths[2], settings.compare, spec, precision, base_dir)
        if output_format == "table":
            render_outputs(result)
        else:
            emit_json(outputs_document(result))
        if not result.passed:
            raise typer.Exit(1)
        return
    if layerwise or html is not None:
        raise UsageError("--layerwise (and its --html) compares the tensors of two models",
                         "trtkit compare outputs REF CAND --layerwise")
    from trtkit.report.compare import engine_document, gate_markdown, render_engines
    from trtkit.stages.compare import compare_engines

    baseline = baseline or (settings.resolve(settings.compare.baseline) if settings.compare.baseline else None)
    result = compare_engines(paths, baseline, settings.compare)
    if output_format == "json":
        emit_json(engine_document(result))
    elif output_format == "markdown":
        typer.echo(gate_markdown(result), nl=False)
    else:
        render_engines(result, top)
    if result.regressed:
        raise typer.Exit(1)


def _layerwise(reference: Path, candidate: Path, compare_config, shapes, precision: str | None, base_dir: Path,
               output_format: str, top: int, html: Path | None) -> None:
    from trtkit.report.jsonout import emit_json
    from trtkit.report.layerwise import layerwise_document, render_layerwise
    from trtkit.stages.layerwise import compare_layerwise

    result = compare_layerwise(reference, candidate, compare_config, shapes, precision, base_dir)
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
