"""Checks on the paths a command reads and writes: regular files only, and artifact names that stay file names.

A FIFO or a device given as an input would hang a reader or feed it without end (`/dev/zero`); given as an
output, the atomic rename would replace the device node itself when trtkit runs as root.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

from trtkit.errors import InputFileError, UsageError


def _kind(mode: int) -> str:
    if stat.S_ISDIR(mode):
        return "a directory"
    if stat.S_ISFIFO(mode):
        return "a FIFO"
    if stat.S_ISSOCK(mode):
        return "a socket"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    return "not a regular file"


def require_regular_file(path: str | os.PathLike[str], what: str = "input file") -> Path:
    """`path` as a Path when it is an existing regular file (or a link to one); else exit 3 naming what it is.
    Only `stat` is called: a FIFO without a writer is never opened."""
    path = Path(path)
    try:
        mode = path.stat().st_mode
    except FileNotFoundError:
        raise InputFileError(f"{what} {path} does not exist", "check the path") from None
    except (OSError, ValueError) as error:
        raise InputFileError(f"cannot read {what} {path}: {getattr(error, 'strerror', None) or error}",
                             "check the path") from None
    if not stat.S_ISREG(mode):
        raise InputFileError(f"{what} {path} is not a regular file ({_kind(mode)})", "give a regular file")
    return path


def refuse_non_regular_output(path: str | os.PathLike[str], what: str = "output") -> None:
    """Exit 2 when `path` exists and is not a regular file (a directory, device, FIFO or socket): writing the
    output would replace it. A missing path, or a regular file to overwrite, passes."""
    path = Path(path)
    try:
        mode = path.stat().st_mode
    except FileNotFoundError:
        return
    except (OSError, ValueError) as error:
        raise UsageError(f"cannot write {what} {path}: {getattr(error, 'strerror', None) or error}",
                         "choose another path") from None
    if not stat.S_ISREG(mode):
        raise UsageError(f"{what} {path} exists and is not a regular file ({_kind(mode)})",
                         "choose a file path to write")


def check_file_name(name: str) -> str:
    """`name` when it can be used as one file name inside a folder; else ValueError saying why (for the config's
    validators). Artifact names become `<workdir>/<name>.engine`: a separator or `..` would write elsewhere."""
    if not name or not name.strip():
        raise ValueError("the name is empty; give a file name such as resnet18")
    if "\0" in name:
        raise ValueError("the name contains a NUL character")
    if "/" in name or "\\" in name or name in (".", ".."):
        raise ValueError(f"{name!r} is not a plain file name (no '/', '\\\\' or '..'); artifacts are written "
                         "inside workdir under this name")
    return name
