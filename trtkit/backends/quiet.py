"""Third-party output kept off the user's terminal: what TensorRT's parser, onnxruntime, Model Optimizer and tqdm
print while trtkit calls them goes to a list of lines (the build log, or nothing), and is shown only with -v.

Native code writes to file descriptors 1 and 2 directly, so those are redirected to a temporary file while a
noisy call runs. trtkit's own messages must still reach the terminal meanwhile (another thread may print an
error): `separate_python_stderr` gives Python's `sys.stderr` its own descriptor of the same terminal, once, when
trtkit is the process.
"""

from __future__ import annotations

import contextlib
import io
import os
import sys
import threading
from collections.abc import Iterator

_lock = threading.Lock()
_active = 0  # captures in progress (a parse in a thread and one on the main path may overlap)
_saved: dict[int, int] = {}  # descriptor -> its duplicate, while captured
_capture: io.BufferedRandom | None = None


def separate_python_stderr() -> None:
    """Point Python's sys.stdout and sys.stderr at duplicates of descriptors 1 and 2, so that redirecting those
    descriptors (for native code) leaves trtkit's own output on the terminal. Call once, before any output."""
    for number, name in ((1, "stdout"), (2, "stderr")):
        stream = getattr(sys, name)
        try:
            if stream is None or stream.fileno() != number:
                continue
        except (AttributeError, OSError, ValueError):  # not a real file (a test's capture)
            continue
        stream.flush()
        duplicate = os.dup(number)
        # buffered as the stream it replaces (a JSON document written in many small pieces stays fast)
        replacement = io.TextIOWrapper(io.BufferedWriter(io.FileIO(duplicate, "w", closefd=True)),
                                       encoding=stream.encoding, errors=stream.errors,
                                       line_buffering=stream.line_buffering)
        setattr(sys, name, replacement)


def _python_output_on_descriptors() -> bool:
    """Python's own stdout or stderr writes to descriptor 1 or 2: redirecting those would swallow trtkit's output."""
    for stream in (sys.stdout, sys.stderr):
        try:
            if stream is not None and stream.fileno() in (1, 2):
                return True
        except (AttributeError, OSError, ValueError):
            continue
    return False


def _start_native() -> None:
    global _active, _capture
    with _lock:
        _active += 1
        if _active > 1:
            return
        import tempfile  # here: `trtkit --help` imports this module and needs none of it

        _capture = tempfile.TemporaryFile()
        for number in (1, 2):
            with contextlib.suppress(OSError):
                _saved[number] = os.dup(number)
                os.dup2(_capture.fileno(), number)


def _stop_native() -> str:
    global _active, _capture
    with _lock:
        _active -= 1
        if _active > 0 or _capture is None:
            return ""
        for number, duplicate in _saved.items():
            os.dup2(duplicate, number)
            os.close(duplicate)
        _saved.clear()
        _capture.seek(0)
        text = _capture.read().decode("utf-8", errors="replace")
        _capture.close()
        _capture = None
        return text


@contextlib.contextmanager
def _python_streams_to(sink: io.StringIO) -> Iterator[None]:
    """print(), tqdm and logging handlers writing to stdout or stderr, into `sink`."""
    import logging

    originals = {id(stream) for stream in (sys.stdout, sys.stderr, sys.__stdout__, sys.__stderr__) if stream}
    handlers = [handler for logger in [logging.getLogger(), *(item for item in logging.root.manager.loggerDict.values()
                                                              if isinstance(item, logging.Logger))]
                for handler in logger.handlers
                if isinstance(handler, logging.StreamHandler) and id(handler.stream) in originals]
    streams = [(handler, handler.setStream(sink)) for handler in handlers]
    last_resort = logging.lastResort
    logging.lastResort = logging.StreamHandler(sink)
    try:
        with contextlib.redirect_stdout(sink), contextlib.redirect_stderr(sink):
            yield
    finally:
        logging.lastResort = last_resort
        for handler, stream in streams:
            if stream is not None:
                handler.setStream(stream)


@contextlib.contextmanager
def third_party_output(sink: list[str], enabled: bool = True, python: bool = True) -> Iterator[None]:
    """While the block runs, what third-party code prints (Python and native) is appended to `sink` as lines
    instead of reaching the terminal. `enabled=False` (trtkit -v): everything passes through. `python=False`:
    native output only, for a block in a thread (Python's streams are shared by every thread)."""
    if not enabled:
        yield
        return
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(Exception):
            stream.flush()
    if not python and _python_output_on_descriptors():
        yield  # a library caller's own process: its Python output shares the descriptors, leave them alone
        return
    printed = io.StringIO()
    _start_native()
    try:
        with _python_streams_to(printed) if python else contextlib.nullcontext():
            yield
    finally:
        native = _stop_native()
        for text in (printed.getvalue(), native):
            sink.extend(line.rstrip() for line in text.replace("\r", "\n").split("\n") if line.strip())
