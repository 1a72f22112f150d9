"""Where output goes: results on stdout, logs and progress on stderr, both through Rich.

The CLI's global options set `OUTPUT` (trtkit.io.output_settings) once; everything else asks it.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any

from trtkit.io.output_settings import OUTPUT

if TYPE_CHECKING:
    from rich.console import Console

    from trtkit.report.table_fit import FittingTable


_consoles: dict[str, Console] = {}


def configure(**settings: Any) -> None:
    """Set the output settings and drop consoles made under the old ones."""
    for key, value in settings.items():
        setattr(OUTPUT, key, value)
    _consoles.clear()


def _console(stream: str) -> Console:
    if stream not in _consoles:
        from rich.console import Console

        no_color = not OUTPUT.color or "NO_COLOR" in os.environ
        file = sys.stderr if stream == "err" else sys.stdout
        if getattr(file, "errors", None) == "strict" and hasattr(file, "reconfigure"):
            # a file name that is not UTF-8 (a lone surrogate in Python) is printed escaped, not a crash
            file.reconfigure(errors="backslashreplace")
        _consoles[stream] = Console(
            file=file,
            no_color=no_color,
            highlight=False,
            soft_wrap=False,
        )
        # Rich's own answer to a closed pipe exits 1, which reads as "the check failed"
        _consoles[stream].on_broken_pipe = stdout_closed  # type: ignore[method-assign]
    return _consoles[stream]


def stdout_closed() -> None:
    """Stdout's reader went away (`trtkit ... | head -1`): send what is left to /dev/null, so that nothing fails
    again at exit, and end quietly with 141 (128 + SIGPIPE), as other command-line tools do."""
    from trtkit.errors import EXIT_OUTPUT_CLOSED

    try:
        with open(os.devnull, "w") as devnull:
            os.dup2(devnull.fileno(), sys.stdout.fileno())
    except (OSError, ValueError, AttributeError):  # not a real file (a test's captured output): nothing to redirect
        pass
    raise SystemExit(EXIT_OUTPUT_CLOSED)


def import_rich() -> None:
    """Import what printing tables needs, ahead of time (from a thread that has the time, such as `build`'s
    helper while TensorRT builds)."""
    import rich.console
    import rich.markup
    import rich.table  # noqa: F401


def out() -> Console:
    """The console for results (stdout)."""
    return _console("out")


def err() -> Console:
    """The console for logs, warnings and progress (stderr)."""
    return _console("err")


def info(message: str) -> None:
    """A progress or status line on stderr, hidden by --quiet."""
    if not OUTPUT.quiet:
        err().print(message)


def detail(message: str) -> None:
    """A line shown only with --verbose."""
    if OUTPUT.verbose and not OUTPUT.quiet:
        err().print(f"[dim]{message}[/dim]")


def warn(message: str) -> None:
    """A warning on stderr, shown even with --quiet."""
    err().print(f"[yellow]warning:[/yellow] {message}", markup=True)


def error_line(message: str) -> None:
    """The one line a user error prints, on stderr."""
    from rich.markup import escape

    err().print(f"[bold red]error:[/bold red] {escape(message)}", soft_wrap=True)


def table(title: str | None, columns: Sequence[str], rows: Iterable[Sequence[Any]],
          right_align: Iterable[str] = (), optional: Sequence[str] = (), prose: Iterable[str] = ()) -> FittingTable:
    """A table with the given header (none when every column name is empty); cells are Rich markup, None an empty
    cell. It fits the width it is printed at without cutting a value: `optional` names the columns it may leave
    out for that, least valuable first, `prose` those whose long words may fold (see `trtkit.report.table_fit`)."""
    from trtkit.report.table_fit import FittingTable

    return FittingTable(title, columns, rows, right_align, optional, prose)


UNKNOWN = "—"  # a figure the artifacts do not give: never shown as 0


def format_bytes(value: float | None) -> str:
    """A byte count for people, two decimals in the largest binary unit: 1.50 MiB, 812 B; — when unknown."""
    if value is None:
        return UNKNOWN
    for unit, factor in (("GiB", 2**30), ("MiB", 2**20), ("KiB", 2**10)):
        if value >= factor:
            return f"{value / factor:.2f} {unit}"
    return f"{value:.0f} B"


def format_ms(value: float | None) -> str:
    """Milliseconds in tables: four decimals, — when there is no figure (unknown is not 0)."""
    return UNKNOWN if value is None else f"{value:.4f}"


def format_percent(value: float | None) -> str:
    """A share in percent, one decimal; — when unknown."""
    return UNKNOWN if value is None else f"{value:.1f}"


def format_figure(value: float | None, spec: str = ".3g") -> str:
    """An error figure (max abs, cosine, SNR dB) in `spec`; — when it is unknown: None, or NaN from NaN or Inf on
    one side of a comparison (an infinite SNR, no error at all, stays `inf`)."""
    return UNKNOWN if value is None or value != value else format(value, spec)


def build_figures(build: Any) -> list[tuple[str, str]]:
    """Engine size, build time and targets of a plan.model.BuildFacts (None: not recorded, all —)."""
    if build is None:
        return [("engine size", UNKNOWN), ("build time", UNKNOWN), ("targets", UNKNOWN)]
    return [("engine size", format_bytes(build.engine_bytes)),
            ("build time", UNKNOWN if build.build_seconds is None else f"{build.build_seconds:.1f} s"),
            ("targets", build.targets() or UNKNOWN)]
