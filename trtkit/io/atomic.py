"""Atomic file writes: a temporary file in the target's folder, fsync, then rename over the target.

An interrupted run leaves either the old file or the new one, never half of one. The rename alone makes that
so; the fsync before it also keeps the new file whole through a power cut. `build` writes an engine and its
companions (graph, metadata, log) as one staged set without the fsync: they are rebuilt, not restored, and
flushing hundreds of megabytes costs more than a TensorRT-RTX build of them (~0.1 s for a 45 MB ResNet-18
engine here). trtexec and Polygraphy do not fsync engines either, nor write them atomically.

A set of several files cannot be replaced by one rename. While a staged set's files are renamed, a commit marker
(`.<name>.commit`, see `commit_marker`) stands beside them; a process killed between the renames leaves it, and
readers of the set refuse it (`check_set_complete`) until the set is written again. Temporary files carry the
writer's pid (`.<name>.<pid>.<random>.tmp`): a later write of the same target removes those of dead processes.
"""

from __future__ import annotations

import contextlib
import errno
import json
import os
import re
import time
from collections.abc import Iterator
from pathlib import Path
from typing import IO

from trtkit.errors import InputFileError
from trtkit.io.paths import refuse_non_regular_output

_STARTED = time.time()  # temporaries older than this process and of a dead pid are another run's leftovers
# what a full disk, a read-only file system or missing permissions raise while a file is written
WRITE_ERRNOS = {errno.ENOSPC, errno.EDQUOT, errno.EROFS, errno.EACCES, errno.EPERM, errno.EFBIG}
FAULT_INJECT_ENV = "TRTKIT_FAULT_INJECT"  # tests only: "<event>:<n>" kills the process at the n-th event
_fault_counts: dict[str, int] = {}


def write_error(path: str | os.PathLike[str], error: OSError) -> InputFileError:
    """The one-line error (exit 3) of a write that the file system refused."""
    reason = error.strerror or type(error).__name__
    if error.errno in (errno.ENOSPC, errno.EDQUOT, errno.EFBIG):
        hint = "free space on that disk, or write somewhere else"
    elif error.errno == errno.EROFS:
        hint = "the file system is read-only: write somewhere else"
    else:
        hint = "check the folder exists and is writable, or write somewhere else"
    return InputFileError(f"cannot write {path}: {reason}", hint)


def fault_point(event: str) -> None:
    """Where a test may kill this process (SIGKILL, as `kill -9` would): `TRTKIT_FAULT_INJECT=rename:2` at the
    second rename of a commit, `staged:1` once the first set's temporaries are written; `rename:1:stop` stops it
    there instead (SIGSTOP, until the test continues it). Unset: nothing."""
    wanted = os.environ.get(FAULT_INJECT_ENV)
    if not wanted or not wanted.startswith(event + ":"):
        return
    _fault_counts[event] = _fault_counts.get(event, 0) + 1
    _, count, *action = wanted.split(":")
    if str(_fault_counts[event]) == count:
        import signal

        os.kill(os.getpid(), signal.SIGSTOP if action == ["stop"] else signal.SIGKILL)


@contextlib.contextmanager
def atomic_open(path: str | os.PathLike[str], mode: str = "w", encoding: str | None = "utf-8") -> Iterator[IO]:
    """Open a temporary file beside `path`; on a clean exit it replaces `path`, on an error it is removed."""
    if mode not in ("w", "wb"):
        raise ValueError(f"atomic_open writes only ('w' or 'wb'), got {mode!r}")
    target = Path(path)
    refuse_non_regular_output(target)
    fd, temp = _temp_beside(target)
    try:
        try:
            with os.fdopen(fd, mode, encoding=None if "b" in mode else encoding) as handle:
                yield handle
                handle.flush()
                os.fsync(handle.fileno())
            _keep_permissions(target, temp)
            fault_point("staged")
            os.replace(temp, target)
            fault_point("rename")
        except OSError as error:
            if error.errno in WRITE_ERRNOS:
                raise write_error(target, error) from error
            raise
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            temp.unlink()
        raise


def commit_marker(target: str | os.PathLike[str]) -> Path:
    """The file that stands beside `target` while the set named after it is being replaced."""
    target = Path(target)
    return target.with_name(f".{target.name}.commit")


def check_set_complete(target: str | os.PathLike[str], command: str = "build") -> None:
    """Refuse (exit 3) a set whose replacement was interrupted: some of its files are new, some old."""
    marker = commit_marker(target)
    if not marker.exists():
        return
    try:
        record = json.loads(marker.read_text())
        pid = int(record.get("pid", 0))
    except (OSError, ValueError, AttributeError, TypeError):
        record, pid = {}, 0
    if pid and _alive(pid) and pid != os.getpid():
        raise InputFileError(f"the files of {target} are being replaced by a running trtkit {command} (pid {pid})",
                             "wait for it to finish, then rerun")
    if _renamed_all_or_none(record):
        return  # killed before its first rename or after its last: the set is whole
    raise InputFileError(f"the files of {target} are a mix of two {command}s: one was interrupted while it "
                         f"replaced them (left {marker.name})", f"rerun trtkit {command} to write them again")


