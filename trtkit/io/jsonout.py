"""trtkit's own JSON documents: every one carries `schema: trtkit/<kind>/v1` and the trtkit version."""

from __future__ import annotations

import dataclasses
import enum
import json
import math
import sys
from pathlib import Path, PurePath
from typing import Any

from trtkit import __version__
from trtkit.io.atomic import write_text_atomic


def schema_id(kind: str) -> str:
    return f"trtkit/{kind}/v1"


def document(kind: str, payload: dict[str, Any]) -> dict[str, Any]:
    """A JSON document of `kind`: schema and trtkit version first, then the payload."""
    return {"schema": schema_id(kind), "trtkit_version": __version__, **payload}


def _default(value: Any) -> Any:
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return dataclasses.asdict(value)
    if isinstance(value, PurePath):
        return str(value)
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, (set, frozenset, tuple)):
        return list(value)
    model_dump = getattr(value, "model_dump", None)
    if callable(model_dump):
        return model_dump(mode="json")
    # numpy scalars and arrays, without importing numpy here
    if hasattr(value, "tolist"):
        return value.tolist()
    raise TypeError(f"cannot write {type(value).__name__} as JSON")


def _finite(value: Any) -> Any:
    # JSON has no NaN or Infinity; write null so every consumer can read the file.
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, dict):
        return {key: _finite(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [_finite(item) for item in value]
    return value


def dumps(doc: Any, indent: int | None = 2) -> str:
    """Serialize to JSON (compact when `indent` is None); NaN and infinities become null."""
    separators = (",", ":") if indent is None else None
    try:
        text = json.dumps(doc, default=_default, indent=indent, separators=separators, ensure_ascii=False,
                          allow_nan=False)
    except ValueError:  # a NaN or an infinity somewhere: a second, slower pass replaces them
        plain = json.loads(json.dumps(doc, default=_default))
        text = json.dumps(_finite(plain), indent=indent, separators=separators, ensure_ascii=False, allow_nan=False)
    return text + "\n"


def write_json(path: str | Path, doc: Any, indent: int | None = 2) -> Path:
    """Write a JSON document atomically."""
    return write_text_atomic(path, dumps(doc, indent))


def emit_json(doc: Any) -> None:
    """Print a JSON document on stdout, the only thing `--json` puts there; compact, since machines read it."""
    sys.stdout.write(dumps(doc, indent=None))
    sys.stdout.flush()
