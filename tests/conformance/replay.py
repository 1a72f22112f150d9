"""Replaying a call on the real binding: does pybind11 accept these arguments for this TensorRT method?

The method is called with `self` a bare instance of its class (made with __new__, no C++ object behind it) in a
forked child. pybind11 converts every argument before entering C++: a rejected one raises TypeError
("incompatible function arguments") in the child, and an accepted call enters C++ on a null object and dies
there (or returns). The parent only reads how the child ended. Nothing of TensorRT's behaviour is learnt.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

_REJECTED = ("incompatible function arguments", "incompatible constructor arguments")
_EXIT_REJECTED = 3


@dataclass
class Verdict:
    accepted: bool
    detail: str  # how the child ended, or pybind11's refusal


def bare(cls: type) -> Any:
    """An instance of a pybind11 class with no C++ object behind it."""
    return cls.__new__(cls)  # type: ignore[call-overload]  # pybind11 classes take no arguments here


def replay(call: Callable[[], Any]) -> Verdict:
    """Run `call` in a forked child; accepted unless pybind11 refused its arguments."""
    read_end, write_end = os.pipe()
    sys.stdout.flush()
    sys.stderr.flush()
    child = os.fork()
    if child == 0:  # the child: never returns
        os.close(read_end)
        code, message = 0, "returned"
        try:
            call()
        except BaseException as error:
            refused = isinstance(error, TypeError) and any(text in str(error) for text in _REJECTED)
            code, message = (_EXIT_REJECTED if refused else 0), f"{type(error).__name__}: {error}"
        os.write(write_end, message.encode()[:4000])
        os._exit(code)
    os.close(write_end)
    chunks = []
    while chunk := os.read(read_end, 4096):
        chunks.append(chunk)
    os.close(read_end)
    _, status = os.waitpid(child, 0)
    message = b"".join(chunks).decode(errors="replace")
    if os.WIFSIGNALED(status):
        return Verdict(True, f"entered C++ (signal {os.WTERMSIG(status)})")
    code = os.WEXITSTATUS(status)
    if code == _EXIT_REJECTED:
        return Verdict(False, message.splitlines()[0] if message else "rejected")
    return Verdict(True, message or "returned")
