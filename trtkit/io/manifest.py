"""`<workdir>/trtkit.manifest.json`: what each pipeline stage read and wrote, so `trtkit run` redoes only
what changed, and a person can tell what produced every artifact.

A stage is up to date when its key — a hash of its input files' contents, its config, and the versions of
the tools it used — matches the one recorded, and every output it wrote is still there, unchanged.
File hashes are cached by size and modification time, so an unchanged multi-GB model is not read again.
"""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

MANIFEST_NAME = "trtkit.manifest.json"
SCHEMA = "trtkit/manifest/v1"


@dataclass
class StageRecord:
    """What one stage did last: its key, what it read and wrote, and its result."""

    status: str  # ran | unchanged | skipped | no data | failed | not run
    key: str | None = None
    exit_code: int = 0
    seconds: float = 0.0
    summary: str = ""
    finished: str | None = None
    inputs: dict[str, str] = field(default_factory=dict)  # path -> sha256
    config: Any = None
    versions: dict[str, str | None] = field(default_factory=dict)
    outputs: list[str] = field(default_factory=list)


class Manifest:
    """The manifest of one work directory: stage records, and every file's hash with its producer."""

    def __init__(self, workdir: Path):
        self.workdir = workdir
        self.path = workdir / MANIFEST_NAME
        self.stages: dict[str, StageRecord] = {}
        self.files: dict[str, dict[str, Any]] = {}  # path -> sha256, size, mtime_ns (+ stage for artifacts)
        self.config: dict[str, Any] = {}

    @classmethod
    def load(cls, workdir: Path) -> Manifest:
        """The recorded manifest; a missing or unreadable one is an empty one (everything is redone)."""
        manifest = cls(workdir)
        try:
            data = json.loads(manifest.path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return manifest
        if not isinstance(data, dict) or data.get("schema") != SCHEMA:
            return manifest
        known = set(StageRecord.__dataclass_fields__)
        for name, record in (data.get("stages") or {}).items():
            if isinstance(record, dict):
                manifest.stages[name] = StageRecord(**{key: value for key, value in record.items() if key in known})
        manifest.files = {path: entry for path, entry in (data.get("artifacts") or {}).items()
                          if isinstance(entry, dict)}
        manifest.files.update({path: entry for path, entry in (data.get("inputs") or {}).items()
                               if isinstance(entry, dict)})
        return manifest

    def name(self, path: Path) -> str:
        """How a file is named in the manifest: relative to the work directory when inside it."""
        path = Path(os.path.abspath(path))
        try:
            return str(path.relative_to(Path(os.path.abspath(self.workdir))))
        except ValueError:
            return str(path)

    def file_hash(self, path: Path) -> str:
        """The SHA-256 of a file, read again only when its size, modification time or status-change time changed.
        The last is what a copy that keeps the modification time (cp -p, rsync -t, tar, os.utime) cannot keep: a
        same-size model swapped in that way was taken for the one hashed before, and its stages reported unchanged."""
        from trtkit.io.artifacts import sha256_file

        stat = path.stat()
        key = self.name(path)
        entry = self.files.get(key)
        if entry and entry.get("size") == stat.st_size and entry.get("mtime_ns") == stat.st_mtime_ns and \
                entry.get("ctime_ns") == stat.st_ctime_ns:
            return entry["sha256"]
        digest = sha256_file(path)
        self.files[key] = {**(entry or {}), "sha256": digest, "size": stat.st_size, "mtime_ns": stat.st_mtime_ns,
                           "ctime_ns": stat.st_ctime_ns}
        return digest

    def up_to_date(self, stage: str, key: str) -> StageRecord | None:
        """The record of `stage` when it ran with this key and its outputs are all still as it wrote them."""
        record = self.stages.get(stage)
        if record is None or record.key != key or record.status not in ("ran", "unchanged"):
            return None
        for name in record.outputs:
            path = Path(name) if os.path.isabs(name) else self.workdir / name
            entry = self.files.get(name)
            if not path.is_file() or entry is None or self.file_hash(path) != entry.get("sha256"):
                return None
        return record

    def record(self, stage: str, record: StageRecord, outputs: list[Path]) -> None:
        """Record a stage that ran: its outputs become artifacts produced by it."""
        record.outputs = []
        for path in outputs:
            name = self.name(path)
            self.file_hash(path)
            self.files[name].update(stage=stage, inputs=sorted(record.inputs), versions=record.versions)
            record.outputs.append(name)
        self.stages[stage] = record

    def document(self) -> dict[str, Any]:
        from trtkit import __version__

        artifacts = {name: entry for name, entry in self.files.items() if "stage" in entry}
        inputs = {name: entry for name, entry in self.files.items() if "stage" not in entry}
        return {"schema": SCHEMA, "trtkit_version": __version__, "config": self.config,
                "stages": {name: vars(record) for name, record in self.stages.items()},
                "artifacts": dict(sorted(artifacts.items())), "inputs": dict(sorted(inputs.items()))}

    def save(self) -> None:
        from trtkit.io.jsonout import write_json

        write_json(self.path, self.document())


def stage_key(stage: str, inputs: dict[str, str], config: Any, versions: dict[str, str | None]) -> str:
    """The hash that decides whether a stage must run again: of the inputs' contents, not their paths, so a
    work directory that moves (or a model copied elsewhere) keeps its keys."""
    text = json.dumps({"stage": stage, "inputs": sorted(inputs.values()), "config": config, "versions": versions},
                      sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()
