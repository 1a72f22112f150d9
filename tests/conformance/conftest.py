"""Fixtures of the conformance suite: each TensorRT version as a target (the real bindings with stub libraries, in a
subprocess) and TensorRT-RTX natively; their API surfaces, extracted once per session."""

from __future__ import annotations

import json
import subprocess
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.conformance import bindings

RTX = "rtx"
SKIP_REASON = "no full TensorRT bindings: run make trt-bindings"


@dataclass(frozen=True)
class Target:
    """One TensorRT to check against: a full TensorRT version of `bindings.VERSIONS`, or TensorRT-RTX (`rtx`)."""

    name: str  # 10.8, 11.4, ... or rtx
    version: str | None  # the full TensorRT version; None for TensorRT-RTX
    module: str  # tensorrt or tensorrt_rtx
    backend: str  # trtkit's backend name

    @property
    def major(self) -> int | None:
        return int(self.version.split(".")[0]) if self.version else None

    def run(self, *arguments: str, timeout: float = 300) -> subprocess.CompletedProcess:
        """`python ARGUMENTS` in a subprocess that imports this TensorRT (and this checkout of trtkit)."""
        return bindings.run_python(self.version, *arguments, timeout=timeout)

    def surface_path(self) -> Path:
        if self.version is None:  # TensorRT-RTX comes with the environment: one file per version
            return bindings.ROOT / RTX / f"surface-{_rtx_version()}.json"
        return bindings.ROOT / self.version / "surface.json"


def _targets() -> list[Target]:
    full = [Target(bindings.short(version), version, "tensorrt", "tensorrt") for version in bindings.VERSIONS]
    return [*full, Target(RTX, None, "tensorrt_rtx", "tensorrt-rtx")]


TARGETS = _targets()
BY_NAME = {target.name: target for target in TARGETS}


def prepared(target: Target) -> Target:
    """`target` ready to import; skips only when the bindings cannot be had here (no download, no compiler)."""
    if target.version is None:
        pytest.importorskip("tensorrt_rtx", reason="TensorRT-RTX is not installed (pip install 'trtkit[rtx]')")
    else:
        try:
            bindings.prepare(target.version)
        except bindings.BindingsUnavailable as error:
            pytest.skip(f"{SKIP_REASON} ({error})")
    return target


def load_surface(target: Target) -> dict:
    """The API surface of `target` (tests.conformance.surface), extracted once and cached under build/."""
    path = target.surface_path()
    if not path.is_file():
        done = target.run("-m", "tests.conformance.surface", target.module, str(path))
        assert done.returncode == 0, done.stderr[-2000:]
    return json.loads(path.read_text())


def _rtx_version() -> str:
    import tensorrt_rtx  # type: ignore[import-untyped]

    return str(tensorrt_rtx.__version__)


@pytest.fixture(scope="session", params=TARGETS, ids=[target.name for target in TARGETS])
def target(request) -> Target:
    """Each TensorRT version (real bindings, stub libraries) and TensorRT-RTX."""
    return prepared(request.param)


@pytest.fixture(scope="session")
def surface(target: Target) -> dict:
    return load_surface(target)

