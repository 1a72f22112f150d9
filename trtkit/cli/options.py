"""Options shared by several subcommands, defined once so they mean the same everywhere."""


from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any, Optional

import typer

from trtkit.config.choices import Backend, spoken_list
from trtkit.report.console import OUTPUT

JsonFlag = Annotated[bool, typer.Option("--json", help="Machine output (JSON) on stdout, nothing else there.")]


def _set_option(example: str) -> Any:
    """The --set option, its help showing `example`: a key of the section the subcommand reads."""
    return typer.Option("--set", metavar="KEY=VALUE", help=f"Override a config value, e.g. --set {example} "
                                                           "(repeatable).")


Overrides = Optional[list[str]]  # noqa: UP045 - typer reads this annotation at runtime on Python 3.10
SetOption = Annotated[Overrides, _set_option("build.workspace=2GiB")]
ConvertSetOption = Annotated[Overrides, _set_option("convert.opset=17")]
ProfileSetOption = Annotated[Overrides, _set_option("profile.iterations=500")]
LintSetOption = Annotated[Overrides, _set_option("lint.fail_on=warning")]
CompareSetOption = Annotated[Overrides, _set_option("compare.max_regression=5%")]
OutputsSetOption = Annotated[Overrides, _set_option('compare.tolerances={"*": {atol: 0.05, rtol: 0.01}}')]
RunSetOption = Annotated[Overrides, _set_option("run.stages=[convert,build]")]
SweepSetOption = Annotated[Overrides, _set_option("sweep.workers=2")]
ConfigFile = Annotated[Path, typer.Argument(metavar="CONFIG.yaml", help="Pipeline config file.")]
OptionalPath = Optional[Path]  # noqa: UP045 - typer reads these annotations at runtime on Python 3.10
OptionalText = Optional[str]  # noqa: UP045
BackendOption = Annotated[OptionalText, typer.Option("--backend", help=f"{spoken_list(Backend)}.")]
ForceOption = Annotated[bool, typer.Option("--force", help="Replace an existing output file that is not this "
                                                           "command's own kind of output (README: overwriting).")]
ConfigForceOption = Annotated[bool, typer.Option("--force", help="Replace an existing output file (a config is "
                                                                 "edited by hand: never replaced without it).")]


def config_flags(overrides: list[str] | None, backend: str | None,
                 typed_as: dict[str, str] | None = None) -> list[str]:
    """The --set overrides, with --backend as one more (it is the config's top-level `backend`); `typed_as`
    learns how --backend was typed (see `flag_overrides`)."""
    flags = list(overrides or [])
    flag_overrides(flags, "backend", backend or None, f"--backend {backend}", {} if typed_as is None else typed_as)
    return flags


def flag_overrides(flags: list[str], key: str, value: str | None, typed: str,
                   typed_as: dict[str, str]) -> None:
    """Add the override `key=value` a flag stands for (nothing when the flag was not given), remembering in
    `typed_as` how the user typed it (`typed`, e.g. "--max-regression lots") so its errors name the flag."""
    if value is None:
        return
    override = f"{key}={value}"
    flags.append(override)
    typed_as[override] = typed


def wants_json(flag: bool) -> bool:
    """JSON output was asked for, on this subcommand or globally."""
    return flag or OUTPUT.json


def output_file(option: str = "-o/--output", example: str | None = None) -> Callable[[Any], Path]:
    """The parser of an option naming a file the command writes (-o/--output, --html, --write-config): it refuses,
    exit 2, a path spelled as a directory (`out/`), which pathlib would turn into a file named `out`. `option`
    names the option in the error; `example` is the file name suggested inside such a directory (the command's
    default name), when it has one. Use with metavar="FILE" (a parser's own metavar reads FUNCTION)."""
    from trtkit.io.paths import refuse_directory_name

    def parse(value: Any) -> Path:
        return refuse_directory_name(value, option, example)

    return parse
