"""Load the pipeline YAML into `PipelineConfig`, with every error naming its key path and line.

YAML is composed into nodes first so each key keeps its line; overrides (`--set a.b=value`) are
applied to the plain data before validation and are named as the origin of what they set.
"""

from __future__ import annotations

import difflib
import re
import types
import typing
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from trtkit.errors import ConfigError, InputFileError, UsageError

if TYPE_CHECKING:
    from pydantic_core import ErrorDetails

Location = tuple[Any, ...]


@dataclass
class SourceMap:
    """Where each key path of the data came from: `file.yaml:12` or `--set build.workspace=...`."""

    file: str
    origins: dict[Location, str] = field(default_factory=dict)

    def origin(self, path: Location) -> str:
        # the deepest known prefix: a missing key points at its parent section
        for end in range(len(path), -1, -1):
            if path[:end] in self.origins:
                return self.origins[path[:end]]
        return self.file


# Limits on a config, so a hostile or broken file is refused in well under a second (see "Hostile input" in the
# README): a real pipeline config is a few KiB with a few hundred values, nested a few levels deep.
MAX_CONFIG_BYTES = 1 << 20
MAX_VALUES = 100_000  # values after aliases are expanded: billion laughs is refused before it is built
MAX_DEPTH = 64
MAX_INTEGER_CHARS = 64
_STANDARD_TAGS = {f"tag:yaml.org,2002:{name}" for name in ("str", "int", "float", "bool", "null", "map", "seq",
                                                           "timestamp")}


def _compose(text: str, file: str) -> Any:
    import yaml

    # libyaml composes ~100 times faster and caps flow nesting; the pure-Python parser is the fallback
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    try:
        node = yaml.compose(text, Loader=loader)
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        where = _place(file, mark.line + 1) if mark else file
        problem = getattr(error, "problem", None) or str(error).splitlines()[0]
        raise ConfigError([f"{where}: not valid YAML: {problem}; fix the syntax"]) from None
    except RecursionError:
        raise ConfigError([f"{file}: nested too deeply (the limit is {MAX_DEPTH} levels); flatten it"]) from None
    if node is not None:
        _check_limits(node, file)
    return node


def _place(file: str, line: int) -> str:
    """`file.yaml:12`; an override (`--set KEY`) is one line and is named alone."""
    return file if file.startswith("--set ") else f"{file}:{line}"


def _check_limits(root: Any, file: str) -> None:
    """Refuse, before anything is built, a node graph that expands (through aliases) to more than MAX_VALUES
    values, nests deeper than MAX_DEPTH, refers to itself, has a non-standard tag or an over-long integer."""
    import yaml

    sizes: dict[int, int] = {}
    open_nodes: set[int] = set()

    def expanded(node: Any, depth: int) -> int:
        where = _place(file, node.start_mark.line + 1)
        if depth > MAX_DEPTH:
            raise ConfigError([f"{where}: nested more than {MAX_DEPTH} levels deep; flatten the config"])
        if node.tag == "tag:yaml.org,2002:merge":
            raise ConfigError([f"{where}: YAML merge keys (<<) are not supported; write the keys out"])
        if node.tag not in _STANDARD_TAGS:
            raise ConfigError([f"{where}: unsupported YAML tag {node.tag.replace('tag:yaml.org,2002:', '!!')}; "
                               "configs use plain values only (no tags, no !include)"])
        if isinstance(node, yaml.ScalarNode):
            if node.tag.endswith(":int") and len(node.value) > MAX_INTEGER_CHARS:
                raise ConfigError([f"{where}: an integer of {len(node.value)} characters (the limit is "
                                   f"{MAX_INTEGER_CHARS}); write a smaller number"])
            return 1
        if id(node) in sizes:
            return sizes[id(node)]
        if id(node) in open_nodes:
            raise ConfigError([f"{where}: an alias refers to the node that contains it; remove the cycle"])
        open_nodes.add(id(node))
        children = [part for pair in node.value for part in pair] if isinstance(node, yaml.MappingNode) \
            else node.value
        total = 1
        for child in children:
            total += expanded(child, depth + 1)
            if total > MAX_VALUES:
                raise ConfigError([f"{where}: the config expands to more than {MAX_VALUES:,} values through its "
                                   "aliases (&anchor / *alias); write the values out or use fewer aliases"])
        open_nodes.discard(id(node))
        sizes[id(node)] = total
        return total

    expanded(root, 0)


