"""Options shared by several subcommands, defined once so they mean the same everywhere."""


from pathlib import Path
from typing import Annotated, Optional

import typer

from trtkit.report.console import OUTPUT

JsonFlag = Annotated[bool, typer.Option("--json", help="Machine output (JSON) on stdout, nothing else there.")]
SetOption = Annotated[
    Optional[list[str]],  # noqa: UP045 - typer reads this annotation at runtime on Python 3.10
    typer.Option("--set", metavar="KEY=VALUE",
                 help="Override a config value, e.g. --set build.workspace=2GiB (repeatable)."),
]
ConfigFile = Annotated[Path, typer.Argument(metavar="CONFIG.yaml", help="Pipeline config file.")]
OptionalPath = Optional[Path]  # noqa: UP045 - typer reads these annotations at runtime on Python 3.10
OptionalText = Optional[str]  # noqa: UP045
BackendOption = Annotated[OptionalText, typer.Option("--backend", help="auto, tensorrt or tensorrt-rtx.")]


def config_flags(overrides: list[str] | None, backend: str | None) -> list[str]:
    """The --set overrides, with --backend as one more (it is the config's top-level `backend`)."""
    return [*(overrides or []), *([f"backend={backend}"] if backend else [])]


def wants_json(flag: bool) -> bool:
    """JSON output was asked for, on this subcommand or globally."""
    return flag or OUTPUT.json
