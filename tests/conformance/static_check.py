"""Every TensorRT use in trtkit's source, checked against one TensorRT's real API surface.

Runs inside an interpreter where `tensorrt` (or `tensorrt_rtx`) is the version to check:

    python -m tests.conformance.static_check tensorrt SURFACE.json [--source DIR] [--json]

What it checks, site by site (an AST walk of the trtkit modules that use TensorRT):
- module attributes (`trt.X`), class attributes and enum members (`trt.X.Y`);
- methods and properties of TensorRT objects: the name exists on the class (or a base), a property assigned to is
  writable, a call's positional arity and keyword names fit one of the pybind11 overloads, and an argument whose
  type is known (an enum member, a TensorRT object) has the parameter's type;
- names looked up from config strings (`getattr(trt.DataType, dtype.upper())`): the code's own expression is
  evaluated for every value the config models allow, through the loops and `if`s around it, for every config
  that trtkit's `validate_options` accepts on this TensorRT (the real function, on the real module); each name it
  yields must exist.
A site is reachable on a version when some config `validate_options` accepts there gets through its `if`s and
loops (conditions that cannot be evaluated count as taken): unreachable sites are not checked (version gates).
The type of a receiver comes from the return and property types of the surface, from constructors, and for
parameters from SEEDS below (what each trtkit function is handed).
"""

from __future__ import annotations

import ast
import importlib
import json
import re
import sys
import typing
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

MODULE = "<module>"
UNKNOWN = object()  # an expression the reachability evaluator cannot evaluate here

# The modules that hold trtkit's TensorRT calls (a test checks no other trtkit module uses TensorRT objects).
FILES = ("trtkit/backends/tensorrt.py", "trtkit/backends/trt_builder.py", "trtkit/backends/calibrator.py",
         "trtkit/backends/trt_executor.py", "trtkit/backends/trt_runner.py", "trtkit/stages/build.py",
         "trtkit/stages/profile.py")
MODULE_NAMES = ("trt", "module")  # how trtkit names the imported TensorRT module

# What each function is handed (parameters, and attributes of parameters): name -> TensorRT class.
SEEDS: dict[str, dict[str, str]] = {
    "load_plugins": {"builder": "Builder"},
    "parse": {"builder": "Builder", "logger": "ILogger", "error": "ParserError"},
    "summarize_network": {"network": "INetworkDefinition"},
    "mark_all_outputs": {"network": "INetworkDefinition"},
    "configure": {"builder": "Builder", "network": "INetworkDefinition"},
    "_weak_typing": {"network": "INetworkDefinition", "config": "IBuilderConfig", "layer": "ILayer"},
    "_matching_layers": {"network": "INetworkDefinition"},
    "build_serialized": {"builder": "Builder", "network": "INetworkDefinition", "config": "IBuilderConfig"},
    "engine_information": {"engine": "ICudaEngine"},
    "TrtExecutor.__init__": {"engine": "ICudaEngine"},
    "TrtExecutor._bind": {"self.context": "IExecutionContext"},
    "TrtExecutor.enqueue": {"self.context": "IExecutionContext"},
    "layer_times": {"executor.context": "IExecutionContext"},
    "run_engine": {"engine": "ICudaEngine"},
    "numpy_dtype": {"engine": "ICudaEngine"},
    "_parse": {"logger": "ILogger"},
    "build_engine": {"builder": "Builder", "network": "INetworkDefinition", "config": "IBuilderConfig"},
    "_calibrator": {"config": "IBuilderConfig"},
    "_write_outputs": {"config": "IBuilderConfig"},
    "profile_engine": {"loaded": "ICudaEngine"},
    "engine_inputs": {"engine": "ICudaEngine"},
    "_numpy_name": {"engine": "ICudaEngine"},
}
# trtkit's names for TensorRT objects (the census of unchecked sites), and where such a name is not one
OBJECT_NAMES = {"engine", "loaded", "deserialized", "context", "builder", "network", "config", "parser", "registry",
                "inspector", "runtime", "layer", "tensor", "optimization_profile", "cache", "error", "serialized",
                "logger", "monitor", "profiler", "calibrator", "executor"}
