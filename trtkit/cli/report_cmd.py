"""`trtkit report`: one self-contained HTML report card of engine artifacts, with plots and the engine graph."""

from pathlib import Path
from typing import Annotated, Optional

import typer

from trtkit.cli.options import ForceOption, JsonFlag, OptionalText, output_file, wants_json


def report(
    paths: Annotated[list[Path], typer.Argument(metavar="ARTIFACTS...", help="Engine artifacts (files or folders); "
                                                                            "several engines are compared.")],
    output: Annotated[Path, typer.Option("-o", "--output", help="The HTML file to write.", metavar="FILE",
                                         parser=output_file(example="report.html"))] = Path("report.html"),
    top: Annotated[int, typer.Option("--top", min=1, help="Layers in the slowest-layers and deltas tables.")] = 50,
    query: Annotated[OptionalText, typer.Option(
        "--query", metavar="REGEX", help="Graph: only layers whose name, type or ONNX node matches.")] = None,
    beam: Annotated[OptionalText, typer.Option(
        "--beam", metavar="NODE:RADIUS", help="Graph: only layers within RADIUS tensors of layer NODE.")] = None,
    color_by: Annotated[str, typer.Option("--color-by", help="Graph nodes coloured by precision or type.")]
    = "precision",
    max_graph_nodes: Annotated[int, typer.Option(
        "--max-graph-nodes", min=1, help="Draw no graph with more layers than this (use --query/--beam).")] = 400,
    graph: Annotated[bool, typer.Option("--graph/--no-graph", help="Draw the engine graph (Graphviz dot).")] = True,
    lint: Annotated[bool, typer.Option("--lint/--no-lint", help="Run the engine lint rules for the report.")]
    = True,
    profile: Annotated[Optional[int], typer.Option(  # noqa: UP045 - typer reads this annotation at runtime on 3.10
        "--profile", min=0, help="Optimization profile to show.")] = None,
    force: ForceOption = False,
    json: JsonFlag = False,
) -> None:
    """Write a self-contained HTML report (no network needed to open it): summary, latency by type, precision,
    per-layer latency, slowest layers, reformats, timing distribution, lint findings, comparison, engine graph."""
    from trtkit.io.overwrite import check_overwrite
    from trtkit.io.paths import refuse_output_over_input
    from trtkit.orchestration.report import ReportOptions, build_report
    from trtkit.report import console

    refuse_output_over_input(output, list(paths), "report")
    check_overwrite(output, "html", force, "report")
    result = build_report(paths, output, ReportOptions(top=top, lint=lint, graph=graph, query=query, beam=beam,
                                                       color_by=color_by, max_graph_nodes=max_graph_nodes,
                                                       profile=profile))
    for note in result.graph_notes:
        console.warn(note)
    if wants_json(json):
        from trtkit.io.jsonout import emit_json
        from trtkit.report.html import report_document

        emit_json(report_document(result))
        return
    console.info(f"wrote {result.output} ({result.bytes / 1024:.0f} KiB, {len(result.engines)} engine(s), views: "
                 f"{', '.join(result.views)}) in {result.seconds:.2f} s")