def _construct(node: Any, path: Location, sources: SourceMap, problems: list[str]) -> Any:
    """Plain data from a YAML node, recording the line of every key and item."""
    import yaml

    line = f"{sources.file}:{node.start_mark.line + 1}"
    if isinstance(node, yaml.MappingNode):
        result: dict[Any, Any] = {}
        for key_node, value_node in node.value:
            key_line = f"{sources.file}:{key_node.start_mark.line + 1}"
            if not isinstance(key_node, yaml.ScalarNode):
                problems.append(f"{key_line}: {_dotted(path)}: a key must be a plain name, not a list or mapping")
                continue
            key_text = str(_scalar(key_node))
            if key_text in result:
                problems.append(f"{key_line}: {_dotted(path + (key_text,))}: duplicate key; keep one of them")
            sources.origins[path + (key_text,)] = key_line
            result[key_text] = _construct(value_node, path + (key_text,), sources, problems)
        return result
    if isinstance(node, yaml.SequenceNode):
        items = []
        for index, item in enumerate(node.value):
            sources.origins[path + (index,)] = f"{sources.file}:{item.start_mark.line + 1}"
            items.append(_construct(item, path + (index,), sources, problems))
        return items
    sources.origins.setdefault(path, line)
    return _scalar(node)


def _scalar(node: Any) -> Any:
    import yaml

    # SafeConstructor resolves the node's tag (int, float, bool, null, timestamp, str) without a stream
    return yaml.constructor.SafeConstructor().construct_object(node, deep=True)


def _dotted(path: Location) -> str:
    text = ""
    for part in path:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text or "(top level)"


def parse_yaml(text: str, file: str) -> tuple[dict[str, Any], SourceMap]:
    """Plain data and its source map from YAML text; the top level must be a mapping."""
    sources = SourceMap(file)
    node = _compose(text, file)
    if node is None:
        return {}, sources
    problems: list[str] = []
    data = _construct(node, (), sources, problems)
    if problems:
        raise ConfigError(problems)
    if not isinstance(data, dict):
        raise ConfigError([f"{file}:1: the top level must be a mapping of sections (model, build, ...)"])
    return data, sources