NOT_TENSORRT: dict[str, tuple[str, ...]] = {
    "make_calibrator": ("cache", "runtime"),  # the cache's Path; the cuda-python runtime
    "layer_times": ("executor",),  # trtkit's TrtExecutor (its context is seeded above)
    "build_engine": ("calibrator", "context"),  # trtkit's own calibrator methods (error, summary, free); StageContext
    "_calibrator": ("context",),  # the StageContext
    "_graph_document": ("tensor", "layer"),  # the parsed layer listing
    "timing_mode": ("config",), "measure_with": ("config", "error"),  # ProfileConfig; a TrtkitError
    "profile_engine": ("config", "engine", "executor", "context"),  # ProfileConfig, the engine's Path, TrtExecutor,
    # StageContext
    "check_profiles": ("tensor",),  # trtkit's NetworkTensor of the parsed network's summary
}
# Parameters that carry a config value, as an expression over the BuildConfig `build` (for the evaluator), and
# the condition under which the function is called at all.
PARAMETERS: dict[str, dict[str, str]] = {
    "parse": {"parser_flags": "build.parser_flags", "strongly_typed": "build.strongly_typed"},
    "make_calibrator": {"algorithm": "build.calibration.algorithm"},
}
CALLED_WHEN: dict[str, str] = {
    "make_calibrator": "build.calibration is not None",
    "_calibrator": "build.calibration is not None",
}


@dataclass(frozen=True)
class Type:
    kind: str  # "module", "class" (the class object), "instance"
    name: str = ""


@dataclass
class Site:
    file: str
    line: int
    function: str
    text: str  # the expression as written
    check: str  # attribute, member, call, assign, lookup
    status: str = "ok"  # ok, mismatch, unreachable, unresolved
    detail: str = ""
    api: str = ""  # Class.member for a call or assignment on a TensorRT object
    deprecated: str = ""  # the binding's [DEPRECATED] note of what the site uses


@dataclass
class Report:
    version: str
    backend: str
    sites: list[Site] = field(default_factory=list)
    variants: int = 0
    accepted: int = 0
    unchecked: list[Site] = field(default_factory=list)  # attributes of names trtkit uses for TensorRT objects

    def mismatches(self) -> list[Site]:
        return [site for site in self.sites if site.status in ("mismatch", "unresolved")]


class Surface:
    """Look-ups over the JSON of tests.conformance.surface."""

    def __init__(self, data: dict):
        self.classes: dict[str, dict] = data["classes"]
        self.functions: dict[str, list] = data["functions"]
        self.others: list[str] = data["others"]

    def cls(self, name: str) -> dict | None:
        entry = self.classes.get(name)
        if entry is not None and "alias_of" in entry:
            entry = self.classes.get(entry["alias_of"], entry)
        return entry

    def chain(self, name: str) -> list[dict]:
        """The class and its bases, by MRO name."""
        entry = self.cls(name)
        if entry is None:
            return []
        return [found for base in entry["mro"] if (found := self.cls(base)) is not None and "mro" in found]

    def has_module_attribute(self, name: str) -> bool:
        return name in self.classes or name in self.functions or name in self.others

    def class_attribute(self, name: str, attribute: str) -> str | None:
        """What `Class.attribute` is: member, class (nested), method, static, property, attribute; None if absent."""
        if f"{name}.{attribute}" in self.classes:
            return "class"
        entry = self.cls(name)
        if attribute == "__members__" and entry is not None and entry.get("enum") is not None:
            return "attribute"
        for entry in self.chain(name):
            if entry["enum"] and attribute in entry["enum"]:
                return "member"
            for kind in ("methods", "static_methods", "properties"):
                if attribute in entry[kind]:
                    return kind
            if attribute in entry["attributes"]:
                return "attribute"
        return None

    def overloads(self, name: str, method: str) -> list[dict] | None:
        for entry in self.chain(name):
            for kind in ("methods", "static_methods"):
                if method in entry[kind]:
                    return entry[kind][method]
        return None

    def property(self, name: str, attribute: str) -> dict | None:
        for entry in self.chain(name):
            if attribute in entry["properties"]:
                return entry["properties"][attribute]
        return None

    def deprecated(self, name: str, attribute: str) -> str:
        return next((entry.get("deprecated", {})[attribute] for entry in self.chain(name)
                     if attribute in entry.get("deprecated", {})), "")

    def subclass_of(self, name: str, base: str) -> bool:
        entry = self.cls(name)
        return entry is not None and (base in entry["mro"] or base.rsplit(".", 1)[-1] in entry["mro"])


