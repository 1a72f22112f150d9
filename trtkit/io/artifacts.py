"""Artifact names, kept identical to TREx's so its files and trtkit's load in either tool."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

# Suffixes appended to the engine file name, as TREx and its utilities write them.
ENGINE_SUFFIX = ".engine"
GRAPH_SUFFIX = ".graph.json"
PROFILE_SUFFIX = ".profile.json"
TIMING_SUFFIX = ".timing.json"
PROFILE_METADATA_SUFFIX = ".profile.metadata.json"
BUILD_METADATA_SUFFIX = ".build.metadata.json"
BUILD_LOG_SUFFIX = ".build.log"
DEVICE_METADATA_SUFFIX = ".metadata.json"  # TREx: the device properties of the build machine


@dataclass(frozen=True)
class EngineArtifacts:
    """The set of files that belong to one engine: `<name>.engine` and its `.engine.*.json` companions."""

    engine: Path

    @classmethod
    def for_name(cls, workdir: str | Path, name: str) -> EngineArtifacts:
        return cls(Path(workdir) / f"{name}{ENGINE_SUFFIX}")

    @classmethod
    def from_any(cls, path: str | Path) -> EngineArtifacts:
        """The artifact set a file belongs to, given the engine or any of its companion files."""
        path = Path(path)
        name = path.name
        for suffix in (GRAPH_SUFFIX, PROFILE_METADATA_SUFFIX, PROFILE_SUFFIX, TIMING_SUFFIX,
                       BUILD_METADATA_SUFFIX, BUILD_LOG_SUFFIX, DEVICE_METADATA_SUFFIX):
            if name.endswith(ENGINE_SUFFIX + suffix):
                return cls(path.with_name(name[: -len(suffix)]))
        return cls(path)

    def _companion(self, suffix: str) -> Path:
        return self.engine.with_name(self.engine.name + suffix)

    @property
    def graph(self) -> Path:
        return self._companion(GRAPH_SUFFIX)

    @property
    def profile(self) -> Path:
        return self._companion(PROFILE_SUFFIX)

    @property
    def timing(self) -> Path:
        return self._companion(TIMING_SUFFIX)

    @property
    def profile_metadata(self) -> Path:
        return self._companion(PROFILE_METADATA_SUFFIX)

    @property
    def build_metadata(self) -> Path:
        return self._companion(BUILD_METADATA_SUFFIX)

    @property
    def build_log(self) -> Path:
        return self._companion(BUILD_LOG_SUFFIX)

    @property
    def device_metadata(self) -> Path:
        return self._companion(DEVICE_METADATA_SUFFIX)

    def existing(self) -> dict[str, Path]:
        """The members of the set that exist on disk, by role."""
        roles = {
            "engine": self.engine, "graph": self.graph, "profile": self.profile, "timing": self.timing,
            "profile_metadata": self.profile_metadata, "build_metadata": self.build_metadata,
            "build_log": self.build_log, "device_metadata": self.device_metadata,
        }
        return {role: path for role, path in roles.items() if path.is_file()}


def sha256_file(path: str | Path, chunk_size: int = 1 << 20) -> str:
    """The SHA-256 of a file, read in chunks so large models are not held in memory."""
    import hashlib

    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        while chunk := handle.read(chunk_size):
            digest.update(chunk)
    return digest.hexdigest()


def external_data_files(model: str | Path) -> list[Path]:
    """The external-data files stored beside an ONNX model under its name (`model.onnx.data`, ...)."""
    model = Path(model)
    return sorted(path for path in model.parent.glob(f"{model.name}*.data") if path.is_file())
