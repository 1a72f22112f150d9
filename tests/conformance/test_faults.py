"""The conformance checks catch faults: a copy of trtkit with a wrong enum member, a misspelt method, a wrong
keyword, a wrong arity and a wrong argument type injected, checked on the real 10.16 bindings."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conformance import bindings
from tests.conformance.conftest import BY_NAME, load_surface, prepared

FAULTS = {  # what is injected into trtkit/backends/trt_builder.py: the correct text -> the fault
    "enum member": ("trt.MemoryPoolType.WORKSPACE, build.workspace", "trt.MemoryPoolType.WORK_SPACE, build.workspace"),
    "misspelt method": ("builder.get_plugin_registry()", "builder.get_plugins_registry()"),
    "keyword": ("profile.opt[tensor], profile.max[tensor])", "profile.opt[tensor], maximum=profile.max[tensor])"),
    "arity": ("config.add_optimization_profile(optimization_profile)",
              "config.add_optimization_profile(optimization_profile, 0)"),
    "argument type": ("config.set_flag(getattr(trt.BuilderFlag, name))", "config.set_flag(name)"),
    "base __init__": ("            trt.IProgressMonitor.__init__(self)\n", "            pass\n"),
}
TARGET = "10.16"


def faulty_copy(root: Path, names: list[str]) -> Path:
    """A copy of trtkit under `root` with the faults `names` injected; the copy's root."""
    shutil.copytree(bindings.REPO / "trtkit", root / "trtkit", ignore=shutil.ignore_patterns("__pycache__"))
    module = root / "trtkit" / "backends" / "trt_builder.py"
    text = module.read_text()
    for name in names:
        correct, fault = FAULTS[name]
        assert text.count(correct) == 1, name
        text = text.replace(correct, fault)
    module.write_text(text)
    return root


def run_on_copy(root: Path, *arguments: str) -> subprocess.CompletedProcess:
    version = bindings.VERSIONS[[bindings.short(v) for v in bindings.VERSIONS].index(TARGET)]
    prepared(BY_NAME[TARGET])
    env = bindings.environment(version)
    env["PYTHONPATH"] = os.pathsep.join([str(bindings.version_dir(version) / "site"), str(root),
                                         str(bindings.REPO)])
    return subprocess.run([sys.executable, "-W", "ignore::DeprecationWarning", *arguments], env=env,
                          capture_output=True, text=True, timeout=600, cwd=root)


@pytest.fixture(scope="module")
def surface_path() -> Path:
    target = prepared(BY_NAME[TARGET])
    load_surface(target)
    return target.surface_path()


def test_static_check_reports_each_injected_fault(tmp_path: Path, surface_path: Path) -> None:
    root = faulty_copy(tmp_path, ["enum member", "misspelt method", "keyword", "arity"])
    done = run_on_copy(root, "-m", "tests.conformance.static_check", "tensorrt", str(surface_path), "--json",
                       "--source", str(root))
    report = json.loads(done.stdout)
    assert done.returncode == 1
    mismatches = {site["text"]: site["detail"] for site in report["sites"] if site["status"] == "mismatch"}
    assert mismatches["trt.MemoryPoolType.WORK_SPACE"] == "MemoryPoolType has no WORK_SPACE"
    assert mismatches["builder.get_plugins_registry()"] == "Builder has no attribute get_plugins_registry"
    keyword = next(detail for text, detail in mismatches.items() if "maximum=" in text)
    assert "has no keyword argument 'maximum'" in keyword
    arity = mismatches["config.add_optimization_profile(optimization_profile, 0)"]
    assert "takes at most 1 positional argument(s), given 2" in arity
    assert len(mismatches) == 4


def test_double_and_replay_reject_a_wrong_argument_type_the_static_check_cannot_see(tmp_path: Path, surface_path: Path,
                                                                          example_models) -> None:
    """`config.set_flag(name)` passes a str where BuilderFlag is taken: the double refuses it (each build with a
    precision flag crashes) and so does pybind11 on the real binding."""
    root = faulty_copy(tmp_path / "copy", ["argument type"])
    done = run_on_copy(root, "-m", "tests.conformance.drive", "tensorrt", str(surface_path),
                       str(example_models["resnet18"]), str(tmp_path / "out"))
    assert done.returncode == 0, done.stderr[-3000:]
    drive = json.loads(done.stdout)
    crashes = drive["build"]["crashes"]  # the double checks enum-typed parameters itself
    assert crashes and all("flag takes BuilderFlag, given str" in crash for crash in crashes), crashes[:1]
    rejected = drive["replay"]["rejected"]
    assert rejected and all(line.startswith("IBuilderConfig.set_flag ('str',)") for line in rejected), rejected
    assert "incompatible function arguments" in rejected[0]


def test_a_subclass_that_skips_the_base_init_is_caught(tmp_path: Path, surface_path: Path) -> None:
    """The progress monitor without IProgressMonitor.__init__: pybind11 refuses it when the builder calls it."""
    root = faulty_copy(tmp_path, ["base __init__"])
    done = run_on_copy(root, "-m", "tests.conformance.interfaces", "tensorrt", str(surface_path))
    assert done.returncode != 0
    assert "IProgressMonitor.__init__() must be called when overriding __init__" in done.stderr, done.stderr[-2000:]
