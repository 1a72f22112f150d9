"""Advisory file locks, so concurrent trtkit processes share a timing cache or a work directory safely."""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from pathlib import Path


@contextlib.contextmanager
def locked(path: Path, on_wait: Callable[[], None] | None = None) -> Iterator[None]:
    """An exclusive lock on `<path>.lock` for the duration of the block; `on_wait` is called once when another
    process holds it and this one has to wait."""
    import fcntl

    from trtkit.io.paths import refuse_non_regular_output

    path.parent.mkdir(parents=True, exist_ok=True)
    lock = path.with_name(path.name + ".lock")
    refuse_non_regular_output(lock, "lock file")  # opening a FIFO would wait for a reader for ever
    with open(lock, "a") as handle:  # "a": taking the lock changes nothing
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            if on_wait is not None:
                on_wait()
            fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)
