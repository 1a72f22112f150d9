"""`trtkit inspect`: what is inside engine artifacts, trtexec logs, ONNX models and other files."""


from pathlib import Path
from typing import Annotated, Optional

import typer

from trtkit.cli.options import JsonFlag, wants_json


def inspect(
    paths: Annotated[list[Path], typer.Argument(metavar="PATH...", help="Artifact files or folders of them.")],
    by: Annotated[str, typer.Option("--by", help="Group layers by: type, precision or onnx-node.")] = "type",
    top: Annotated[
        int, typer.Option("--top", min=0, help="How many layers to list: the slowest when a profile is joined, "
                                               "else the first in execution order (and reformats).")
    ] = 10,
    layers: Annotated[
        bool, typer.Option("--layers", help="List every layer (after the filters): name, type, precision, tactic, "
                                            "ONNX nodes, shapes, and ms when profiled.")
    ] = False,
    filter: Annotated[
        Optional[str],  # noqa: UP045 - typer reads this annotation at runtime on Python 3.10
        typer.Option("--filter", metavar="REGEX", help="Only layers whose name, type or ONNX node matches."),
    ] = None,
    precision: Annotated[
        Optional[str],  # noqa: UP045
        typer.Option("--precision", metavar="TYPE", help="Only layers computing in TYPE: FP32, FP16, INT8, ..."),
    ] = None,
    profile: Annotated[
        Optional[int],  # noqa: UP045
        typer.Option("--profile", min=0, help="Optimization profile to show (default: the first)."),
    ] = None,
    json: JsonFlag = False,
) -> None:
    """Show layers, latency by type and precision, slowest layers, I/O, reformats and memory of an engine
    (from its .graph.json, profiles, trtexec logs...), or what is inside an ONNX model."""
    from trtkit.io.jsonout import emit_json
    from trtkit.report.inspect import inspect_document, render_inspect
    from trtkit.stages.inspect import InspectOptions, run_inspect

    result = run_inspect(paths, InspectOptions(by=by, top=top, filter=filter, profile=profile, precision=precision))
    if wants_json(json):
        emit_json(inspect_document(result))
    else:
        render_inspect(result, by, top, all_layers=layers)
