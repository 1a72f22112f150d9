"""`trtkit migrate`: a trtexec command line (or the one in a trtexec log) turned into a pipeline config."""

from typing import Annotated

import typer

from trtkit.cli.options import ConfigForceOption, JsonFlag, OptionalPath, OptionalText, output_file, wants_json


def migrate(
    command: Annotated[OptionalText, typer.Argument(
        metavar='"trtexec ..."', help="The trtexec command line, quoted as one argument.")] = None,
    log: Annotated[OptionalPath, typer.Option(
        "--log", help="Take the command line from a trtexec log (its &&&& RUNNING line).")] = None,
    output: Annotated[OptionalPath, typer.Option(
        "-o", "--output", help="Write the config here (atomically); paths are made relative to it.",
        metavar="FILE", parser=output_file())] = None,
    target: Annotated[str, typer.Option(
        "--target", help="11 (default): weak typing becomes convert:; 10: keep it in build: (TensorRT 10.x).")]
    = "11",
    force: ConfigForceOption = False,
    json: JsonFlag = False,
) -> None:
    """Write a trtkit pipeline config equivalent to a trtexec command line (TensorRT 7.x-11.x syntax); options
    TensorRT 11 removed become their replacement, options trtkit has no place for are listed, never dropped."""
    from trtkit import __version__
    from trtkit.config.migrate import command_from_log, migrate, to_yaml
    from trtkit.errors import InputFileError, UsageError
    from trtkit.report import console

    if target not in ("10", "11"):
        raise UsageError(f"--target {target!r} is not a TensorRT version trtkit migrates to", "use 10 or 11")
    if (command is None) == (log is None):
        raise UsageError("migrate needs one command line", 'give "trtexec ..." or --log TRTEXEC.log')
    version = None
    if log is not None:
        from trtkit.io.paths import require_regular_file

        require_regular_file(log, "log")  # a FIFO would block the read, /dev/zero never end it
        try:
            command, version = command_from_log(log.read_text(encoding="utf-8", errors="replace"))
        except OSError as error:
            raise InputFileError(f"cannot read log {log}: {error.strerror or error}", "check the file") from None
        except ValueError as error:
            raise InputFileError(f"{log}: {error}", "give the command line itself instead") from None
    from trtkit.io.overwrite import check_overwrite

    if output is not None:
        from trtkit.io.paths import refuse_output_over_input

        # even with --force
        refuse_output_over_input(output, [log] if log is not None else [], "config output", artifacts_read=False)
    check_overwrite(output, "config", force, "config output")
    base = str(output.resolve().parent) if output is not None else None
    assert command is not None  # given, or read from the log above
    migration = migrate(command, version, base, target)
    text = to_yaml(migration, __version__)
    if migration.get("model") is None and migration.get("profile.engine") is None:
        if migration.legacy_input:
            raise UsageError(f"the command line reads a Caffe, UFF or implicit-batch model "
                             f"({' '.join(migration.legacy_input[:2])}), which TensorRT 10 removed",
                             "export the model to ONNX and migrate `trtexec --onnx=model.onnx ...`")
        raise UsageError("the command line names no model (--onnx) and no engine (--loadEngine)",
                         "give a trtexec command line that builds or runs something")
    from trtkit.config.loader import parse_yaml, validate_config

    # a config trtkit cannot read is never written, nor printed
    validate_config(*parse_yaml(text, str(output) if output is not None else "the migrated config"))
    if output is not None:
        from trtkit.io.atomic import write_text_atomic

        write_text_atomic(output, text)
    if wants_json(json):
        from trtkit.io.jsonout import document, emit_json

        emit_json(document("migrate", {"command": migration.command, "trtexec_version": version,
                                       "config": migration.data, "yaml": text, "removed": migration.removed,
                                       "unknown": migration.unknown, "output": str(output) if output else None}))
        return
    if output is None:
        typer.echo(text, nl=False)
    else:
        console.info(f"wrote {output}")
    for item in migration.removed:
        console.info(f"replaced (removed in TensorRT 11): {item}")
    for option in migration.unknown:
        console.warn(f"not migrated: {option} (listed at the end of the config)")