def class_name(type_text: str | None, surface: Surface) -> str | None:
    """The TensorRT class a surface type string names (Optional[X] -> X), or None."""
    if not type_text:
        return None
    text = re.sub(r"^Optional\[(.*)\]$", r"\1", type_text)
    return text if surface.cls(text) is not None else None


def accepts(overload: dict, positional: int, keywords: list[str], bound: bool) -> str | None:
    """Why `overload` rejects a call (None: it accepts): `positional` arguments, `keywords` names; `bound`: self
    is supplied by the instance."""
    params = overload["params"][1:] if bound and overload["params"] else overload["params"]
    if any(param["star"] == "*" for param in params):
        return None
    plain = [param for param in params if not param["star"]]
    if positional > len(plain):
        return f"takes at most {len(plain)} positional argument(s), given {positional}"
    filled = {param["name"] for param in plain[:positional]}
    for keyword in keywords:
        param = next((param for param in plain if param["name"] == keyword), None)
        if param is None or not param["keyword"]:
            if any(param["star"] == "**" for param in params):
                continue
            return f"has no keyword argument {keyword!r}"
        if keyword in filled:
            return f"got {keyword!r} twice"
        filled.add(keyword)
    missing = [param["name"] for param in plain if not param["default"] and param["name"] not in filled]
    return f"missing {', '.join(missing)}" if missing else None


def signature_text(overload: dict) -> str:
    return "(" + ", ".join(param["star"] + param["name"] for param in overload["params"]) + ")"


# ---------------------------------------------------------------------------------------------------------------
# configs to drive the reachability evaluator: every value the config models allow, one option at a time


def _samples(annotation: Any) -> list[Any]:
    """Values of one field for the variants: every Literal member; one valid value of other kinds."""
    origin = typing.get_origin(annotation)
    arguments = typing.get_args(annotation)
    if origin is typing.Annotated:
        return _samples(arguments[0])
    if origin is typing.Literal:
        return list(arguments)
    if origin in (typing.Union, getattr(__import__("types"), "UnionType", None)):
        return [value for argument in arguments if argument is not type(None) for value in _samples(argument)]
    if origin is list:
        return [[value] for value in _samples(arguments[0])]
    if origin is dict:
        return [{".*": value} for value in _samples(arguments[1])]
    if annotation is bool:
        return [True]
    if annotation is int:
        return [1]
    return []


def config_variants() -> Iterator[tuple[str, Any]]:
    """(label, BuildConfig): the defaults, then each option at each value it allows (nested sections field by
    field); options that only mean something with another get it (calibration with int8, DLA fallback with a
    core). Paths and profiles keep their defaults."""
    from pydantic import BaseModel, ValidationError

    from trtkit.config.models import BuildConfig

    # every variant has an optimization profile: the loops over build.profiles are then walked
    profile = {"profiles": {"p": {"min": "input:1x3", "opt": "input:1x3", "max": "input:2x3"}}}
    yield "defaults", BuildConfig.model_validate(profile)
    for name, info in BuildConfig.model_fields.items():
        annotation = info.annotation
        nested = next((argument for argument in (annotation, *typing.get_args(annotation))
                       if isinstance(argument, type) and issubclass(argument, BaseModel)), None)
        if name == "profiles":
            continue
        if nested is not None:
            options: list[dict[str, Any]] = [{name: {sub: value}} for sub, sub_info in nested.model_fields.items()
                                             for value in _samples(sub_info.annotation)]
        else:
            options = [{name: value} for value in _samples(annotation)]
        for option in options:
            if name == "calibration":
                option["precision"] = ["int8"]
            if name == "dla":
                option["dla"] = {"core": 0, **option["dla"]}
            try:
                label = ", ".join(f"{key}={value}" for key, value in option.items())
                yield label, BuildConfig.model_validate({**profile, **option})
            except ValidationError:
                continue


