"""The closed sets of values config keys take, as Literal types, and a reader of their values.

Kept free of pydantic so that `cli/` can list them in its help texts without slowing `trtkit --help`; the
models in `config.models` use these types, so a help text and the model cannot name different values.
"""

from __future__ import annotations

import typing
from typing import Any, Literal

Backend = Literal["auto", "tensorrt", "tensorrt-rtx"]
Severity = Literal["info", "warning", "error"]
FailOn = Severity | Literal["never"]  # lint gates at a severity, or never
CompareMetric = Literal["median", "mean", "p90", "p95", "p99", "throughput"]


def literal_values(annotation: Any) -> list[Any]:
    """The values a Literal annotation allows, through Optional, unions, lists and Annotated, in declared order
    (`Severity | Literal["never"]` -> info, warning, error, never)."""
    if typing.get_origin(annotation) is Literal:
        return list(typing.get_args(annotation))
    return [value for argument in typing.get_args(annotation) for value in literal_values(argument)]


def spoken_list(annotation: Any, last: str = "or") -> str:
    """The values of a Literal annotation as a help text says them: `auto, tensorrt or tensorrt-rtx`."""
    values = [str(value) for value in literal_values(annotation)]
    return values[0] if len(values) == 1 else f"{', '.join(values[:-1])} {last} {values[-1]}"
