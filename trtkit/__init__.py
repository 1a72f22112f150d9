"""trtkit: the ONNX -> TensorRT engine pipeline as one command-line toolchain, and as a Python library:
`trtkit.inspect`, `trtkit.lint`, `trtkit.build`... return the typed results the commands render (see trtkit.api)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

# The public API, imported on first use (module __getattr__): `import trtkit` loads no stage, no pydantic, no
# TensorRT, and stays as fast as the command line needs it.
_API = ("build", "compare_engines", "compare_layers", "compare_outputs", "convert", "inspect", "lint", "load_config",
        "load_plan", "load_plans", "profile", "run", "to_document", "write_report")
# (`trtkit.report` is the package of renderers: the report function is `write_report`)
_ERRORS = ("TrtkitError", "UsageError", "ConfigError", "InputFileError", "BackendUnavailableError")

if TYPE_CHECKING:
    from trtkit.api import (
        build,
        compare_engines,
        compare_layers,
        compare_outputs,
        convert,
        inspect,
        lint,
        load_config,
        load_plan,
        load_plans,
        profile,
        run,
        to_document,
        write_report,
    )
    from trtkit.errors import BackendUnavailableError, ConfigError, InputFileError, TrtkitError, UsageError

__all__ = ["BackendUnavailableError", "ConfigError", "InputFileError", "TrtkitError", "UsageError", "__version__",
           "build", "compare_engines", "compare_layers", "compare_outputs", "convert", "inspect", "lint",
           "load_config", "load_plan", "load_plans", "profile", "run", "to_document", "write_report"]


def __getattr__(name: str) -> Any:
    if name in _API:
        from trtkit import api

        return getattr(api, name)
    if name in _ERRORS:
        from trtkit import errors

        return getattr(errors, name)
    raise AttributeError(f"module 'trtkit' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted([*globals(), *_API, *_ERRORS])