# ---------------------------------------------------------------------------------------------------------------
# the reachability evaluator: a site's enclosing loops and ifs, over one config's bindings


class _Unknown(Exception):
    pass


def _evaluate(node: ast.expr, namespace: dict) -> Any:
    """The value of `node`, with `and`/`or`/`not` three-valued (UNKNOWN); UNKNOWN when it cannot be evaluated."""
    if isinstance(node, ast.BoolOp):
        values = [_evaluate(value, namespace) for value in node.values]
        deciding = isinstance(node.op, ast.Or)
        if any(value is not UNKNOWN and bool(value) is deciding for value in values):
            return deciding
        return UNKNOWN if any(value is UNKNOWN for value in values) else values[-1]
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.Not):
        value = _evaluate(node.operand, namespace)
        return UNKNOWN if value is UNKNOWN else not value
    try:
        return eval(compile(ast.Expression(node), "<site>", "eval"), namespace)
    except Exception:
        return UNKNOWN


def _bind(target: ast.expr, value: Any, namespace: dict) -> None:
    if isinstance(target, ast.Name):
        namespace[target.id] = value
    elif isinstance(target, ast.Tuple) and isinstance(value, (tuple, list)) and len(value) == len(target.elts):
        for element, item in zip(target.elts, value, strict=True):
            _bind(element, item, namespace)
    else:
        raise _Unknown


def _run_assignments(node: ast.AST, child: ast.AST | None, namespace: dict) -> dict:
    """`namespace` after the plain assignments that come before `child` in `node`'s block (`names = [...]`)."""
    for block in ("body", "orelse"):
        statements = getattr(node, block, None)
        if not isinstance(statements, list) or not any(child is statement for statement in statements):
            continue
        namespace = dict(namespace)
        for statement in statements[:[id(item) for item in statements].index(id(child))]:
            if isinstance(statement, ast.Assign) and len(statement.targets) == 1:
                value = _evaluate(statement.value, namespace)
                for name in ast.walk(statement.targets[0]):
                    if isinstance(name, ast.Name):
                        namespace.pop(name.id, None)
                if value is not UNKNOWN:
                    try:
                        _bind(statement.targets[0], value, namespace)
                    except _Unknown:
                        pass
    return namespace


def walk_path(path: list[ast.AST], namespace: dict, at_site) -> Iterator[Any]:
    """Follow the statements from a function body down to the site: yields at_site(namespace) for every way
    through (loops bound element by element); a false `if` stops that way."""
    if not path:
        yield at_site(namespace)
        return
    node, rest = path[0], path[1:]
    child = rest[0] if rest else None
    if not isinstance(node, ast.For):
        namespace = _run_assignments(node, child, namespace)
    if isinstance(node, ast.If) and child is not None:
        value = _evaluate(node.test, namespace)
        in_body = any(child is statement for statement in node.body)
        if value is not UNKNOWN and bool(value) != in_body:
            return
        yield from walk_path(rest, namespace, at_site)
    elif isinstance(node, ast.For) and child is not None and any(child is statement for statement in node.body):
        items = _evaluate(node.iter, namespace)
        try:
            items = UNKNOWN if items is UNKNOWN else list(items)
        except Exception:
            items = UNKNOWN
        if items is UNKNOWN:
            inner = dict(namespace)
            for name in ast.walk(node.target):
                if isinstance(name, ast.Name):
                    inner.pop(name.id, None)
            yield from walk_path(rest, _run_assignments(node, child, inner), at_site)
            return
        for item in items:
            inner = dict(namespace)
            try:
                _bind(node.target, item, inner)
            except _Unknown:
                for name in ast.walk(node.target):
                    if isinstance(name, ast.Name):
                        inner.pop(name.id, None)
            yield from walk_path(rest, _run_assignments(node, child, inner), at_site)
    else:
        yield from walk_path(rest, namespace, at_site)


