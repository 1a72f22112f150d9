"""What kind of file a path holds, from its first bytes: enough to tell a user who gave an engine where a model
belongs (or the reverse) what they gave."""

from __future__ import annotations

import re
from pathlib import Path

# the first four bytes of a serialized TensorRT (and TensorRT-RTX) engine
ENGINE_MAGICS = (b"ftrt", b"vtrt", b"ptrt")
# the first byte of an ONNX model: a protobuf whose first field is a varint 1, ONNX's ir_version
ONNX_FIRST_BYTE = b"\x08"

# a log line starts with a bracketed severity or date: "[I] ...", "[TRT] ...", "[11/28/2026-07:45:00] [I] ..."
_LOG_LINE = re.compile(r"\[(?:[A-Za-z]+|\d+/\d+/\d+[^\]\n]*)\]")

KIND_NAMES = {"engine": "a TensorRT engine", "onnx": "an ONNX model", "json": "a JSON file",
              "yaml": "a YAML file", "text": "a text file"}


def sniff_kind(path: str | Path) -> str | None:
    """'engine', 'onnx', 'json', 'yaml' or 'text' by content (and, for YAML, name); None for a file that cannot
    be read, is empty, or is some other binary: the caller's own reader then says what is wrong."""
    path = Path(path)
    try:
        with path.open("rb") as file:
            head = file.read(4096)
    except OSError:
        return None
    if head[:4] in ENGINE_MAGICS:
        return "engine"
    if head[:1] == ONNX_FIRST_BYTE:
        return "onnx"
    if not head.strip() or b"\x00" in head:
        return None
    try:
        text = head.decode("utf-8").lstrip("\ufeff").lstrip()
    except UnicodeDecodeError:
        return None
    if text[:1] == "{" or (text[:1] == "[" and not _LOG_LINE.match(text)):
        return "json"
    if path.suffix.lower() in (".yaml", ".yml"):
        return "yaml"
    return "text"
