"""Typed units for the configuration: sizes, durations, shapes, named shape specs, percentages.

Each parser takes what a user writes (`4GiB`, `200ms`, `1x3x224x224`, `input:1x3x224x224,mask:1x128`,
`5%`) and raises ValueError with the expected form; the Annotated types plug them into pydantic and
write values back in the same notation.
"""

from __future__ import annotations

import math
import re
from decimal import Decimal
from typing import Annotated, Any

from pydantic import BeforeValidator, PlainSerializer, WithJsonSchema

_SIZE_UNITS = {
    "": 1, "b": 1,
    "k": 1024, "kib": 1024, "kb": 1000,
    "m": 1024**2, "mib": 1024**2, "mb": 1000**2,
    "g": 1024**3, "gib": 1024**3, "gb": 1000**3,
    "t": 1024**4, "tib": 1024**4, "tb": 1000**4,
}
_SIZE_RE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([a-zA-Z]*)\s*$")
_DURATION_UNITS = {"us": 1e-6, "µs": 1e-6, "ms": 1e-3, "s": 1.0, "sec": 1.0, "min": 60.0, "m": 60.0, "h": 3600.0}
_DURATION_RE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(us|µs|ms|sec|s|min|m|h)\s*$")
_SHAPE_RE = re.compile(r"^\d+(x\d+)*$")


def parse_size(value: Any) -> int:
    """Bytes from `4GiB`, `512MiB`, `1.5GB`, `64K` (K/M/G alone are binary, as in trtexec) or an integer of bytes."""
    if isinstance(value, bool):
        raise ValueError(f"expected a size such as 4GiB or 512MiB, got {value!r}")
    if isinstance(value, int):
        if value < 0:
            raise ValueError(f"a size cannot be negative, got {value}")
        return value
    if isinstance(value, str):
        match = _SIZE_RE.match(value)
        if match and match.group(2).lower() in _SIZE_UNITS:
            return int(float(match.group(1)) * _SIZE_UNITS[match.group(2).lower()])
    raise ValueError(f"expected a size such as 4GiB, 512MiB or a number of bytes, got {value!r}")


def format_size(size: int) -> str:
    """The shortest exact binary notation of a size: 4GiB, 512MiB, 1000B."""
    for unit, factor in (("TiB", 1024**4), ("GiB", 1024**3), ("MiB", 1024**2), ("KiB", 1024)):
        if size >= factor and size % factor == 0:
            return f"{size // factor}{unit}"
    return f"{size}B"


def parse_duration(value: Any) -> float:
    """Seconds from `200ms`, `3s`, `1.5min`, `500us`; a unit is required, since trtexec mixes ms and s."""
    if isinstance(value, str):
        match = _DURATION_RE.match(value)
        if match:
            return float(match.group(1)) * _DURATION_UNITS[match.group(2)]
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        raise ValueError(f"a duration needs a unit: write {value}ms or {value}s")
    raise ValueError(f"expected a duration such as 200ms or 3s, got {value!r}")


def _positional(number: float) -> str:
    """`number` without an exponent (the unit parsers read none) and without trailing zeros: 1e-05 -> 0.00001."""
    text = format(Decimal(repr(number)), "f")
    return text.rstrip("0").rstrip(".") if "." in text else text


def format_duration(seconds: float) -> str:
    """A duration in the unit that reads best (200ms, 3s, 1.5s, 250us) and that `parse_duration` reads back as
    exactly `seconds`; every digit, in seconds, where no shorter spelling does."""
    if seconds == 0:
        return "0s"
    for unit, factor in (("s", 1.0), ("ms", 1e-3), ("us", 1e-6)):
        if seconds >= factor or unit == "us":
            text = _positional(float(f"{seconds / factor:.6g}"))
            if float(text) * _DURATION_UNITS[unit] == seconds:
                return f"{text}{unit}"
    return f"{_positional(seconds)}s"


def parse_shape(value: Any) -> tuple[int, ...]:
    """A concrete shape from `1x3x224x224`, a list of non-negative integers, or a single integer."""
    if isinstance(value, bool):
        raise ValueError(f"expected a shape such as 1x3x224x224, got {value!r}")
    if isinstance(value, int):
        value = [value]
    if isinstance(value, (list, tuple)):
        if all(isinstance(dim, int) and not isinstance(dim, bool) and dim >= 0 for dim in value) and value:
            return tuple(value)
        raise ValueError(f"expected a shape of non-negative integers such as [1, 3, 224, 224], got {list(value)!r}")
    if isinstance(value, str):
        text = value.strip().replace(" ", "")
        if _SHAPE_RE.match(text):
            return tuple(int(dim) for dim in text.split("x"))
    raise ValueError(f"expected a shape such as 1x3x224x224, got {value!r}")