# ---------------------------------------------------------------------------------------------------------------
# the walk over trtkit's source


class FunctionChecker(ast.NodeVisitor):
    """The TensorRT sites of one function: types its names, then checks each site."""

    def __init__(self, checker: Checker, file: str, qualname: str, function: ast.AST, module_globals: dict):
        self.checker, self.file, self.qualname, self.function = checker, file, qualname, function
        self.surface = checker.surface
        self.parents: dict[int, ast.AST] = {}
        self.globals = module_globals
        short = qualname.rsplit(".", 1)[-1]
        self.types: dict[str, Type] = {name: Type("module") for name in MODULE_NAMES}
        for key in (qualname, short):
            for name, cls in SEEDS.get(key, {}).items():
                self.types[name] = Type("instance", cls)
        self.parameters = PARAMETERS.get(short, {})
        self.called_when = CALLED_WHEN.get(short)

    # types ------------------------------------------------------------------------------------------------------
    def dotted(self, node: ast.expr) -> str | None:
        if isinstance(node, ast.Name):
            return node.id
        if isinstance(node, ast.Attribute):
            base = self.dotted(node.value)
            return f"{base}.{node.attr}" if base else None
        return None

    def type_of(self, node: ast.expr) -> Type | None:
        dotted = self.dotted(node)
        if dotted is not None and dotted in self.types:
            return self.types[dotted]
        if isinstance(node, ast.Attribute):
            owner = self.type_of(node.value)
            if owner is None:
                return None
            if owner.kind == "module":
                return Type("class", node.attr) if self.surface.cls(node.attr) is not None else None
            if owner.kind == "class":
                kind = self.surface.class_attribute(owner.name, node.attr)
                if kind == "class":
                    return Type("class", f"{owner.name}.{node.attr}")
                if kind in ("member", "attribute"):
                    return Type("instance", owner.name)
                return None
            prop = self.surface.property(owner.name, node.attr)
            found = class_name(prop["type"], self.surface) if prop else None
            return Type("instance", found) if found else None
        if isinstance(node, ast.Call):
            if isinstance(node.func, ast.Name) and node.func.id == "getattr" and node.args:
                owner = self.type_of(node.args[0])
                if owner is not None and owner.kind == "class":
                    return Type("instance", owner.name)  # an enum member
                if owner is not None and owner.kind == "module":
                    return Type("class", "")  # a class chosen at run time
                return None
            callee = self.type_of(node.func)
            if callee is not None and callee.kind == "class" and callee.name:
                return Type("instance", callee.name)
            if isinstance(node.func, ast.Attribute):
                owner = self.type_of(node.func.value)
                if owner is not None and owner.kind == "instance":
                    overloads = self.surface.overloads(owner.name, node.func.attr) or []
                    found = class_name(overloads[0]["returns"], self.surface) if overloads else None
                    return Type("instance", found) if found else None
        return None

    def learn_types(self) -> None:
        """Names assigned from typed expressions (in source order; tuples from tuple-returning calls are not)."""
        for node in ast.walk(self.function):
            if isinstance(node, ast.Assign) and len(node.targets) == 1:
                found = self.type_of(node.value)
                target = self.dotted(node.targets[0])
                if found is not None and target is not None and target not in self.types:
                    self.types[target] = found

    # sites ------------------------------------------------------------------------------------------------------
    def run(self) -> None:
        for node in ast.walk(self.function):
            for child in ast.iter_child_nodes(node):
                self.parents[id(child)] = node
        self.learn_types()
        for node in ast.walk(self.function):
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in ("getattr",
                                                                                                    "hasattr"):
                self.lookup(node)
            elif isinstance(node, ast.Attribute):
                self.attribute(node)
                self.census(node)

    def census(self, node: ast.Attribute) -> None:
        """An attribute of a name that, by trtkit's naming, may hold a TensorRT object but has no type here: not
        checked, so listed (the README counts them against the checked sites)."""
        if (isinstance(node.value, ast.Name) and node.value.id in OBJECT_NAMES and node.value.id not in
                NOT_TENSORRT.get(self.qualname, ()) and self.type_of(node.value) is None):
            self.checker.report.unchecked.append(Site(self.file, node.lineno, self.qualname, ast.unparse(node),
                                                      "attribute", "unchecked"))

    def statement_path(self, node: ast.AST) -> list[ast.AST]:
        """The statements from the function down to the one holding `node`."""
        chain = []
        current: ast.AST | None = node
        while current is not None and current is not self.function:
            if isinstance(current, ast.stmt):
                chain.append(current)
            current = self.parents.get(id(current))
        return [self.function, *reversed(chain)]

    def add(self, node: ast.AST, check: str, status: str = "ok", detail: str = "") -> Site:
        site = Site(self.file, getattr(node, "lineno", 0), self.qualname, ast.unparse(node), check, status, detail)
        self.checker.report.sites.append(site)
        return site

    def reachable(self, node: ast.AST) -> bool:
        return any(True for _ in self.checker.ways(self, node, lambda namespace: namespace))

    def attribute(self, node: ast.Attribute) -> None:
        owner = self.type_of(node.value)
        if owner is None or (owner.kind == "class" and not owner.name):
            return
        parent = self.parents.get(id(node))
        if isinstance(parent, ast.Attribute) and self.type_of(parent) is not None and owner.kind != "instance":
            pass  # trt.X in trt.X.Y: checked as part of trt.X.Y below, and on its own
        problem = self.problem(owner, node, parent)
        check = ("call" if isinstance(parent, ast.Call) and parent.func is node else
                 "assign" if isinstance(node.ctx, ast.Store) else
                 "member" if owner.kind == "class" else "attribute")
        status = ("ok" if problem is None else "unreachable" if self.guarded(node) or not self.reachable(node)
                  else "mismatch")
        site = self.add(parent if check == "call" and parent is not None else node, check, status, problem or "")
        if owner.kind == "instance" and check in ("call", "assign"):
            site.api = f"{owner.name}.{node.attr}"
            site.deprecated = self.surface.deprecated(owner.name, node.attr)
        elif owner.kind == "module" and check == "call":
            site.api = f"{node.attr}.__init__"

    def guarded(self, node: ast.Attribute) -> bool:
        """`x.attr` under `if hasattr(x, "attr")` (trtkit's own feature test)."""
        current = self.parents.get(id(node))
        text = (ast.unparse(node.value), node.attr)
        while current is not None:
            if isinstance(current, (ast.If, ast.IfExp)):
                for call in ast.walk(current.test):
                    if (isinstance(call, ast.Call) and isinstance(call.func, ast.Name) and call.func.id == "hasattr"
                            and len(call.args) == 2 and (ast.unparse(call.args[0]), _constant(call.args[1])) == text):
                        return True
            current = self.parents.get(id(current))
        return False

    def problem(self, owner: Type, node: ast.Attribute, parent: ast.AST | None) -> str | None:
        surface, name = self.surface, node.attr
        if owner.kind == "module":
            return None if surface.has_module_attribute(name) else f"the module has no {name}"
        if owner.kind == "class":
            kind = surface.class_attribute(owner.name, name)
            if kind is None:
                return f"{owner.name} has no {name}"
            if isinstance(parent, ast.Call) and parent.func is node and kind in ("methods", "static_methods"):
                return self.arity(owner.name, name, parent, bound=False)  # self passed explicitly, or static
            return None
        kind = surface.class_attribute(owner.name, name)
        if kind is None:
            return f"{owner.name} has no attribute {name}"
        if isinstance(node.ctx, ast.Store):
            prop = surface.property(owner.name, name)
            if prop is None or not prop["writable"]:
                return f"{owner.name}.{name} is read-only"
            assigned = self.assigned_value(node)
            return self.type_problem(assigned, prop["type"], f"{owner.name}.{name}")
        if isinstance(parent, ast.Call) and parent.func is node:
            if kind != "methods":
                return f"{owner.name}.{name} is a {kind[:-1] if kind.endswith('s') else kind}, not a method"
            return self.arity(owner.name, name, parent, bound=True)
        return None

    def assigned_value(self, node: ast.Attribute) -> ast.expr | None:
        parent = self.parents.get(id(node))
        return parent.value if isinstance(parent, ast.Assign) else None

    def type_problem(self, argument: ast.expr | None, expected: str | None, where: str) -> str | None:
        given = self.type_of(argument) if argument is not None else None
        wanted = class_name(expected, self.surface)
        if given is None or given.kind != "instance" or wanted is None:
            return None
        if self.surface.subclass_of(given.name, wanted):
            return None
        return f"{where} takes {wanted}, given {given.name}"

    def arity(self, cls: str, method: str, call: ast.Call, bound: bool) -> str | None:
        overloads = self.surface.overloads(cls, method) or []
        if not overloads or any(isinstance(argument, ast.Starred) for argument in call.args):
            return None
        keywords = [keyword.arg for keyword in call.keywords if keyword.arg is not None]
        reasons = []
        for overload in overloads:
            reason = accepts(overload, len(call.args), keywords, bound)
            if reason is None:
                params = overload["params"][1:] if bound else overload["params"]
                typed = [self.type_problem(argument, param["type"], f"{cls}.{method} argument {param['name']}")
                         for argument, param in zip(call.args, params, strict=False)]
                typed += [self.type_problem(keyword.value, next((p["type"] for p in params if p["name"] ==
                                                                 keyword.arg), None), f"{cls}.{method} {keyword.arg}")
                          for keyword in call.keywords]
                reason = next((problem for problem in typed if problem), None)
                if reason is None:
                    return None
            reasons.append(f"{signature_text(overload)}: {reason}")
        return f"{cls}.{method} rejects this call: " + "; ".join(reasons)

    def lookup(self, call: ast.Call) -> None:
        """getattr(trt.X, NAME) / getattr(trt, NAME): every NAME this code can form must exist; hasattr is a
        feature test and getattr with a default tolerates absence (both only counted)."""
        if len(call.args) < 2:
            return
        owner = self.type_of(call.args[0])
        if owner is None or not isinstance(call.func, ast.Name):
            return
        if call.func.id == "hasattr" or len(call.args) > 2:
            self.add(call, "lookup", "ok", "feature test")
            return
        if owner.kind == "instance":
            return
        names, unresolved = set(), 0
        for result in self.checker.ways(self, call, lambda namespace: _evaluate(call.args[1], namespace)):
            if result is UNKNOWN or not isinstance(result, str):
                unresolved += 1
            else:
                names.add(result)
        if not names and not unresolved:
            self.add(call, "lookup", "unreachable", "no accepted config reaches it")
            return
        missing = sorted(name for name in names if not self._exists(owner, name))
        if missing:
            self.add(call, "lookup", "mismatch", f"{owner.name or 'the module'} has no {', '.join(missing)} "
                                                  f"(formed from configs validate_options accepts)")
        elif unresolved:
            self.add(call, "lookup", "unresolved", "the name could not be evaluated from the config models")
        else:
            self.add(call, "lookup", "ok", ", ".join(sorted(names)))

    def _exists(self, owner: Type, name: str) -> bool:
        if owner.kind == "module":
            return self.surface.has_module_attribute(name)
        return self.surface.class_attribute(owner.name, name) is not None


