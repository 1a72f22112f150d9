"""The one exception hierarchy of trtkit; each class carries the exit code DESIGN.md documents.

Exit codes: 0 success; 1 a check failed; 2 bad usage or bad config; 3 bad or unreadable
input file; 4 a required backend is not available; 70 an internal error (a bug in trtkit);
141 stdout's reader went away (`trtkit ... | head -1`).
"""

from __future__ import annotations

EXIT_OK = 0
EXIT_CHECK_FAILED = 1
EXIT_USAGE = 2
EXIT_BAD_INPUT = 3
EXIT_BACKEND_MISSING = 4
EXIT_INTERNAL = 70
EXIT_OUTPUT_CLOSED = 141  # the reader of stdout went away (a broken pipe): 128 + SIGPIPE, as shells report it


class TrtkitError(Exception):
    """An error the user can act on: one line saying what is wrong and what to do."""

    exit_code = EXIT_USAGE

    def __init__(self, message: str, hint: str | None = None):
        super().__init__(message)
        self.message = message
        self.hint = hint

    def one_line(self) -> str:
        text = " ".join(self.message.split())
        if self.hint:
            text = f"{text}; {' '.join(self.hint.split())}"
        return text


class UsageError(TrtkitError):
    """Bad command-line usage or bad configuration (exit 2)."""

    exit_code = EXIT_USAGE


class ConfigError(UsageError):
    """A configuration file or override that does not validate (exit 2); may list several problems."""

    def __init__(self, problems: list[str]):
        super().__init__(problems[0] if problems else "invalid configuration")
        self.problems = problems

    def lines(self) -> list[str]:
        return list(self.problems)


class InputFileError(TrtkitError):
    """A missing, unreadable or malformed input file (exit 3)."""

    exit_code = EXIT_BAD_INPUT


class BackendUnavailableError(TrtkitError):
    """A required backend (TensorRT, a GPU, Model Optimizer) is not available (exit 4)."""

    exit_code = EXIT_BACKEND_MISSING
