"""Checks of the shape a parser relies on: a corrupt artifact is an error naming the JSON path, never an
empty engine or a TypeError.

Parsers raise `MalformedArtifactError` with the path inside the document (`Layers[3].Inputs`);
`read_artifact` adds the file name. The checks are `type()` comparisons: they run for every layer of
every plan.
"""

from __future__ import annotations

import math
from typing import Any

from trtkit.errors import InputFileError

_REEXPORT = "the file is corrupt or was edited; re-export it"


class MalformedArtifactError(InputFileError):
    """An artifact whose JSON (or text) does not have the shape of its kind (exit 3)."""

    def __init__(self, where: str, problem: str):
        super().__init__(f"{where} {problem}" if where else problem, _REEXPORT)
        self.where = where
        self.problem = problem

    def in_file(self, path: object) -> InputFileError:
        """The same error, naming the file it is in."""
        where = f"{self.where} " if self.where else ""
        return InputFileError(f"{path}: {where}{self.problem}", _REEXPORT)


def describe(value: Any) -> str:
    """What a JSON value is, in words: `null`, `an int (5)`, `a string ("abc")`."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return f"a boolean ({str(value).lower()})"
    if isinstance(value, int):
        return f"an int ({value})" if abs(value) < 10**12 else "an int"
    if isinstance(value, float):
        return f"a number ({value:g})"
    if isinstance(value, str):
        return f'a string ("{value[:20]}{"..." if len(value) > 20 else ""}")'
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "an object"
    return type(value).__name__


def wrong(where: str, value: Any, expected: str) -> MalformedArtifactError:
    return MalformedArtifactError(where, f"is {describe(value)}, expected {expected}")


def expect_dict(value: Any, where: str) -> dict[str, Any]:
    if type(value) is not dict:
        raise wrong(where, value, "an object")
    return value


def expect_list(value: Any, where: str, what: str = "a list") -> list[Any]:
    if type(value) is not list:
        raise wrong(where, value, what)
    return value


def optional_dict(value: Any, where: str) -> dict[str, Any]:
    """An object or null (null reads as empty)."""
    if value is None:
        return {}
    return expect_dict(value, where)


def optional_list(value: Any, where: str) -> list[Any]:
    """A list or null (null reads as empty)."""
    if value is None:
        return []
    return expect_list(value, where)


def optional_text(value: Any, where: str) -> None:
    if value is not None and type(value) is not str:
        raise wrong(where, value, "a string")


def optional_number(value: Any, where: str) -> float | None:
    """A finite number or null; booleans are not numbers here."""
    if value is None:
        return None
    if type(value) not in (int, float):
        raise wrong(where, value, "a number")
    if not math.isfinite(value):
        raise MalformedArtifactError(where, f"is {value}, expected a finite number")
    return float(value)


def optional_count(value: Any, where: str) -> int | None:
    """A non-negative int or null."""
    if value is None:
        return None
    if type(value) is not int or value < 0:
        raise wrong(where, value, "a non-negative integer")
    return value
