"""Atomic file writes: a temporary file in the target's folder, fsync, then rename over the target.

An interrupted run leaves either the old file or the new one, never half of one. The rename alone makes that
so; the fsync before it also keeps the new file whole through a power cut. `build` writes an engine and its
companions (graph, metadata, log) as one staged set without the fsync: they are rebuilt, not restored, and
flushing hundreds of megabytes costs more than a TensorRT-RTX build of them (~0.1 s for a 45 MB ResNet-18
engine here). trtexec and Polygraphy do not fsync engines either, nor write them atomically.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import IO

from trtkit.errors import InputFileError
from trtkit.io.paths import refuse_non_regular_output


@contextlib.contextmanager
def atomic_open(path: str | os.PathLike[str], mode: str = "w", encoding: str | None = "utf-8") -> Iterator[IO]:
    """Open a temporary file beside `path`; on a clean exit it replaces `path`, on an error it is removed."""
    if mode not in ("w", "wb"):
        raise ValueError(f"atomic_open writes only ('w' or 'wb'), got {mode!r}")
    target = Path(path)
    fd, temp = _temp_beside(target)
    try:
        with os.fdopen(fd, mode, encoding=None if "b" in mode else encoding) as handle:
            yield handle
            handle.flush()
            os.fsync(handle.fileno())
        _keep_permissions(target, temp)
        os.replace(temp, target)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            temp.unlink()
        raise


@contextlib.contextmanager
def staged_writes() -> Iterator[Callable[[str | os.PathLike[str], str | bytes], None]]:
    """`stage(path, data)` writes a temporary file beside `path` now, without fsync (for artifacts that are
    rebuilt, not restored); when the block ends without an error every staged file replaces its target, and on an
    error none does and the temporary files are removed. `stage` may run in another thread (an engine written
    while its companions are made), which must be done before the block ends."""
    staged: list[tuple[Path, Path]] = []

    def stage(path: str | os.PathLike[str], data: str | bytes) -> None:
        target = Path(path)
        fd, temp = _temp_beside(target)
        staged.append((temp, target))
        with os.fdopen(fd, "wb") as handle:
            handle.write(data.encode("utf-8") if isinstance(data, str) else data)

    try:
        yield stage
        for temp, target in staged:
            _keep_permissions(target, temp)
            os.replace(temp, target)
    finally:
        for temp, _ in staged:
            with contextlib.suppress(FileNotFoundError):
                temp.unlink()


def _temp_beside(target: Path) -> tuple[int, Path]:
    refuse_non_regular_output(target)  # the rename would replace a device node, FIFO or socket (as root)
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, temp_name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    except OSError as error:
        raise InputFileError(f"cannot write {target}: {error.strerror}",
                             "check the folder exists and is writable") from error
    return fd, Path(temp_name)


def _keep_permissions(target: Path, temp: Path) -> None:
    # mkstemp creates 0600 files; give the new file what the old one had, or the umask default.
    try:
        mode = target.stat().st_mode & 0o777
    except FileNotFoundError:
        umask = os.umask(0)
        os.umask(umask)
        mode = 0o666 & ~umask
    os.chmod(temp, mode)


def write_text_atomic(path: str | os.PathLike[str], text: str) -> Path:
    """Write `text` to `path` atomically and return the path."""
    with atomic_open(path, "w") as handle:
        handle.write(text)
    return Path(path)


def write_bytes_atomic(path: str | os.PathLike[str], data: bytes) -> Path:
    """Write `data` to `path` atomically and return the path."""
    with atomic_open(path, "wb") as handle:
        handle.write(data)
    return Path(path)
