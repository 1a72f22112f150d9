"""`trtkit build`: an ONNX model to a TensorRT engine, from the `build:` section of a config and flags."""

from typing import Annotated

import typer

from trtkit.cli.options import (
    BackendOption,
    ForceOption,
    JsonFlag,
    OptionalPath,
    OptionalText,
    SetOption,
    config_flags,
    flag_overrides,
    output_file,
    wants_json,
)


def build(
    model: Annotated[OptionalPath, typer.Argument(metavar="MODEL.onnx", help="Model to build (default: the "
                                                                            "config's model).")] = None,
    output: Annotated[OptionalPath, typer.Option(
        "-o", "--output", metavar="FILE", parser=output_file(), help="Engine path (build.output; default "
                                                                      "<workdir>/<name>.engine).")] = None,
    config: Annotated[OptionalPath, typer.Option("--config", help="Pipeline config with a build: section.")] = None,
    backend: BackendOption = None,
    shapes: Annotated[OptionalText, typer.Option(
        "--shapes", help="One optimization profile with min=opt=max, e.g. input:1x3x224x224.")] = None,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Parse and validate, print the network and every "
                                                            "build option; build nothing.")] = False,
    overrides: SetOption = None,
    force: ForceOption = False,
    json: JsonFlag = False,
) -> None:
    """Build an engine; writes <engine>, .graph.json, .build.metadata.json and .build.log beside it."""
    from dataclasses import replace

    from trtkit.cli.app import skip_teardown
    from trtkit.config.context import StageContext, StageEvents
    from trtkit.config.loader import load_config
    from trtkit.errors import UsageError
    from trtkit.io.jsonout import emit_json
    from trtkit.report import console
    from trtkit.report.build import BuildProgress, build_document, builder_log_echo, render_build
    from trtkit.stages.build import ParseFailed, build_engine

    typed_as: dict[str, str] = {}
    flags = config_flags(overrides, backend, typed_as)
    for key in ("min", "opt", "max"):
        flag_overrides(flags, f"build.profiles.shapes.{key}", shapes, f"--shapes {shapes}", typed_as)
    settings = load_config(config, flags, typed_as=typed_as)
    if model is None:
        if settings.model is None:
            raise UsageError("build needs a model", "give MODEL.onnx or a --config with model:")
        model = settings.resolve(settings.model)
    engine = output or settings.engine_path(model)
    if not dry_run:
        from trtkit.io.overwrite import check_overwrite

        check_overwrite(engine, "engine", force, "engine output")
    as_json = wants_json(json)
    try:
        with BuildProgress(enabled=not as_json and not console.OUTPUT.quiet and not dry_run) as progress:
            events = StageEvents(on_phase=progress.phase, on_step=progress.step, on_log=builder_log_echo())
            if not as_json:  # the tables' imports, made while TensorRT builds
                events = replace(events, while_building=console.import_rich)
            result = build_engine(model, engine, settings.build, StageContext.for_config(settings, events),
                                  dry_run=dry_run)
    except ParseFailed as failure:  # every parser error, as a table (or JSON), then the one-line error
        from trtkit.report.build import render_parser_errors

        if as_json:
            from trtkit.report.build import parse_failure_document

            emit_json(parse_failure_document(str(model), failure.problems))
        else:
            render_parser_errors(failure.problems)
        raise
    if as_json:
        emit_json(build_document(result))
    else:
        render_build(result)
    skip_teardown()  # every file is written and closed; nothing registered to run at exit
