"""The API surface of an imported TensorRT module, read from the real bindings: classes and their bases, methods
with every overload parsed from the pybind11 docstrings, properties and whether they are writable, enum members,
module functions. Run inside the interpreter that has the TensorRT to describe:

    python -m tests.conformance.surface tensorrt OUT.json        # full TensorRT (a stubbed version: bindings.py)
    python -m tests.conformance.surface tensorrt_rtx OUT.json    # TensorRT-RTX, natively
"""

from __future__ import annotations

import importlib
import json
import re
import sys
from pathlib import Path
from typing import Any

# the binding's own module paths inside type names: tensorrt.tensorrt.ITensor -> ITensor
_MODULE_PREFIX = re.compile(r"\b(?:tensorrt_rtx_bindings\.tensorrt_rtx|tensorrt_bindings\.tensorrt|"
                            r"tensorrt\.tensorrt|tensorrt_rtx|tensorrt)\.")
_POSITIONAL_ONLY = re.compile(r"arg\d+$")  # pybind11's name for an argument declared without py::arg


def clean_type(text: str) -> str:
    return _MODULE_PREFIX.sub("", text.strip())


def split_top_level(text: str, separator: str = ",") -> list[str]:
    """Split on `separator` outside brackets and quotes (types such as Dict[str, int], defaults such as '<X: 1>')."""
    parts: list[str] = []
    current: list[str] = []
    depth, quote = 0, ""
    for char in text:
        if quote:
            quote = "" if char == quote else quote
        elif char in "'\"":
            quote = char
        elif char in "([{<":
            depth += 1
        elif char in ")]}>":
            depth -= 1
        elif char == separator and depth == 0:
            parts.append("".join(current).strip())
            current = []
            continue
        current.append(char)
    if "".join(current).strip():
        parts.append("".join(current).strip())
    return parts


def parse_parameter(text: str) -> dict[str, Any]:
    """`name: type = default` -> {name, type, default (whether it has one), keyword (whether it can be passed by
    name), star ("*" or "**" for *args/**kwargs)}."""
    star = "**" if text.startswith("**") else "*" if text.startswith("*") else ""
    text = text[len(star):]
    name_and_type, _, default = text.partition(" = ") if " = " in text else (text, "", "")
    name, _, kind = name_and_type.partition(":")
    name = name.strip()
    return {"name": name, "type": clean_type(kind) if kind else None, "default": bool(default),
            "keyword": not star and not _POSITIONAL_ONLY.match(name), "star": star}


def parse_overloads(name: str, doc: str | None) -> list[dict[str, Any]]:
    """Every signature of routine `name` in its pybind11 docstring: [{params, returns}]."""
    if not doc:
        return []
    pattern = re.compile(rf"^(?:\d+\. )?{re.escape(name)}\((.*)\)(?: -> (.*))?$")
    overloads = []
    overloaded = "Overloaded function." in doc
    for line in doc.splitlines():
        match = pattern.match(line.strip())
        if not match:
            continue
        if overloaded and match.group(1) == "*args, **kwargs":
            continue
        overloads.append({"params": [parse_parameter(part) for part in split_top_level(match.group(1))],
                          "returns": clean_type(match.group(2)) if match.group(2) else None})
    return overloads


def _is_routine(value: Any) -> bool:
    return type(value).__name__ in ("instancemethod", "builtin_function_or_method", "function",
                                    "staticmethod", "method")


def describe_class(cls: type) -> dict[str, Any]:
    members = getattr(cls, "__members__", None)
    entry: dict[str, Any] = {
        "bases": [clean_type(f"{base.__module__}.{base.__qualname__}") for base in cls.__bases__],
        "mro": [base.__name__ for base in cls.__mro__],
        "enum": list(members) if isinstance(members, dict) else None,
        "methods": {}, "static_methods": {}, "properties": {}, "attributes": [], "deprecated": {},
    }
    for key, value in vars(cls).items():
        doc = (value.fget.__doc__ if isinstance(value, property) and value.fget is not None else
               getattr(value, "__doc__", None)) if not isinstance(value, type) else None
        deprecated = re.search(r"\[DEPRECATED\] ([^\n]*)", doc or "")
        if deprecated and not key.startswith("__"):
            entry["deprecated"][key] = deprecated.group(1).strip()
        if key.startswith("__") and key not in ("__init__", "__call__", "__len__", "__getitem__", "__iter__",
                                                "__buffer__", "__bytes__"):
            continue
        if isinstance(value, property):
            getter_doc = getattr(value.fget, "__doc__", None) or ""
            returned = re.search(r"\) -> (.*)", getter_doc)
            entry["properties"][key] = {"writable": value.fset is not None,
                                        "type": clean_type(returned.group(1)) if returned else None}
        elif isinstance(value, staticmethod):
            entry["static_methods"][key] = parse_overloads(key, value.__func__.__doc__)
        elif _is_routine(value):
            entry["methods"][key] = parse_overloads(key, getattr(value, "__doc__", None))
        elif not isinstance(value, type):
            entry["attributes"].append(key)
    return entry


def describe_module(module_name: str) -> dict[str, Any]:
    module = importlib.import_module(module_name)
    classes: dict[str, Any] = {}
    functions: dict[str, Any] = {}
    others: list[str] = []

    def visit(prefix: str, cls: type, seen: set[int]) -> None:
        if id(cls) in seen:
            return
        seen.add(id(cls))
        classes[prefix] = describe_class(cls)
        for key, value in vars(cls).items():
            if isinstance(value, type) and not key.startswith("_"):
                visit(f"{prefix}.{key}", value, seen)

    seen: set[int] = set()
    for name in dir(module):
        if name.startswith("_"):
            continue
        value = getattr(module, name)
        if isinstance(value, type):
            if value.__name__ != name:  # an alias (Logger.Severity is ILogger.Severity): described under its name
                others.append(name)
                classes.setdefault(name, {"alias_of": clean_type(f"{value.__module__}.{value.__qualname__}")})
            visit(name, value, seen)
        elif callable(value):
            functions[name] = parse_overloads(name, getattr(value, "__doc__", None))
        else:
            others.append(name)
    extension = sys.modules.get(getattr(getattr(module, "ILogger", None), "__module__", ""))
    binary = Path(extension.__file__) if extension is not None and extension.__file__ else None
    if hasattr(module, "__version__"):
        others.append("__version__")
    return {"module": module_name, "version": getattr(module, "__version__", None), "classes": classes,
            "functions": functions, "others": others, "pure_virtual": pure_virtual(binary) if binary else {}}


def pure_virtual(binary: Path) -> dict[str, list[str]]:
    """The Python names of the pure virtual methods of each interface, as the trampolines of the compiled module
    name them when one is missing ("Tried to call pure virtual function \"ILogger::log\""): what a subclass
    must define, including names the module does not bind as methods (the legacy calibrator's get_quantile)."""
    found: dict[str, set[str]] = {}
    for match in re.finditer(rb'Tried to call pure virtual function "(\w+)::(\w+)"', binary.read_bytes()):
        found.setdefault(match.group(1).decode(), set()).add(match.group(2).decode())
    return {name: sorted(methods) for name, methods in sorted(found.items())}


def main(argv: list[str]) -> int:
    module_name, output = argv
    Path(output).parent.mkdir(parents=True, exist_ok=True)
    Path(output).write_text(json.dumps(describe_module(module_name), indent=1, sort_keys=True))
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