@contextlib.contextmanager
def _folder_locked(folder: Path | None) -> Iterator[None]:
    """Two processes committing sets in one folder (two builds of one engine) take turns, so the last one's set
    is whole: an exclusive lock on the folder itself, which leaves no lock file behind."""
    if folder is None:
        yield
        return
    import fcntl

    fd = os.open(folder, os.O_RDONLY)
    try:
        with contextlib.suppress(OSError):  # a file system without flock: no turns, as before
            fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)  # releases the lock


def _renamed_all_or_none(record: dict) -> bool:
    """Whether an interrupted commit renamed none of its files or all of them (and removed what it removes): a
    renamed file is the temporary itself, so it has the inode the marker recorded. A stat per file, no hashing."""
    try:
        renamed = []
        for entry in record["files"]:
            try:
                found = os.stat(entry["target"])
            except FileNotFoundError:
                renamed.append(False)
                continue
            if found.st_dev != entry["device"]:
                return False  # copied elsewhere: inodes say nothing
            renamed.append(found.st_ino == entry["inode"])
        removed = [not os.path.lexists(path) for path in record.get("removed", [])]
    except (KeyError, TypeError, OSError):
        return False
    return not any(renamed) or (all(renamed) and all(removed))


class StagedSet:
    """Files written beside their targets under temporary names, and targets to remove, all committed together."""

    def __init__(self, marker: Path | None):
        self.marker = marker
        self.staged: list[tuple[Path, Path]] = []
        self.removed: list[Path] = []
        self.folders: list[Path] = []
        self.created: list[Path] = []  # folders made for the set: removed again when it is not committed
        self.committed = False

    def __call__(self, path: str | os.PathLike[str], data: str | bytes | memoryview) -> None:
        """Write `data` beside `path` now, under a temporary name."""
        target = Path(path)
        self.created += _make_parents(target)
        fd, temp = _temp_beside(target)
        self.staged.append((temp, target))
        try:
            with os.fdopen(fd, "wb") as handle:
                handle.write(data.encode("utf-8") if isinstance(data, str) else data)
        except OSError as error:
            if error.errno in WRITE_ERRNOS:
                raise write_error(target, error) from error
            raise

    def folder(self, target: str | os.PathLike[str]) -> Path:
        """A temporary folder beside `target` for files a library writes itself (`onnx.save`); `move` its files."""
        import tempfile

        target = Path(target)
        _remove_stale_temporaries(target)
        self.created += _make_parents(target)
        try:
            folder = Path(tempfile.mkdtemp(prefix=f".{target.name}.{os.getpid()}.", suffix=".tmp", dir=target.parent))
        except OSError as error:
            raise write_error(target, error) from error
        self.folders.append(folder)
        return folder

    def move(self, temp: Path, target: str | os.PathLike[str]) -> None:
        """Commit `temp` (in a `folder` of this set, or a temporary of the caller's) as `target`."""
        self.staged.append((temp, Path(target)))

    def remove(self, target: str | os.PathLike[str]) -> None:
        """Delete `target` at the commit (a file of the old set that the new one does not have)."""
        self.removed.append(Path(target))

    def commit(self) -> None:
        """Rename every staged file over its target, then remove what is removed; the marker stands meanwhile."""
        # the file the set is named after first (an engine staged from another thread, whenever it was done),
        # then the others in the order they were staged: the same order on every run
        named = self.marker.with_name(self.marker.name[1:-len(".commit")]) if self.marker is not None else None
        self.staged.sort(key=lambda pair: pair[1] != named)
        for _, target in self.staged:
            refuse_non_regular_output(target)
        fault_point("staged")
        current = self.marker or (self.staged[0][1] if self.staged else Path("."))
        try:
            with _folder_locked(self.marker.parent if self.marker is not None else None):
                if self.marker is not None:
                    self._write_marker(self.marker)
                for temp, target in self.staged:
                    current = target
                    _keep_permissions(target, temp)
                    os.replace(temp, target)
                    fault_point("rename")
                for target in self.removed:
                    current = target
                    target.unlink(missing_ok=True)
                if self.marker is not None:
                    self.marker.unlink(missing_ok=True)
            self.committed = True
        except OSError as error:
            if error.errno in WRITE_ERRNOS:
                raise write_error(current, error) from error
            raise

    def _write_marker(self, marker: Path) -> None:
        # each temporary's inode: the target has it once renamed (see _renamed_all_or_none)
        files = []
        for staged, target in self.staged:
            found = os.stat(staged)
            files.append({"target": str(target), "inode": found.st_ino, "device": found.st_dev})
        fd, temp = _temp_beside(marker)
        try:
            with os.fdopen(fd, "w") as handle:
                json.dump({"pid": os.getpid(), "files": files, "removed": [str(path) for path in self.removed]},
                          handle)
            os.replace(temp, marker)
        except BaseException:
            temp.unlink(missing_ok=True)
            raise

    def discard(self) -> None:
        import shutil

        for temp, _ in self.staged:
            with contextlib.suppress(FileNotFoundError):
                temp.unlink()
        for folder in self.folders:
            shutil.rmtree(folder, ignore_errors=True)
        if not self.committed:
            for folder in reversed(self.created):
                with contextlib.suppress(OSError):
                    folder.rmdir()  # only while empty: another writer's files stay


