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
    except (OSError, ValueError):  # missing, or a parent that is no folder: the writer says what went wrong
        return
    if not stat.S_ISREG(mode):
        raise UsageError(f"{what} {path} exists and is not a regular file ({_kind(mode)})",
                         "choose a file path to write")


def names_directory(text: str) -> bool:
    """Whether `text` is spelled as a directory: a trailing `/`, or `.` or `..` as its last part."""
    last = text.rstrip("/" + os.sep).rsplit("/", 1)[-1].rsplit(os.sep, 1)[-1]
    return bool(text) and (text.endswith(("/", os.sep)) or last in (".", ".."))


def refuse_directory_name(text: str | os.PathLike[str], what: str = "output", example: str | None = None) -> Path:
    """`text` as a Path when it names a file; exit 2 when it names a directory by its spelling: a trailing `/`, or
    `.` or `..` as its last part. pathlib drops those (`out/` is `Path("out")`), and the file would be written
    named like the folder the user meant. An existing directory is refused by `refuse_non_regular_output`.
    `example`: the file name to suggest inside it (the command's default name)."""
    raw = os.fspath(text)
    if names_directory(raw):
        inside = f", e.g. {Path(raw) / example}" if example else ""
        raise UsageError(f"{what} {raw} names a directory, not a file", f"give the file to write{inside}")
    return Path(raw)


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


def ensure_directory(path: str | os.PathLike[str], what: str = "workdir") -> Path:
    """Create the folder `path` (and its parents) unless it exists; exit 2 when it, or a parent, is a file."""
    path = Path(path)
    try:
        path.mkdir(parents=True, exist_ok=True)
    except (FileExistsError, NotADirectoryError):
        raise UsageError(f"{what} {path} is not a directory (a file is in the way)",
                         f"point {what} at a folder, or move the file") from None
    except OSError as error:
        raise UsageError(f"cannot create {what} {path}: {error.strerror or error}",
                         f"point {what} at a writable folder") from None
    return path


def displayable(text: str) -> str:
    """`text` with the undecodable bytes of non-UTF-8 file names (lone surrogates, PEP 383) shown as U+FFFD, so
    it can be written as UTF-8 or handed to a tool (Graphviz)."""
    return text.encode("utf-8", "surrogateescape").decode("utf-8", "replace")


def require_utf8_path(path: Path, what: str) -> None:
    """Exit 3 when `path` is not valid UTF-8: TensorRT's parser and onnxruntime take UTF-8 paths only."""
    try:
        str(path).encode("utf-8")
    except UnicodeEncodeError:
        raise InputFileError(f"the path of {what} {displayable(str(path))} is not valid UTF-8, which TensorRT "
                             "and onnxruntime cannot open", "rename the file (or its folder) to a UTF-8 name") from None


def resolve_against(base_dir: Path, path: Path | str) -> Path:
    """A path from a config, made absolute against the folder of the config file."""
    path = Path(path)
    return path if path.is_absolute() else (base_dir / path).resolve()


def refuse_output_over_input(output: str | os.PathLike[str], inputs: list[Path], what: str = "output",
                             artifacts_read: bool = True) -> None:
    """Exit 2 when `output` would replace a file the command reads: one of `inputs`, or (`artifacts_read`: a
    command that reads engine artifacts) an engine artifact (`<name>.engine`, `.graph.json`, `.profile.json`...)
    in an input folder or beside an input file."""
    from trtkit.io.artifacts import ENGINE_SUFFIX, EngineArtifacts

    output = Path(output)
    if not os.path.isfile(output):  # os.path's check never raises (Path.is_file does on a name too long)
        return
    engine_artifact = artifacts_read and (output.name.endswith(ENGINE_SUFFIX)
                                          or EngineArtifacts.from_any(output).engine != output)
    for path in inputs:
        try:
            same = path.is_file() and os.path.samefile(output, path)
            folder = path if path.is_dir() else path.parent
            beside = engine_artifact and os.path.samefile(output.parent, folder)
        except OSError:  # an input that does not exist: its reader says so
            continue
        if same or beside:
            read = "an input of this command" if same else "an engine artifact this command reads"
            raise UsageError(f"{what} {output} is {read}; writing it would replace it", "choose another output path")
