"""The examples users copy: the Makefile (its targets and dependencies, run for real with make) and the GitHub
Actions workflow (its trtkit steps run as written, the lint job's SARIF and the regression gate's exit code)."""

import importlib.util
import json
import os
import shutil
import subprocess
import sys

import pytest
import yaml

from tests.conftest import REPO, SMALL_CNN_PIPELINE

needs_pipeline = pytest.mark.skipif(
    importlib.util.find_spec("tensorrt_rtx") is None or importlib.util.find_spec("modelopt") is None
    or shutil.which("make") is None, reason="needs TensorRT-RTX, Model Optimizer (make install) and make")


@pytest.fixture
def trtkit_on_path(tmp_path):
    """A `trtkit` command on PATH that runs this checkout, as the installed console script would."""
    folder = tmp_path / "bin"
    folder.mkdir()
    shim = folder / "trtkit"
    shim.write_text(f"#!/bin/sh\nexec {sys.executable} -m trtkit \"$@\"\n")
    shim.chmod(0o755)
    return {**os.environ, "PATH": f"{folder}:{os.environ['PATH']}", "PYTHONPATH": str(REPO), "NO_COLOR": "1"}


def _make(env, tmp_path, model, *args):
    variables = [f"CONFIG={tmp_path / 'pipeline.yaml'}", f"MODEL={model}", "NAME=cnn", f"OUT={tmp_path / 'out'}",
                 "SHAPES=input:2x3x64x64"]
    return subprocess.run(["make", "-f", str(REPO / "examples/Makefile"), *variables, *args], cwd=REPO, env=env,
                          capture_output=True, text=True, timeout=600)


@needs_pipeline
def test_makefile_targets_and_dependencies(example_models, tmp_path, trtkit_on_path):
    model = example_models["resnet18"]
    (tmp_path / "pipeline.yaml").write_text(SMALL_CNN_PIPELINE.format(model=model))
    first = _make(trtkit_on_path, tmp_path, model)
    assert first.returncode == 0, first.stderr[-2000:]
    out = tmp_path / "out"
    for name in ("cnn.fp16.onnx", "cnn.engine", "cnn.engine.graph.json", "cnn.inspect.json", "cnn.lint.sarif",
                 "cnn.outputs.json"):
        assert (out / name).is_file(), name
    assert json.loads((out / "cnn.outputs.json").read_text())["passed"] is True
    assert json.loads((out / "cnn.lint.sarif").read_text())["version"] == "2.1.0"
    assert not list(out.glob("*.tmp"))
    assert _make(trtkit_on_path, tmp_path, model, "-q").returncode == 0  # everything up to date

    # a changed config remakes from convert; a changed engine graph only what reads it
    os.utime(tmp_path / "pipeline.yaml")
    dry = _make(trtkit_on_path, tmp_path, model, "-n").stdout
    assert [line.split()[1] for line in dry.splitlines() if line.startswith("trtkit ")] == \
        ["convert", "build", "inspect", "lint", "compare"]
    assert _make(trtkit_on_path, tmp_path, model).returncode == 0
    os.utime(out / "cnn.engine.graph.json")
    dry = _make(trtkit_on_path, tmp_path, model, "-n").stdout
    assert [line.split()[1] for line in dry.splitlines() if line.startswith("trtkit ")] == ["inspect", "lint"]


def _workflow():
    return yaml.safe_load((REPO / "examples/ci/github-actions.yml").read_text())


def _step(job, name_start):
    return next(step for step in job["steps"] if step.get("name", "").startswith(name_start))


def test_workflow_shape():
    workflow = _workflow()
    lint, gate = workflow["jobs"]["lint"], workflow["jobs"]["perf-gate"]
    assert lint["permissions"]["security-events"] == "write"
    upload = _step(lint, "Upload the lint findings")
    assert upload["uses"].startswith("github/codeql-action/upload-sarif@") and upload["if"] == "always()"
    assert upload["with"]["sarif_file"] == "${{ env.WORKDIR }}/${{ env.NAME }}.lint.sarif"
    assert "gpu" in gate["runs-on"]
    assert "--baseline \"$BASELINE\"" in _step(gate, "Regression gate")["run"]