@contextlib.contextmanager
def staged_writes(marker: str | os.PathLike[str] | None = None) -> Iterator[StagedSet]:
    """`stage(path, data)` writes a temporary file beside `path` now, without fsync (for artifacts that are
    rebuilt, not restored); when the block ends without an error every staged file replaces its target, and on an
    error none does and the temporary files are removed. `stage` may run in another thread (an engine written
    while its companions are made), which must be done before the block ends. `marker`: the target the set is
    named after; its commit marker stands while the files are renamed (readers: `check_set_complete`)."""
    staged = StagedSet(commit_marker(marker) if marker is not None else None)
    try:
        yield staged
        staged.commit()
    finally:
        staged.discard()


def _make_parents(target: Path) -> list[Path]:
    """Make the missing folders above `target`; returns those it made, outermost first."""
    # os.path.exists never raises: Path.exists raised OSError for a folder name too long (mkdir then says why)
    missing = [folder for folder in reversed(target.parents) if not os.path.exists(folder)]
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise _folder_error(target, error) from error
    return missing


def _folder_error(target: Path, error: OSError) -> InputFileError:
    """Why the folders above `target` cannot be made: mkdir's "File exists" means a file where a folder must be."""
    if isinstance(error, FileExistsError):
        blocking = next((folder for folder in reversed(target.parents) if folder.is_file()), target.parent)
        return InputFileError(f"cannot write {target}: {blocking} is a file, not a folder",
                              "choose an output path inside a folder")
    return InputFileError(f"cannot write {target}: {error.strerror}", "check the folder exists and is writable")


def _temp_beside(target: Path) -> tuple[int, Path]:
    refuse_non_regular_output(target)  # the rename would replace a device node, FIFO or socket (as root)
    import tempfile  # here: readers import this module for `check_set_complete` alone

    _remove_stale_temporaries(target)
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, temp_name = tempfile.mkstemp(prefix=f".{target.name}.{os.getpid()}.", suffix=".tmp", dir=target.parent)
    except OSError as error:
        raise _folder_error(target, error) from error
    except ValueError as error:  # a NUL byte in the path: no system call takes it
        raise InputFileError(f"cannot write {str(target)!r}: {error}", "give a path without NUL bytes") from None
    return fd, Path(temp_name)


@contextlib.contextmanager
def scratch_folder(prefix: str) -> Iterator[Path]:
    """A folder in the system's temporary directory for the duration of the block (`<prefix><pid>.<random>`);
    the ones killed trtkit processes left under the same prefix are removed first."""
    import shutil
    import tempfile

    base = Path(tempfile.gettempdir())
    _remove_stale(base, re.compile(rf"{re.escape(prefix)}(\d+)\.[A-Za-z0-9_]+"))
    folder = Path(tempfile.mkdtemp(prefix=f"{prefix}{os.getpid()}.", dir=base))
    try:
        yield folder
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def _remove_stale_temporaries(target: Path) -> None:
    """Remove the temporaries of `target` that a killed trtkit process left."""
    _remove_stale(target.parent, re.compile(rf"\.{re.escape(target.name)}\.(\d+)\.[A-Za-z0-9_]+\.tmp"))


def _remove_stale(folder: Path, pattern: re.Pattern[str]) -> None:
    """Remove the files and folders in `folder` whose names trtkit gave (`pattern`, its group 1 the writer's pid)
    of a pid that is gone, and older than this process (a pid may be reused; a running writer's are kept)."""
    try:
        candidates = [entry for entry in os.scandir(folder) if pattern.fullmatch(entry.name)]
    except OSError:
        return
    for entry in candidates:
        match = pattern.fullmatch(entry.name)
        assert match is not None
        pid = int(match.group(1))
        with contextlib.suppress(OSError):
            if pid == os.getpid() or _alive(pid) or entry.stat(follow_symlinks=False).st_mtime >= _STARTED:
                continue
            if entry.is_dir(follow_symlinks=False):
                import shutil

                shutil.rmtree(entry.path, ignore_errors=True)
            else:
                os.unlink(entry.path)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # another user's process
    return True


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