def read_config_file(path: str | Path) -> tuple[dict[str, Any], SourceMap]:
    """Read a YAML config file; a missing, unreadable or special file (FIFO, device) is an input-file error
    (exit 3), a file over MAX_CONFIG_BYTES a config error (exit 2)."""
    from trtkit.io.paths import require_regular_file

    path = require_regular_file(path, "config file")
    try:
        with path.open("rb") as handle:
            raw = handle.read(MAX_CONFIG_BYTES + 1)
        if len(raw) > MAX_CONFIG_BYTES:
            raise ConfigError([f"{path}: larger than {MAX_CONFIG_BYTES // (1 << 20)} MiB, the limit for a config "
                               "file; a pipeline config is a few KiB, check this is the right file"])
        text = raw.decode("utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise InputFileError(f"cannot read config file {path}: {error}", "check it is a UTF-8 text file") from None
    return parse_yaml(text, str(path))


def _override_value(raw: str, origin: str) -> Any:
    """The value of one `--set KEY=VALUE`, read as YAML under the same limits as a file; text that is not YAML
    stays text."""
    if not raw.strip():
        return ""
    if len(raw) > MAX_CONFIG_BYTES:
        raise ConfigError([f"{origin}: the value is larger than {MAX_CONFIG_BYTES // (1 << 20)} MiB, the limit for "
                           "a config; put it in a file"])
    try:
        node = _compose(raw, origin)
    except ConfigError as error:
        if not error.lines()[0].startswith(f"{origin}: not valid YAML"):
            raise
        return raw
    if node is None:
        return None
    problems: list[str] = []
    value = _construct(node, (), SourceMap(origin), problems)
    if problems:
        raise ConfigError(problems)
    return value


def apply_overrides(data: dict[str, Any], overrides: list[str], sources: SourceMap,
                    typed_as: dict[str, str] | None = None) -> None:
    """Apply `KEY.PATH=VALUE` overrides in place; VALUE is read as YAML (`true`, `[fp16]`, `2GiB`). `typed_as`:
    how the user typed an override that a flag stands for (`--max-regression lots`), for its errors."""
    for override in overrides:
        key, separator, raw = override.partition("=")
        key = key.strip()
        if not separator or not key:
            raise UsageError(f"--set {override!r}: expected KEY=VALUE such as build.workspace=2GiB")
        origin = (typed_as or {}).get(override) or f"--set {override}"
        value = _override_value(raw, origin)
        parts = tuple(key.split("."))
        target = data
        for depth, part in enumerate(parts[:-1]):
            child = target.setdefault(part, {})
            if not isinstance(child, dict):
                raise UsageError(f"{origin}: {_dotted(parts[:depth + 1])} is a value, not a section")
            target = child
        target[parts[-1]] = value
        for end in range(1, len(parts) + 1):
            if end == len(parts) or parts[:end] not in sources.origins:
                sources.origins[parts[:end]] = origin
        for path in [p for p in sources.origins if p[: len(parts)] == parts and len(p) > len(parts)]:
            sources.origins[path] = origin


def load_config_for_lint(path: str | Path, overrides: list[str] | None = None):
    """(config or None, its source map, the problems): lint reports a config that does not validate as findings."""
    try:
        data, sources = read_config_file(path)
        apply_overrides(data, overrides or [], sources)
    except ConfigError as error:
        return None, SourceMap(str(path)), error.lines()
    try:
        config = validate_config(data, sources)
    except ConfigError as error:
        return None, sources, error.lines()
    config._base_dir = Path(path).resolve().parent
    return config, sources, []


def load_config(path: str | Path | None = None, overrides: list[str] | None = None,
                typed_as: dict[str, str] | None = None):
    """The validated `PipelineConfig` of a file (or of the defaults when `path` is None) with overrides (errors
    in one a flag stands for name the flag as typed: `typed_as`, see `apply_overrides`)."""
    data: dict[str, Any]
    if path is None:
        data, sources = {}, SourceMap("defaults")
    else:
        data, sources = read_config_file(path)
    apply_overrides(data, overrides or [], sources, typed_as)
    base_dir = Path(path).resolve().parent if path is not None else Path.cwd()
    config = validate_config(data, sources)
    config._base_dir = base_dir
    return config


def validate_config(data: dict[str, Any], sources: SourceMap):
    """Validate plain data as a `PipelineConfig`; every problem becomes one line with path and origin."""
    from pydantic import ValidationError

    from trtkit.config.models import PipelineConfig

    try:
        return PipelineConfig.model_validate(data)
    except ValidationError as error:
        problems = [_describe(item, data, sources) for item in error.errors(include_url=False)]
        raise ConfigError(list(dict.fromkeys(problems))) from None


def _data_path(loc: Location, data: Any) -> Location:
    """The part of a pydantic error location that names keys of the data (drops union and validator tags)."""
    path: list[Any] = []
    current = data
    for index, part in enumerate(loc):
        if isinstance(current, dict) and str(part) in current:
            current = current[str(part)]
            path.append(str(part))
        elif isinstance(current, list) and isinstance(part, int) and part < len(current):
            current = current[part]
            path.append(part)
        elif index == len(loc) - 1 and isinstance(part, str) and not _is_tag(part):
            path.append(part)
    return tuple(path)


def _is_tag(part: str) -> bool:
    return "[" in part or part in {"str", "int", "float", "bool", "list", "dict", "tuple"} or part[:1].isupper()


def _describe(item: ErrorDetails, data: dict[str, Any], sources: SourceMap) -> str:
    path = _data_path(item["loc"], data)
    origin = sources.origin(path)
    kind = item["type"]
    if kind == "extra_forbidden":
        key = path[-1] if path else "?"
        allowed = allowed_keys(path[:-1])
        suggestion = difflib.get_close_matches(str(key), allowed, n=1, cutoff=0.6)
        parent = _dotted(path[:-1])
        where = "at the top level" if not path[:-1] else f"in {parent}"
        hint = f"did you mean '{suggestion[0]}'?" if suggestion else f"valid keys: {', '.join(allowed)}"
        return f"{origin}: {_dotted(path)}: unknown key {where}; {hint}"
    if kind == "missing":
        return f"{origin}: {_dotted(path)}: required key is missing; add it"
    message = item["msg"]
    for prefix in ("Value error, ", "Assertion failed, "):
        if message.startswith(prefix):
            message = message[len(prefix):]
    if kind not in ("value_error", "assertion_error") and "input" in item and not isinstance(
            item["input"], (dict, list)):
        message = f"{message}, got {item['input']!r}"
    if kind == "literal_error":
        expected = re.findall(r"'([^']*)'", str(item.get("ctx", {}).get("expected", "")))
        suggestion = difflib.get_close_matches(str(item.get("input")), expected, n=1, cutoff=0.6)
        if suggestion:
            message = f"{message}; did you mean '{suggestion[0]}'?"
    return f"{origin}: {_dotted(path)}: {message}"


def _unwrap(annotation: Any) -> list[Any]:
    """The concrete types inside Optional/Union/Annotated."""
    origin = typing.get_origin(annotation)
    if origin is typing.Annotated:
        return _unwrap(typing.get_args(annotation)[0])
    if origin is typing.Union or (hasattr(types, "UnionType") and origin is types.UnionType):
        result = []
        for arg in typing.get_args(annotation):
            result.extend(_unwrap(arg))
        return result
    return [annotation]


def allowed_keys(path: Location) -> list[str]:
    """The keys a mapping at `path` accepts, for "did you mean" suggestions."""
    from pydantic import BaseModel

    from trtkit.config.models import PipelineConfig

    candidates: list[Any] = [PipelineConfig]
    for part in path:
        following: list[Any] = []
        for candidate in candidates:
            if isinstance(candidate, type) and issubclass(candidate, BaseModel):
                field_info = candidate.model_fields.get(str(part))
                if field_info is not None:
                    following.extend(_unwrap(field_info.annotation))
            elif typing.get_origin(candidate) is dict:
                following.extend(_unwrap(typing.get_args(candidate)[1]))
            elif typing.get_origin(candidate) is list and isinstance(part, int):
                following.extend(_unwrap(typing.get_args(candidate)[0]))
        candidates = following
    keys: list[str] = []
    for candidate in candidates:
        if isinstance(candidate, type) and issubclass(candidate, BaseModel):
            keys.extend(name for name in candidate.model_fields if name not in keys)
    return keys