def _run_step(script, env, cwd):
    return subprocess.run(["bash", "-e", "-c", script], env=env, cwd=cwd, capture_output=True, text=True,
                          timeout=600)


@needs_pipeline
def test_workflow_lint_job_writes_the_sarif_it_uploads(example_models, tmp_path, trtkit_on_path):
    workflow = _workflow()
    (tmp_path / "configs").mkdir()
    (tmp_path / "configs/model.yaml").write_text(SMALL_CNN_PIPELINE.format(model=example_models["resnet18"]))
    env = {**trtkit_on_path, **workflow["env"], "GITHUB_WORKSPACE": str(tmp_path)}
    step = _step(workflow["jobs"]["lint"], "Convert, build")
    result = _run_step(step["run"], env, tmp_path)
    assert result.returncode == 0, result.stderr[-2000:]
    sarif = tmp_path / workflow["env"]["WORKDIR"] / f"{workflow['env']['NAME']}.lint.sarif"
    document = json.loads(sarif.read_text())
    assert document["version"] == "2.1.0" and document["runs"][0]["tool"]["driver"]["name"] == "trtkit"


def test_workflow_gate_fails_on_a_regression(fixtures_dir, tmp_path, trtkit_on_path):
    # the current engine's artifacts: the A100 ResNet-18 FP32 engine; the committed baseline: its FP16 engine
    workflow = _workflow()
    env = {**trtkit_on_path, **workflow["env"], "GITHUB_STEP_SUMMARY": str(tmp_path / "summary.md")}
    workdir, baseline = tmp_path / env["WORKDIR"], tmp_path / env["BASELINE"]
    workdir.mkdir(parents=True)
    shutil.copytree(fixtures_dir / "trt8/resnet18-a100/fp16", baseline)
    script = _step(workflow["jobs"]["perf-gate"], "Regression gate")["run"]
    for variant, expected in (("fp32", 1), ("fp16", 0)):
        for source in (fixtures_dir / "trt8/resnet18-a100" / variant).iterdir():
            shutil.copy(source, workdir / source.name.replace("resnet.onnx.engine", f"{env['NAME']}.engine"))
        result = _run_step(script, env, tmp_path)
        assert result.returncode == expected, result.stderr
    summary = (tmp_path / "summary.md").read_text()
    assert "❌ regression" in summary and "✅ no regression" in summary


@needs_pipeline
def test_demo_runs_as_the_readme_says(tmp_path):
    # `make demo` is `bash examples/demo.sh build/demo` in the virtualenv; here with this interpreter
    out = tmp_path / "demo"
    result = subprocess.run(["bash", str(REPO / "examples/demo.sh"), str(out)], cwd=REPO, capture_output=True,
                            text=True, timeout=600, env={**os.environ, "PYTHON": sys.executable, "NO_COLOR": "1",
                                                        "COLUMNS": "200"})
    assert result.returncode == 0, result.stderr[-3000:]
    listed = [line.split()[0] for line in result.stdout.split(f"Written under {out}:")[1].splitlines()
              if line.strip() and not line.startswith(" " * 20)]
    for entry in listed:
        assert (out / entry.rstrip(",")).exists(), entry
    second = result.stdout.split("== trtkit run again")[1].split("== trtkit inspect")[0]
    assert second.count("unchanged") == 5 and "skipped" in second and " ran " not in second
    manifest = json.loads((out / "resnet18/trtkit.manifest.json").read_text())
    assert manifest["artifacts"]["resnet18.engine"]["inputs"] == ["resnet18.fp16.onnx"]
    assert "passed" in result.stdout.split("== trtkit compare outputs")[1]
