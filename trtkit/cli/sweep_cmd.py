"""`trtkit sweep`: a matrix of conversions, builds and profiles from the `sweep:` section, run in parallel on this
machine's CPUs and GPUs or on Ray, gathered into one comparison."""

from typing import Annotated, Optional

import typer

from trtkit.cli.options import ConfigFile, JsonFlag, SweepSetOption, wants_json


def sweep(
    config: ConfigFile,
    ray: Annotated[Optional[bool], typer.Option(  # noqa: UP045 - typer reads this annotation at runtime on 3.10
        "--ray/--local", help="Run on Ray (a local instance, or sweep.ray_address) or on this machine "
                              "(default: sweep.executor).")] = None,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="List the points (validated); run nothing.")] = False,
    overrides: SweepSetOption = None,
    json: JsonFlag = False,
) -> None:
    """Run every point of the sweep (axes x include - exclude) through the pipeline; one table of latency,
    throughput, engine size, build time, accuracy against FP32 and lint errors, with the Pareto front marked.
    Running it again resumes: finished work is not redone."""
    from trtkit.io.jsonout import emit_json
    from trtkit.orchestration.sweep import plan_points, run_sweep
    from trtkit.report import console
    from trtkit.report.sweep import SweepProgress, render_sweep, sweep_document

    if dry_run:
        _, points, root = plan_points(config, overrides or [])
        if wants_json(json):
            from trtkit.io.jsonout import document

            emit_json(document("sweep-plan", {"workdir": str(root), "points": [
                {"name": point.name, "values": point.values, "convert_group": point.convert_group,
                 "workdir": str(point.workdir)} for point in points]}))
        else:
            console.out().print(console.table(f"{len(points)} points in {root}", ["point", "values", "conversion"],
                                              [(point.name, ", ".join(f"{key}={value}" for key, value in
                                                                      point.values.items()),
                                                point.convert_group or "") for point in points]))
        return
    executor = None if ray is None else ("ray" if ray else "local")
    with SweepProgress(enabled=not console.OUTPUT.quiet) as progress:
        result = run_sweep(config, overrides or [], executor, on_event=progress.event)
    if wants_json(json):
        emit_json(sweep_document(result))
    else:
        render_sweep(result)
    if result.exit_code:
        raise typer.Exit(result.exit_code)
