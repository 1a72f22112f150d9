"""`trtkit debug`: searches that find what to change, like Polygraphy's `debug` tools; `debug precision` finds the
nodes to keep in FP32."""

from typing import Annotated

import typer

from trtkit.cli.options import (
    ConfigForceOption,
    JsonFlag,
    OptionalPath,
    OptionalText,
    SetOption,
    output_file,
    wants_json,
)

debug_app = typer.Typer(help="Searches that find what to change: `debug precision` (nodes to keep in FP32).",
                        no_args_is_help=True, rich_markup_mode=None)


@debug_app.command("precision")
def precision(
    model: Annotated[OptionalPath, typer.Argument(metavar="MODEL.onnx", help="The FP32 model (default: the "
                                                                            "config's model).")] = None,
    config: Annotated[OptionalPath, typer.Option("--config", help="Pipeline config: its convert: section (data, "
                                                 "tolerances, shapes, keep lists) is searched.")] = None,
    precision_type: Annotated[OptionalText, typer.Option(
        "--precision", help="fp16 or bf16 (convert.precision; default fp16 when the config says fp32).")] = None,
    quantize: Annotated[OptionalText, typer.Option(
        "--quantize", help="int8 or fp8: search the nodes to leave out of quantization (convert.quantize.mode).")]
    = None,
    data: Annotated[OptionalPath, typer.Option("--data", help="Inputs (.npz, folder of .npy, Polygraphy JSON); "
                                               "default random.")] = None,
    shapes: Annotated[OptionalText, typer.Option("--shapes", help="Fix input shapes, e.g. input:1x3x224x224.")]
    = None,
    max_trials: Annotated[int, typer.Option("--max-trials", min=2, help="Conversions to try at most.")] = 40,
    time_limit: Annotated[OptionalText, typer.Option("--time-limit", help="Stop searching after this long, e.g. "
                                                     "60s (the best set found so far is kept).")] = None,
    write_config: Annotated[OptionalPath, typer.Option(
        "--write-config", metavar="FILE", parser=output_file("--write-config"),
        help="Add the found nodes to convert.keep_fp32_nodes of this config "
             "(created when missing); for --quantize, write a new config with "
                                               "convert.quantize.exclude_nodes.")] = None,
    overrides: SetOption = None,
    force: ConfigForceOption = False,
    json: JsonFlag = False,
) -> None:
    """Find the smallest set of nodes to keep in FP32 so the FP16/BF16 conversion meets its tolerances, or to leave
    out of INT8/FP8 quantization (--quantize): nodes ranked by the error they add, bisection, then pruning; each
    trial a real conversion run in the runner that verifies it. Exit 1 when no set meets them."""
    from trtkit.config.context import StageContext
    from trtkit.config.loader import load_config
    from trtkit.config.units import parse_duration
    from trtkit.errors import UsageError
    from trtkit.io.jsonout import emit_json
    from trtkit.report.debug_precision import precision_document, render_precision, render_trial
    from trtkit.stages.debug_precision import debug_precision

    flags = list(overrides or [])
    for key, value in (("precision", precision_type), ("quantize.mode", quantize),
                       ("data.path", str(data) if data else None), ("input_shapes", shapes)):
        if value is not None:
            flags.append(f"convert.{key}={value}")
    settings = load_config(config, flags)
    if settings.convert.precision == "fp32" and precision_type is None and settings.convert.quantize is None:
        settings.convert.precision = "fp16"
    if write_config is not None:  # before the search, not after minutes of it (README: overwriting)
        if settings.convert.quantize is not None:  # a new config, as migrate writes one
            from trtkit.io.overwrite import check_overwrite

            check_overwrite(write_config, "config", force, "--write-config of a quantization search")
        else:  # a config edited on purpose: its keep list added, the rest kept
            from trtkit.config.keep_nodes import check_config_to_edit

            check_config_to_edit(write_config)
    if model is None:
        if settings.model is None:
            raise UsageError("debug precision needs a model", "give MODEL.onnx or a --config with model:")
        model = settings.resolve(settings.model)
    if write_config is not None:  # before the search: a path it cannot write would waste every trial
        from trtkit.io.paths import refuse_non_regular_output, refuse_output_over_input

        refuse_non_regular_output(write_config, "--write-config")
        refuse_output_over_input(write_config, [model], "--write-config", artifacts_read=False)
    try:
        limit = parse_duration(time_limit) if time_limit else None
    except ValueError as error:
        raise UsageError(f"--time-limit: {error}") from None
    result = debug_precision(model, settings.convert, StageContext.for_config(settings),
                             profile_shapes=settings.first_opt_shapes(), max_trials=max_trials, time_limit=limit,
                             progress=render_trial)
    written = None
    if result.found and result.kept and write_config is not None:  # nothing to keep: nothing to write
        from trtkit.config.keep_nodes import add_keep_fp32_nodes
        from trtkit.report.debug_precision import config_comments

        why, notes = config_comments(result)
        written = str(write_config)
        if settings.convert.quantize is not None:
            from trtkit.config.keep_nodes import write_exclusions

            write_exclusions(write_config, result.patterns, settings.convert.quantize.mode, why, notes,
                             str(model.resolve()), replace=force)
        else:
            add_keep_fp32_nodes(write_config, result.patterns, result.precision, why, notes, str(model.resolve()))
    if wants_json(json):
        emit_json(precision_document(result, written))
    else:
        render_precision(result, written)
    if not result.found:
        raise typer.Exit(1)
