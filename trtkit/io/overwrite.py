"""The one overwrite policy of every file trtkit writes where the user points it (`-o`).

A command replaces an existing file without `--force` only when the file holds that command's own kind of
output, which running the command again regenerates: an engine for `build`, an ONNX model for `convert`, a
trtkit HTML page for `report` and `compare outputs --layerwise --html`, trtkit's lint JSON or SARIF for `lint -o`,
trtkit's JSON Schema for `config schema`. Anything else (a config, another tool's file, another kind of trtkit
file) needs `--force`. Configs written by `migrate` and `config init` are meant to be edited, so an existing file
there always needs `--force`. `debug precision --write-config` is the one command that edits a config on
purpose: it adds its keep list to an existing pipeline config (keeping the rest) and refuses, before searching,
a file that is not one (`trtkit.config.keep_nodes.check_config_to_edit`; `--force` does not change that); the new
config of a quantization search follows the `migrate` rule.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

from trtkit.errors import UsageError
from trtkit.io.file_kind import ENGINE_MAGICS, ONNX_FIRST_BYTE
from trtkit.io.paths import refuse_non_regular_output

HEAD_BYTES = 4096
# what each command writes, recognised from the first bytes: (description, test of the head)
_OWN_KINDS: dict[str, tuple[str, re.Pattern[bytes] | None]] = {
    "engine": ("a TensorRT engine", None),
    "onnx": ("an ONNX model", None),
    "html": ("a trtkit HTML page", re.compile(rb"^\s*<!doctype html>.*?<title>trtkit[ :]", re.IGNORECASE | re.DOTALL)),
    "lint": ("trtkit lint JSON or SARIF",
             re.compile(rb'^\s*\{\s*"(?:schema"\s*:\s*"trtkit/lint/|\$schema"\s*:\s*"[^"]*sarif[^"]*")')),
    "schema": ("trtkit's config JSON Schema", re.compile(rb'"title"\s*:\s*"trtkit pipeline config"')),
    "config": ("nothing: a config is edited by hand", re.compile(rb"(?!)")),
}


def holds_own_output(path: Path, kind: str) -> bool:
    """Whether the existing file `path` holds what a command writing `kind` writes there."""
    try:
        with path.open("rb") as file:
            head = file.read(HEAD_BYTES)
            if kind == "schema":  # the title is written after the definitions: the file's end
                file.seek(max(0, path.stat().st_size - HEAD_BYTES))
                head = file.read(HEAD_BYTES)
    except OSError:
        return False
    if kind == "engine":
        return head[:4] in ENGINE_MAGICS
    if kind == "onnx":  # ONNX's first field, ir_version, as file_kind.sniff_kind recognises it
        return head[:1] == ONNX_FIRST_BYTE
    pattern = _OWN_KINDS[kind][1]
    return pattern is not None and pattern.search(head) is not None


COMMAND_HINT = "choose another -o path or pass --force to replace it"


def check_overwrite(path: str | Path | None, kind: str, force: bool, what: str = "output",
                    hint: str = COMMAND_HINT) -> None:
    """Exit 2 when `path` exists and is not `kind`'s own output (or is not a regular file) unless `force`.
    `hint`: what to do, in the caller's words (the command's `-o`/`--force`, the Python API's arguments)."""
    if path is None:
        return
    path = Path(path)
    refuse_non_regular_output(path, what)
    # os.path.exists, not Path.exists: a name the file system cannot look up (too long) is no file to keep, and
    # the writer then says why it cannot write it; Path.exists raised OSError
    if force or not os.path.exists(path) or holds_own_output(path, kind):
        return
    description = _OWN_KINDS[kind][0]
    if kind == "config":
        raise UsageError(f"{what} {path} already exists", hint)
    raise UsageError(f"{what} {path} already exists and is not {description}, which this command replaces", hint)
