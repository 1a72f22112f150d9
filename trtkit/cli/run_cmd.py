"""`trtkit run`: the pipeline of a config, stage by stage, redoing only what changed."""

from typing import Annotated

import typer

from trtkit.cli.options import ConfigFile, JsonFlag, OptionalText, RunSetOption, wants_json


def _stage_list(value: str | None) -> list[str] | None:
    return None if value is None else [item.strip() for item in value.split(",") if item.strip()]


def run(
    config: ConfigFile,
    stages: Annotated[OptionalText, typer.Option(
        "--stages", help="Only these stages, comma-separated (default: run.stages of the config).")] = None,
    start: Annotated[OptionalText, typer.Option("--from", metavar="STAGE", help="Start at this stage.")] = None,
    until: Annotated[OptionalText, typer.Option("--until", metavar="STAGE", help="Stop after this stage.")] = None,
    force: Annotated[bool, typer.Option("--force", help="Redo every selected stage, changed or not.")] = False,
    overrides: RunSetOption = None,
    json: JsonFlag = False,
) -> None:
    """Run convert, build, profile, inspect, lint and compare from one config; stages whose inputs, config and
    tools are unchanged are not redone. Exit code: the worst of the stages (lint and compare gates included)."""
    from trtkit.config.context import StageEvents
    from trtkit.io.jsonout import emit_json
    from trtkit.orchestration.run import RunOptions, run_pipeline
    from trtkit.report import console
    from trtkit.report.run import RunDisplay, render_run, run_document

    as_json = wants_json(json)
    display = RunDisplay(enabled=not console.OUTPUT.quiet)
    try:
        result = run_pipeline(config, RunOptions(_stage_list(stages), start, until, force), overrides or [],
                              on_stage=display.stage, events=StageEvents(on_phase=display.phase, on_step=display.step),
                              on_wait=lambda: console.info(f"waiting for another trtkit run on the work directory "
                                                           f"of {config}"))
    finally:
        display.close()
    if as_json:
        emit_json(run_document(result))
    else:
        render_run(result)
    if result.exit_code:
        raise typer.Exit(result.exit_code)
