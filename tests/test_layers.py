"""The import contract: trtkit's layers import only downwards.

Every import of every trtkit module counts: at module top, inside functions (the lazy imports of heavy modules),
and under `if TYPE_CHECKING:` (a type from a layer above is still a dependency on it). Layers, top to bottom:

    cli (and the package facade: trtkit/__init__.py, trtkit/__main__.py, the public API trtkit/api.py)
    orchestration    run, sweep, the HTML report's assembly
    stages           the work of each subcommand
    report           renderers: Rich tables, JSON documents, HTML
    results          the result types stages return and renderers render
    analysis         pure functions over the plan model
    plan, config     the engine-plan model and its parsers; the YAML's models and loading
    backends, io     TensorRT, CUDA, onnxruntime; files, paths, JSON writing, output settings
    base             trtkit.errors and the package's own attributes (`from trtkit import __version__`)

Packages on one line are peers and may import each other; nothing imports a layer above its own.
"""

from __future__ import annotations

import ast
from collections.abc import Iterable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent / "trtkit"

LAYERS: list[tuple[str, ...]] = [
    ("errors",),
    ("backends", "io"),
    ("plan", "config"),
    ("analysis",),
    ("results",),
    ("report",),
    ("stages",),
    ("orchestration",),
    ("cli", "api", "__init__", "__main__"),
]
RANK = {package: rank for rank, packages in enumerate(LAYERS) for package in packages}
BASE_ATTRIBUTES = {"__version__"}  # what `from trtkit import ...` may take from the package itself


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT.parent).with_suffix("").parts)
    if parts[-1] == "__init__" and len(parts) > 1:
        parts = parts[:-1]
    return ".".join(parts)


def layer_of(module: str) -> str:
    """The layer package of a trtkit module: its first component below `trtkit` (`__init__` for the package)."""
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else "__init__"


def imported_modules(source: str, module: str, is_package: bool) -> Iterable[tuple[int, str]]:
    """(line, trtkit module) for every import in the source, wherever it stands; `from trtkit import __version__`
    gives `trtkit.errors`'s layer (the base), `from trtkit.report import console` the submodule."""
    package = module if is_package else module.rpartition(".")[0]
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.startswith("trtkit"):
                    yield node.lineno, alias.name
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*anchor, *([node.module] if node.module else [])])
            if not (base == "trtkit" or base.startswith("trtkit.")):
                continue
            for alias in node.names:
                if base == "trtkit" and alias.name in BASE_ATTRIBUTES:
                    yield node.lineno, "trtkit.errors"  # the package's own attributes: the base layer
                elif base == "trtkit":
                    yield node.lineno, f"trtkit.{alias.name}"  # a layer package, or a facade name: its layer
                else:
                    yield node.lineno, base


def upward_imports(sources: dict[str, tuple[str, bool]]) -> list[str]:
    """Every import of a layer above the importer's, as `module:line imports target (layer > layer)`."""
    found = []
    for module, (source, is_package) in sorted(sources.items()):
        own = layer_of(module)
        for line, target in sorted(set(imported_modules(source, module, is_package))):
            other = layer_of(target)
            if other not in RANK:
                found.append(f"{module}:{line} imports {target}: a package the layer list does not name")
            elif RANK[other] > RANK[own]:
                found.append(f"{module}:{line} imports {target} ({other} is above {own})")
    return found


def trtkit_sources() -> dict[str, tuple[str, bool]]:
    return {module_name(path): (path.read_text(encoding="utf-8"), path.name == "__init__.py")
            for path in sorted(ROOT.rglob("*.py"))}


def test_every_package_has_a_layer() -> None:
    packages = {path.name if path.is_dir() else path.stem for path in ROOT.iterdir()
                if (path.is_dir() and (path / "__init__.py").exists()) or path.suffix == ".py"}
    assert packages - set(RANK) == set()


def test_imports_go_down_only() -> None:
    assert upward_imports(trtkit_sources()) == []


def test_an_upward_import_inside_a_function_fails_the_contract() -> None:
    sources = trtkit_sources()
    text, is_package = sources["trtkit.io.paths"]
    sources["trtkit.io.paths"] = (text + "\n\ndef _late():\n    from trtkit.report.console import OUTPUT\n", is_package)
    lines = text.count("\n") + 4
    assert upward_imports(sources) == [f"trtkit.io.paths:{lines} imports trtkit.report.console (report is above io)"]


def test_type_checking_relative_and_facade_imports_count() -> None:
    sources = {
        "trtkit.results.build": ("from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n"
                                 "    from trtkit.stages.build import ParseFailed\n", False),
        "trtkit.plan.loader": ("from ..report import html\n", False),
        "trtkit.config.models": ("import trtkit.orchestration.run\n", False),
        "trtkit.io.atomic": ("from trtkit import stages, __version__\n", False),
        "trtkit.analysis.summary": ("from trtkit.plan.model import EnginePlan\nfrom trtkit import errors\n", False),
    }
    assert upward_imports(sources) == [
        "trtkit.config.models:1 imports trtkit.orchestration.run (orchestration is above config)",
        "trtkit.io.atomic:1 imports trtkit.stages (stages is above io)",
        "trtkit.plan.loader:1 imports trtkit.report (report is above plan)",
        "trtkit.results.build:3 imports trtkit.stages.build (stages is above results)",
    ]


# Mutual imports inside one layer (lazy, inside functions) that predate the contract; a new cycle fails the test
KNOWN_CYCLES = [
    ["trtkit.backends.onnxrt", "trtkit.backends.reference"],
    ["trtkit.stages.convert", "trtkit.stages.debug_precision"],
]


def import_cycles(sources: dict[str, tuple[str, bool]]) -> list[list[str]]:
    """The groups of modules that import each other, directly or around a loop (strongly connected components)."""
    graph: dict[str, set[str]] = {}
    for module, (source, is_package) in sources.items():
        graph[module] = set()
        for _, target in imported_modules(source, module, is_package):
            while target not in sources and "." in target:
                target = target.rpartition(".")[0]
            if target != module and target in sources:
                graph[module].add(target)
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    cycles: list[list[str]] = []

    def visit(module: str) -> None:
        index[module] = low[module] = len(index)
        stack.append(module)
        for target in sorted(graph[module]):
            if target not in index:
                visit(target)
                low[module] = min(low[module], low[target])
            elif target in stack:
                low[module] = min(low[module], index[target])
        if low[module] == index[module]:
            group = []
            while True:
                member = stack.pop()
                group.append(member)
                if member == module:
                    break
            if len(group) > 1:
                cycles.append(sorted(group))

    for module in sorted(graph):
        if module not in index:
            visit(module)
    return sorted(cycles)


def test_no_new_import_cycles() -> None:
    assert import_cycles(trtkit_sources()) == KNOWN_CYCLES


def test_a_cycle_between_config_modules_fails_the_contract() -> None:
    sources = trtkit_sources()
    text, is_package = sources["trtkit.config.models"]
    sources["trtkit.config.models"] = (text + "\nfrom trtkit.config.loader import load_config\n", is_package)
    assert ["trtkit.config.loader", "trtkit.config.models"] in import_cycles(sources)