def _constant(node: ast.expr) -> Any:
    return node.value if isinstance(node, ast.Constant) else None


class Checker:
    def __init__(self, surface: dict, module: Any, backend: str, source: Path):
        self.surface = Surface(surface)
        self.module = module
        self.backend = backend
        self.source = source
        self.report = Report(str(getattr(module, "__version__", "?")), backend)
        self.accepted = self.accepted_variants()

    def accepted_variants(self) -> list[Any]:
        from trtkit.errors import UsageError
        from trtkit.stages.build import validate_options

        accepted = []
        for _label, build in config_variants():
            self.report.variants += 1
            try:
                validate_options(build, self.backend, self.module)
            except UsageError:
                continue
            accepted.append(build)
        self.report.accepted = len(accepted)
        return accepted

    def namespace(self, function: FunctionChecker, build: Any) -> dict:
        namespace = {**function.globals, "build": build}
        for name, found in function.types.items():
            if found.kind == "module":
                namespace[name] = self.module
            elif "." not in name and found.name:
                value = self.module
                for part in found.name.split("."):
                    value = getattr(value, part, None)
                if value is not None:
                    namespace[name] = value  # the class stands for its instances in feature tests
        for name, expression in function.parameters.items():
            namespace[name] = _evaluate(ast.parse(expression, mode="eval").body, namespace)
        return namespace

    def ways(self, function: FunctionChecker, node: ast.AST, at_site) -> Iterator[Any]:
        """at_site(namespace) for each way an accepted config reaches `node`."""
        path = function.statement_path(node)
        for build in self.accepted:
            namespace = self.namespace(function, build)
            if function.called_when is not None:
                entry = _evaluate(ast.parse(function.called_when, mode="eval").body, namespace)
                if entry is not UNKNOWN and not entry:
                    continue
            yield from walk_path(path, namespace, at_site)

    def check_file(self, relative: str) -> None:
        tree = ast.parse((self.source / relative).read_text(), relative)
        module_name = relative.removesuffix(".py").replace("/", ".")
        module_globals = vars(importlib.import_module(module_name))
        for qualname, function in _functions(tree):
            FunctionChecker(self, relative, qualname, function, dict(module_globals)).run()

    def run(self) -> Report:
        for relative in FILES:
            self.check_file(relative)
        return self.report


