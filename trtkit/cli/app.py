"""The `trtkit` command: global options, subcommand registration, and errors turned into exit codes."""


import os
import sys
from typing import Annotated, Optional

import typer

from trtkit import __version__
from trtkit.errors import EXIT_BAD_INPUT, EXIT_INTERNAL, EXIT_OUTPUT_CLOSED, ConfigError, TrtkitError
from trtkit.report import console

app = typer.Typer(
    name="trtkit",
    help="The ONNX -> TensorRT engine pipeline in one tool: convert, build, profile, inspect, lint, compare; "
         "run does them all from one config.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,  # plain help: typer's rich help costs ~0.1 s of imports on every --help
    context_settings={"help_option_names": ["-h", "--help"]},
)


def _show_version(value: bool) -> None:
    if value:
        typer.echo(f"trtkit {__version__}")
        raise typer.Exit()


@app.callback()
def global_options(
    json: Annotated[bool, typer.Option("--json", help="Machine output (JSON) on stdout; logs go to stderr.")] = False,
    quiet: Annotated[bool, typer.Option("-q", "--quiet", help="Only results, warnings and errors.")] = False,
    verbose: Annotated[int, typer.Option("-v", "--verbose", count=True, help="More detail on stderr (-vv: more).")] = 0,
    no_color: Annotated[bool, typer.Option("--no-color", help="No colours (also honours NO_COLOR).")] = False,
    debug: Annotated[bool, typer.Option("--debug", help="Show tracebacks of errors.")] = False,
    version: Annotated[
        Optional[bool],  # noqa: UP045 - typer reads this annotation at runtime on Python 3.10
        typer.Option("--version", callback=_show_version, is_eager=True, help="Print the version and exit."),
    ] = None,
) -> None:
    """Global options apply to every subcommand and come before it: `trtkit --json doctor`."""
    console.configure(json=json, quiet=quiet, verbose=verbose, color=not no_color, debug=debug)


# the subcommands, in the order `trtkit --help` lists them: name -> its module in trtkit.cli
_COMMANDS = {"convert": "convert_cmd", "build": "build_cmd", "profile": "profile_cmd", "inspect": "inspect_cmd",
             "lint": "lint_cmd", "compare": "compare_cmd", "report": "report_cmd", "run": "run_cmd",
             "sweep": "sweep_cmd", "migrate": "migrate_cmd", "doctor": "doctor_cmd", "config": "config_cmd",
             "debug": "debug_cmd"}
_GROUPS = ("config", "debug")  # subcommands with subcommands of their own: a typer app `<name>_app`


def register(names: list[str] | None = None, argv: list[str] | None = None) -> None:
    """Register `names` (default: every subcommand) on `app`, and no other; `main` does this before each run. A
    run that names its subcommand imports only that one's module and makes only it into a click command (all of
    them cost ~0.01 s more on every run). A module with `command_for(argv)` picks its function from the command
    line (`compare outputs` has its own options)."""
    import importlib

    app.registered_commands.clear()
    app.registered_groups.clear()
    for name, module_name in _COMMANDS.items():
        if names is not None and name not in names:
            continue
        module = importlib.import_module(f"trtkit.cli.{module_name}")
        if name in _GROUPS:
            app.add_typer(getattr(module, f"{name}_app"), name=name)
        else:
            pick = getattr(module, "command_for", None)
            app.command(name)(pick(argv or []) if pick is not None else getattr(module, name))


def _named_command(argv: list[str]) -> str | None:
    """The subcommand `argv` runs, when it names one: the first word that is not an option (the global options
    take no values). None for `--help`, `--version` or a word that is no subcommand: all are registered then."""
    for word in argv:
        if word == "--":
            return None
        if not word.startswith("-"):
            return word if word in _COMMANDS else None
    return None


class _Teardown:
    """Whether the interpreter's teardown can be skipped when the command is done (see `skip_teardown`)."""

    skippable = False


def skip_teardown() -> None:
    """Called by a command that leaves nothing for the interpreter's teardown to do (no atexit work such as Ray's,
    every file closed): when trtkit is the process, it then ends at once after flushing its output. Freeing
    TensorRT and ~400 modules one by one costs 0.08-0.15 s of a TensorRT-RTX build of ResNet-18
    (bench/README.md)."""
    _Teardown.skippable = True


def main(argv: list[str] | None = None) -> None:
    """Entry point of the console script and `python -m trtkit` (argv None: the process is trtkit's own)."""
    own_process = argv is None
    if own_process:  # native libraries' output can then be kept off the terminal without losing trtkit's own
        from trtkit.backends.quiet import separate_python_stderr

        separate_python_stderr()
    _Teardown.skippable = False
    words = sys.argv[1:] if argv is None else argv
    command = _named_command(words)
    register([command] if command else None, [str(word) for word in words])
    stdout_before = sys.stdout
    try:
        app(args=argv, prog_name="trtkit")
    except SystemExit as done:  # how typer ends every command
        if done.code == EXIT_OUTPUT_CLOSED or sys.stdout is not stdout_before or not _flushed(sys.stdout):
            # click swaps in its own stdout after a broken pipe and exits 1, the "check failed" code
            _end_with_output_closed(own_process)
        if own_process and isinstance(done.code, int) and _Teardown.skippable:
            _exit_at_once(done.code)
        raise
    except ConfigError as error:
        _report_traceback()
        for line in error.lines():
            console.error_line(line)
        code = error.exit_code
    except TrtkitError as error:
        _report_traceback()
        console.error_line(error.one_line())
        code = error.exit_code
    except OSError as error:  # a write the file system refused outside trtkit's writers (a library's own file)
        from trtkit.io.atomic import WRITE_ERRNOS, write_error

        if error.errno not in WRITE_ERRNOS:
            code = _internal_error(error)
        else:
            _report_traceback()
            console.error_line(write_error(error.filename or "a file", error).one_line())
            code = EXIT_BAD_INPUT
    except KeyboardInterrupt:
        console.error_line("interrupted; nothing half-written was left behind")
        code = 130
    except Exception as error:  # a bug in trtkit, not in the user's input
        code = _internal_error(error)
    else:
        return
    sys.exit(code)


def _internal_error(error: Exception) -> int:
    _report_traceback()
    console.error_line(
        f"internal error: {type(error).__name__}: {error}; rerun with --debug and report it with the traceback")
    return EXIT_INTERNAL


def _flushed(stream: object) -> bool:
    """Whether `stream` took the rest of its output; False when its reader is gone (`trtkit ... | head -1`)."""
    try:
        stream.flush()  # type: ignore[attr-defined]
    except BrokenPipeError:
        return False
    except (OSError, ValueError, AttributeError):  # closed or not a file: nothing is lost to a reader here
        return True
    return True


def _end_with_output_closed(own_process: bool) -> None:
    """End quietly with 141 (128 + SIGPIPE): the reader of stdout went away, which is neither a failed check
    nor an error to report."""
    try:
        console.stdout_closed()
    except SystemExit:
        if own_process:
            _exit_at_once(EXIT_OUTPUT_CLOSED)
        raise


def _exit_at_once(code: int) -> None:
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)


def _report_traceback() -> None:
    if console.OUTPUT.debug:
        import traceback

        traceback.print_exc(file=sys.stderr)
