"""Writing a found keep list into a pipeline config's `convert:` section, with comments that say why, keeping the
rest of the file (and its comments) as it is."""

from __future__ import annotations

import re
from pathlib import Path

from trtkit.errors import UsageError

_TOP_KEY = re.compile(r"^convert\s*:\s*(#.*)?$")


def _quoted(text: str) -> str:
    """A YAML single-quoted scalar: backslashes stay literal, quotes are doubled."""
    return "'" + text.replace("'", "''") + "'"


def keep_block(patterns: list[str], precision: str, why: list[str], notes: dict[str, str], indent: str) -> list[str]:
    """The commented `keep_fp32_nodes:` lines (at `indent`) for the patterns; `notes` comments an entry."""
    lines = [f"{indent}# {line}" for line in why]
    lines.append(f"{indent}keep_fp32_nodes:")
    lines += [f"{indent}  - {_quoted(pattern)}" + (f"  # {notes[pattern]}" if pattern in notes else "")
              for pattern in patterns]
    return lines


def check_config_to_edit(path: Path) -> None:
    """Exit 2 unless `path` is missing (then it is created) or a YAML pipeline config whose keep list can be
    edited: checked before a search of minutes, so that a model, an engine, JSON or HTML given by mistake is
    refused at once and never written to (`--force` does not change that: this command edits, it never
    replaces)."""
    from trtkit.io.file_kind import KIND_NAMES, sniff_kind
    from trtkit.io.paths import refuse_non_regular_output

    refuse_non_regular_output(path, "--write-config")
    if not path.exists():
        return
    kind = sniff_kind(path)
    if kind not in ("yaml", "text"):  # JSON is YAML, but a block added to it would not be
        what = KIND_NAMES.get(kind or "", "not a text file")
        raise UsageError(f"--write-config {path} is {what}, not a pipeline config to add the keep list to",
                         "give a pipeline config (.yaml) or a new file")
    data = _parsed_config(path, path.read_text(encoding="utf-8"))
    from trtkit.config.models import PipelineConfig

    unknown = sorted(str(key) for key in data if key not in PipelineConfig.model_fields)
    if unknown:  # e.g. an HTML page, which YAML reads as a mapping when it holds ": "
        raise UsageError(f"--write-config {path} is not a pipeline config (no config has {unknown[0]!r})",
                         "give a pipeline config (.yaml) or a new file")


def _parsed_config(path: Path, text: str) -> dict:
    """The YAML config `text` of `path` as a mapping whose `convert:` is a mapping; exit 2 otherwise."""
    import yaml

    try:
        data = yaml.safe_load(text) or {}
    except yaml.YAMLError as error:
        raise UsageError(f"{path} is not valid YAML ({' '.join(str(error).split())[:120]})",
                         "fix it, or give --write-config a new file") from None
    if not isinstance(data, dict) or not isinstance(data.get("convert", {}) or {}, dict):
        raise UsageError(f"{path} is not a pipeline config with a convert: mapping", "give another --write-config")
    return data


def add_keep_fp32_nodes(path: Path, patterns: list[str], precision: str, why: list[str],
                        notes: dict[str, str] | None = None, model: str | None = None) -> list[str]:
    """Add `patterns` to `convert.keep_fp32_nodes` of the YAML config at `path` (created when missing, with
    `model`), setting `convert.precision`; returns the resulting keep list. Written atomically; nothing is written
    when the file cannot be edited safely."""
    import yaml

    from trtkit.io.atomic import write_text_atomic

    notes = notes or {}
    if not path.exists():
        lines = ["# written by trtkit debug precision"] + ([f"model: {_quoted(model)}"] if model else [])
        lines += ["convert:", f"  precision: {precision}", *keep_block(patterns, precision, why, notes, "  ")]
        write_text_atomic(path, "\n".join(lines) + "\n")
        return patterns
    try:
        text = path.read_text()
    except UnicodeDecodeError:
        raise UsageError(f"{path} is not valid YAML (not UTF-8 text)", "fix it, or give --write-config a new file") \
            from None
    data = _parsed_config(path, text)
    section = data.get("convert") or {}
    existing = [str(item) for item in section.get("keep_fp32_nodes") or []]
    merged = existing + [pattern for pattern in patterns if pattern not in existing]
    lines = text.splitlines()
    start = next((index for index, line in enumerate(lines) if _TOP_KEY.match(line)), None)
    if start is None:
        if "convert" in data:
            raise UsageError(f"{path} writes its convert: section in flow style", "add keep_fp32_nodes by hand, or "
                             "give --write-config a new file")
        lines += ["convert:", f"  precision: {precision}", *keep_block(merged, precision, why, notes, "  ")]
    else:
        end = next((index for index in range(start + 1, len(lines))
                    if lines[index].strip() and not lines[index].startswith((" ", "\t", "#"))), len(lines))
        body = _without_key(lines[start + 1:end], "keep_fp32_nodes")
        body = [line for line in body if not re.match(r"^\s+precision\s*:", line)]
        indent = next((re.match(r"^(\s+)", line).group(1) for line in body  # type: ignore[union-attr]
                       if line.strip() and not line.lstrip().startswith("#")), "  ")
        body = [f"{indent}precision: {precision}", *keep_block(merged, precision, why, notes, indent), *body]
        lines = lines[:start + 1] + body + lines[end:]
    new_text = "\n".join(lines) + "\n"
    written = (yaml.safe_load(new_text) or {}).get("convert") or {}
    if written.get("keep_fp32_nodes") != merged or written.get("precision") != precision:
        raise UsageError(f"cannot add the keep list to {path} safely (its convert: section has a layout trtkit "
                         "does not edit)", "add keep_fp32_nodes by hand, or give --write-config a new file")
    write_text_atomic(path, new_text)
    return merged


def _without_key(lines: list[str], key: str) -> list[str]:
    """The section's lines without `key` and its value (a flow list on its line, or the block list after it)."""
    result: list[str] = []
    skipping: int | None = None  # the key's indentation while its block list is being skipped
    for line in lines:
        indentation = len(line) - len(line.lstrip())
        if skipping is not None:
            stripped = line.strip()
            if not stripped or indentation > skipping or (indentation == skipping and stripped.startswith("- ")):
                continue
            skipping = None
        if re.match(rf"^\s+{key}\s*:", line):
            skipping = indentation
            continue
        result.append(line)
    return result


def write_exclusions(path: Path, patterns: list[str], mode: str, why: list[str], notes: dict[str, str] | None = None,
                     model: str | None = None, replace: bool = False) -> None:
    """A new config whose `convert.quantize` leaves `patterns` out of `mode` quantization, with comments; an
    existing file is replaced only when `replace` (--force)."""
    from trtkit.io.atomic import write_text_atomic

    if path.exists() and not replace:
        raise UsageError(f"{path} exists; the exclusions of a quantization search go to a new file",
                         "give --write-config a new file")
    lines = ["# written by trtkit debug precision"] + ([f"model: {_quoted(model)}"] if model else [])
    lines += ["convert:", "  quantize:", f"    mode: {mode}"]
    block = keep_block(patterns, mode, why, notes or {}, "    ")
    lines += [line.replace("keep_fp32_nodes:", "exclude_nodes:") for line in block]
    write_text_atomic(path, "\n".join(lines) + "\n")