def _functions(tree: ast.Module) -> Iterator[tuple[str, ast.AST]]:
    """(qualified name, function node) of every function, classes' methods included;
    a nested function is checked as part of its outer one (the calibrator's methods, the monitor's)."""
    for node in tree.body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            yield node.name, node
        elif isinstance(node, ast.ClassDef):
            for item in node.body:
                if isinstance(item, (ast.FunctionDef, ast.AsyncFunctionDef)):
                    yield f"{node.name}.{item.name}", item


def main(argv: list[str]) -> int:
    module_name, surface_path = argv[0], argv[1]
    as_json = "--json" in argv
    source = Path(argv[argv.index("--source") + 1]) if "--source" in argv else Path(__file__).resolve().parents[2]
    module = importlib.import_module(module_name)
    backend = "tensorrt-rtx" if module_name == "tensorrt_rtx" else "tensorrt"
    report = Checker(json.loads(Path(surface_path).read_text()), module, backend, source).run()
    if as_json:
        print(json.dumps(asdict(report)))
    else:
        for site in report.sites:
            if site.status != "ok":
                print(f"{site.status:11} {site.file}:{site.line} {site.text}: {site.detail}")
        counts = {status: sum(site.status == status for site in report.sites)
                  for status in ("ok", "unreachable", "mismatch", "unresolved")}
        print(f"{backend} {report.version}: {len(report.sites)} sites {counts}; configs {report.accepted} of "
              f"{report.variants} accepted")
    return 1 if report.mismatches() else 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
