"""Checks of the options a stage takes, for callers that are not the command line (the Python API): the command's
flags are typed by the parser, a function's arguments are not, and a wrong one surfaced as a TypeError deep inside
(re.compile(5), 5.upper()) or silently changed the result (a negative --top)."""

from __future__ import annotations

from trtkit.errors import UsageError


def require_count(value: object, flag: str, least: int = 0) -> None:
    """An integer of `least` or more; bool is an int to Python but never a count."""
    if not isinstance(value, int) or isinstance(value, bool) or value < least:
        raise UsageError(f"{flag} {value!r} is not a count", f"give an integer of {least} or more")


def require_text(value: object, flag: str) -> None:
    """A string, or None where the option may be left out."""
    if value is not None and not isinstance(value, str):
        raise UsageError(f"{flag} {value!r} is not text", f"give {flag} as a str")


def require_switch(value: object, flag: str) -> None:
    """True or False: a string such as "no" would be read as True."""
    if not isinstance(value, bool):
        raise UsageError(f"{flag} {value!r} is not True or False", f"give {flag} as a bool")


def require_profile(value: object) -> None:
    """An optimization profile's index, or None for the first: "0" would be told it is out of range."""
    if value is not None:
        require_count(value, "--profile")