def format_shape(shape: tuple[int, ...]) -> str:
    return "x".join(str(dim) for dim in shape)


def parse_shape_spec(value: Any) -> dict[str, tuple[int, ...]]:
    """Named shapes from `input:1x3x224x224,mask:1x128` or a mapping of input name to shape.

    An input name may itself contain ':' (TensorFlow-style `input_1:0`): the shape is what follows
    the last ':' of each comma-separated item.
    """
    if isinstance(value, dict):
        result: dict[str, tuple[int, ...]] = {}
        for name, shape in value.items():
            try:
                result[str(name)] = parse_shape(shape)
            except ValueError as error:
                raise ValueError(f"input {name!r}: {error}") from None
        return result
    if isinstance(value, str):
        result = {}
        for item in value.split(","):
            name, separator, shape = item.strip().rpartition(":")
            name = name.strip().strip("'\"")
            if not separator or not name:
                raise ValueError(
                    f"expected NAME:SHAPE items such as input:1x3x224x224,mask:1x128, got {item.strip()!r}")
            try:
                result[name] = parse_shape(shape)
            except ValueError as error:
                raise ValueError(f"input {name!r}: {error}") from None
        return result
    raise ValueError(f"expected shapes such as input:1x3x224x224,mask:1x128, got {value!r}")


def format_shape_spec(spec: dict[str, tuple[int, ...]]) -> str:
    return ",".join(f"{name}:{format_shape(shape)}" for name, shape in spec.items())


def parse_percentage(value: Any) -> float:
    """A percentage from `5%`, `2.5%` or a plain number of percent (5 means 5%)."""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        number = float(value)
    elif isinstance(value, str) and re.match(r"^\s*\d+(\.\d+)?\s*%?\s*$", value):
        number = float(value.strip().rstrip("%"))
    else:
        raise ValueError(f"expected a percentage such as 5%, got {value!r}")
    if not math.isfinite(number):  # YAML's .nan: every comparison with it is false, so no gate would ever fail
        raise ValueError(f"expected a percentage such as 5%, got {value!r}")
    if number < 0:
        raise ValueError(f"a percentage cannot be negative, got {value!r}")
    return number


def format_percentage(value: float) -> str:
    """`5%`, `2.5%`: six significant digits where they read back exactly, else every digit."""
    short = _positional(float(f"{value:g}"))
    return f"{short if float(short) == value else _positional(value)}%"


Size = Annotated[
    int,
    BeforeValidator(parse_size),
    PlainSerializer(format_size, return_type=str, when_used="json"),
    WithJsonSchema({"type": ["string", "integer"], "pattern": r"^\d+(\.\d+)?\s*([KMGT]i?B?|B)?$",
                    "description": "a size: 4GiB, 512MiB, 1.5GB, or an integer of bytes"}),
]
Duration = Annotated[
    float,
    BeforeValidator(parse_duration),
    PlainSerializer(format_duration, return_type=str, when_used="json"),
    WithJsonSchema({"type": "string", "pattern": r"^\d+(\.\d+)?\s*(us|ms|s|sec|min|m|h)$",
                    "description": "a duration with a unit: 200ms, 3s, 1.5min"}),
]
Shape = Annotated[
    tuple[int, ...],
    BeforeValidator(parse_shape),
    PlainSerializer(format_shape, return_type=str, when_used="json"),
    WithJsonSchema({"anyOf": [{"type": "string", "pattern": r"^\d+(x\d+)*$"},
                              {"type": "array", "items": {"type": "integer", "minimum": 0}}],
                    "description": "a shape: 1x3x224x224 or [1, 3, 224, 224]"}),
]
ShapeSpec = Annotated[
    dict[str, tuple[int, ...]],
    BeforeValidator(parse_shape_spec),
    PlainSerializer(format_shape_spec, return_type=str, when_used="json"),
    WithJsonSchema({"anyOf": [{"type": "string"},
                              {"type": "object", "additionalProperties": {
                                  "anyOf": [{"type": "string"}, {"type": "array", "items": {"type": "integer"}}]}}],
                    "description": "named shapes: input:1x3x224x224,mask:1x128 or {input: 1x3x224x224}"}),
]
Percentage = Annotated[
    float,
    BeforeValidator(parse_percentage),
    PlainSerializer(format_percentage, return_type=str, when_used="json"),
    WithJsonSchema({"type": ["string", "number"], "pattern": r"^\d+(\.\d+)?%?$",
                    "description": "a percentage: 5% (a plain number is read as percent)"}),
]
