"""The example configs and examples/Makefile run as written after `make demo` (issue 22, item 15): their model
paths are where the demo writes the models. The repository's layout is copied to a temporary folder (configs/
beside build/demo/models/, made as examples/demo.sh makes them) so that the user's own build/ is left alone."""

from __future__ import annotations

import importlib.util
import os
import re
import shutil
import subprocess
import sys

import pytest

from tests.conftest import REPO, run_subprocess

needs_pipeline = pytest.mark.skipif(
    importlib.util.find_spec("tensorrt_rtx") is None or importlib.util.find_spec("modelopt") is None,
    reason="needs TensorRT-RTX and Model Optimizer (make install)")


def _demo_models_folder() -> str:
    """Where `make demo` writes the example models, as examples/demo.sh and the Makefile say (build/demo/models)."""
    script = (REPO / "examples" / "demo.sh").read_text()
    default_out = re.search(r'out="\$\{1:-([^}]+)\}"', script).group(1)
    assert '--out "$out/models"' in script
    makefile = (REPO / "Makefile").read_text()
    assert re.search(rf"^DEMO_DIR \?= {re.escape(default_out)}$", makefile, re.M)
    return f"{default_out}/models"


@pytest.fixture(scope="module")
def after_demo(tmp_path_factory):
    """A copy of configs/ with the example models where `make demo` puts them, relative to it."""
    root = tmp_path_factory.mktemp("checkout")
    shutil.copytree(REPO / "configs", root / "configs")
    models = root / _demo_models_folder()
    subprocess.run([sys.executable, str(REPO / "examples" / "make_models.py"), "--out", str(models)], check=True,
                   capture_output=True, timeout=300)
    return root


@needs_pipeline
@pytest.mark.parametrize("name", ["resnet18", "transformer_encoder"])
def test_each_example_config_runs_as_written(after_demo, name):
    config = after_demo / "configs" / f"{name}.yaml"
    result = run_subprocess("run", config, env={"PYTHONPATH": str(REPO)})
    assert result.exit_code == 0, result.stderr[-3000:]
    workdir = after_demo / "build" / "demo" / name
    for artifact in (f"{name}.fp16.onnx", f"{name}.engine", f"{name}.engine.graph.json", f"{name}.lint.sarif",
                     f"{name}.compare.json", "trtkit.manifest.json"):
        assert (workdir / artifact).is_file(), artifact


def test_the_trtexec_defaults_fragment_validates(run_cli):
    # no model: it is the starting point a pipeline config is written from, not a pipeline
    assert run_cli("config", "validate", REPO / "configs" / "trtexec-defaults.yaml").exit_code == 0


@pytest.mark.skipif(shutil.which("make") is None, reason="needs make")
def test_the_example_makefile_makes_the_demo_model_when_missing(tmp_path):
    shutil.copytree(REPO / "configs", tmp_path / "configs")  # a checkout before `make demo`: no build/ yet
    # as a user's shell runs it: not as a sub-make of `make test` (whose MAKEFLAGS would add "Entering directory")
    env = {key: value for key, value in os.environ.items() if key not in ("MAKEFLAGS", "MAKELEVEL", "MFLAGS")}
    dry = subprocess.run(["make", "-n", "-f", str(REPO / "examples" / "Makefile")], cwd=tmp_path,
                         capture_output=True, text=True, timeout=60, env=env)
    assert dry.returncode == 0, dry.stderr
    commands = dry.stdout.splitlines()
    models = _demo_models_folder()
    assert commands[0] == f"python3 examples/make_models.py --out {models}"
    assert commands[1].startswith(f"trtkit convert {models}/resnet18.onnx --config configs/resnet18.yaml")
