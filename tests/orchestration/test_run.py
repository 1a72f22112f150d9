"""`trtkit run`: the pipeline of the example CNN with a real FP16 conversion and a real TensorRT-RTX build on the
CPU, run twice (no work the second time), after a build option changes (only from build on), after inputs change,
and with bad input answered in one line."""

import importlib.util
import json

import pytest

from tests.conftest import SMALL_CNN_PIPELINE
from trtkit.errors import UsageError
from trtkit.orchestration.run import RunOptions, selected_stages

needs_rtx = pytest.mark.skipif(importlib.util.find_spec("tensorrt_rtx") is None,
                               reason="TensorRT-RTX is not installed (pip install 'trtkit[rtx]')")
needs_modelopt = pytest.mark.skipif(importlib.util.find_spec("modelopt") is None,
                                    reason="NVIDIA Model Optimizer is not installed (make install)")
PIPELINE = "name: cnn\nworkdir: out\n" + SMALL_CNN_PIPELINE.replace("convert:\n", "convert:\n  precision: fp16\n")


def _pipeline(tmp_path, model, extra=""):
    config = tmp_path / "pipeline.yaml"
    config.write_text(PIPELINE.format(model=model) + extra)
    return config


def _statuses(result) -> dict[str, str]:
    return {stage["stage"]: stage["status"] for stage in result.json()["outcomes"]}


def _mtimes(folder):
    return {path.name: path.stat().st_mtime_ns for path in folder.iterdir() if path.is_file()}


@needs_rtx
@needs_modelopt
def test_second_run_does_no_work_and_a_build_option_reruns_from_build(run_cli, example_models, tmp_path):
    config = _pipeline(tmp_path, example_models["resnet18"])
    first = run_cli("run", config, "--json")
    assert first.exit_code == 0, first.stderr
    statuses = _statuses(first)
    assert statuses == {"convert": "ran", "build": "ran", "profile": "skipped", "inspect": "ran", "lint": "ran",
                        "compare": "ran"}
    out = tmp_path / "out"
    for name in ("cnn.engine", "cnn.engine.graph.json", "cnn.engine.build.metadata.json", "cnn.fp16.onnx",
                 "cnn.convert.json", "cnn.inspect.json", "cnn.lint.json", "cnn.lint.sarif", "cnn.compare.json"):
        assert (out / name).is_file(), name
    outcomes = {stage["stage"]: stage for stage in first.json()["outcomes"]}
    assert "needs a GPU and TensorRT" in outcomes["profile"]["summary"]
    # no profile here: lint's latency rules did not look, and its clean count must not read as if they had
    lint = json.loads((out / "cnn.lint.json").read_text())
    unchecked = sorted({item["rule"] for item in lint["not_checked"]})
    assert unchecked and outcomes["lint"]["summary"].endswith(f"not checked for want of data: {', '.join(unchecked)}")
    assert "fp16" in outcomes["compare"]["summary"] and "within tolerance" in outcomes["compare"]["summary"]
    compare = json.loads((out / "cnn.compare.json").read_text())
    assert compare["outputs"]["precision"] == "fp16" and compare["outputs"]["passed"] is True

    # the manifest: every artifact with its hash, producing stage, inputs and versions
    manifest = json.loads((out / "trtkit.manifest.json").read_text())
    assert manifest["schema"] == "trtkit/manifest/v1"
    engine = manifest["artifacts"]["cnn.engine"]
    assert engine["stage"] == "build" and engine["inputs"] == ["cnn.fp16.onnx"]
    assert engine["versions"]["tensorrt-rtx"] and len(engine["sha256"]) == 64
    assert manifest["artifacts"]["cnn.fp16.onnx"]["stage"] == "convert"
    assert manifest["artifacts"]["cnn.fp16.onnx"]["inputs"] == [str(example_models["resnet18"])]
    assert manifest["stages"]["build"]["config"]["build"]["profiles"]["small"]["opt"] == "input:2x3x64x64"

    before = _mtimes(out)
    second = run_cli("run", config, "--json")
    assert second.exit_code == 0, second.stderr
    assert set(_statuses(second).values()) == {"unchanged", "skipped"}
    assert _statuses(second)["profile"] == "skipped"
    after = _mtimes(out)
    assert {name: time for name, time in after.items() if name != "trtkit.manifest.json"} == \
        {name: time for name, time in before.items() if name != "trtkit.manifest.json"}

    changed = run_cli("run", config, "--set", "build.profiles.small.max=input:8x3x64x64", "--json")
    assert changed.exit_code == 0, changed.stderr
    statuses = _statuses(changed)
    assert statuses["convert"] == "unchanged" and statuses["build"] == "ran"
    assert (out / "cnn.fp16.onnx").stat().st_mtime_ns == before["cnn.fp16.onnx"]
    metadata = json.loads((out / "cnn.engine.build.metadata.json").read_text())
    assert "8x3x64x64" in json.dumps(metadata)

    # a changed model reruns everything from convert on; --force redoes what is unchanged
    forced = run_cli("run", config, "--set", "build.profiles.small.max=input:8x3x64x64", "--stages", "convert",
                     "--force", "--json")
    assert _statuses(forced) == {"convert": "ran"}


@needs_rtx
def test_lint_gate_fails_again_when_unchanged_and_a_deleted_output_is_redone(run_cli, example_models, tmp_path):
    # no convert stage: the build takes the model itself, and compare has no data (nothing to compare); the
    # optimization level is a no-op on TensorRT-RTX, which lint warns about, and warnings fail this pipeline
    config = _pipeline(tmp_path, example_models["resnet18"], "  optimization_level: 3\nlint:\n  fail_on: warning\n"
                                                             "run:\n  stages: [build, inspect, lint, compare]\n")
    first = run_cli("run", config, "--json")
    assert first.exit_code == 1, first.stderr
    outcomes = {stage["stage"]: stage for stage in first.json()["outcomes"]}
    assert outcomes["lint"]["exit_code"] == 1 and outcomes["lint"]["status"] == "ran"
    assert outcomes["compare"]["status"] == "no data" and "nothing to compare" in outcomes["compare"]["summary"]
    assert first.json()["exit_code"] == 1

    second = run_cli("run", config, "--json")
    assert second.exit_code == 1
    assert _statuses(second) == {"build": "unchanged", "inspect": "unchanged", "lint": "unchanged",
                                 "compare": "no data"}

    (tmp_path / "out" / "cnn.inspect.json").unlink()
    third = run_cli("run", config, "--json")
    assert _statuses(third)["inspect"] == "ran" and _statuses(third)["build"] == "unchanged"
    assert (tmp_path / "out" / "cnn.inspect.json").is_file()


@needs_rtx
def test_a_stage_whose_input_is_missing_fails_and_stops_the_rest(run_cli, example_models, tmp_path):
    config = _pipeline(tmp_path, example_models["resnet18"])
    result = run_cli("run", config, "--from", "build", "--json")
    assert result.exit_code == 3
    outcomes = {stage["stage"]: stage for stage in result.json()["outcomes"]}
    assert outcomes["build"]["status"] == "failed"
    assert "cnn.fp16.onnx does not exist; run the convert stage first (trtkit run --from convert)" in \
        outcomes["build"]["summary"]
    assert outcomes["inspect"]["status"] == "not run" and outcomes["inspect"]["summary"] == "build failed"
    assert "convert" not in outcomes


def test_bad_pipeline_input_is_one_line(run_cli, tmp_path):
    missing = run_cli("run", tmp_path / "nope.yaml")
    assert missing.exit_code == 3 and "does not exist" in missing.stderr
    no_model = tmp_path / "no-model.yaml"
    no_model.write_text("backend: tensorrt-rtx\n")
    result = run_cli("run", no_model)
    assert result.exit_code == 2 and "has no model:" in result.stderr
    bad_stage = tmp_path / "bad.yaml"
    bad_stage.write_text("model: m.onnx\nrun:\n  stages: [convert, biuld]\n")
    result = run_cli("run", bad_stage)
    assert result.exit_code == 2 and "run.stages[1]" in result.stderr and "did you mean 'build'" in result.stderr
    repeated = tmp_path / "repeated.yaml"
    repeated.write_text("model: m.onnx\nrun:\n  stages: [lint, lint]\n")
    result = run_cli("run", repeated)
    assert result.exit_code == 2 and "lists lint more than once" in result.stderr
    result = run_cli("run", no_model, "--from", "bild")
    assert result.exit_code == 2


def test_stage_selection():
    configured = ["convert", "build", "profile", "inspect", "lint", "compare"]
    assert selected_stages(configured, RunOptions()) == configured
    assert selected_stages(configured, RunOptions(start="profile", until="lint")) == ["profile", "inspect", "lint"]
    assert selected_stages(["lint", "build"], RunOptions()) == ["build", "lint"]
    assert selected_stages(configured, RunOptions(stages=["compare", "convert"])) == ["convert", "compare"]
    assert selected_stages(["build", "lint"], RunOptions(start="inspect")) == ["lint"]
    for options in (RunOptions(start="bild"), RunOptions(stages=["lnt"]), RunOptions(start="compare", until="build")):
        with pytest.raises(UsageError):
            selected_stages(configured, options)


def test_two_runs_on_one_workdir_take_turns(example_models, tmp_path):
    # another `trtkit run` holds the work directory; this one waits for it, then runs
    import subprocess
    import sys
    import time

    from trtkit.orchestration.run import run_pipeline

    config = _pipeline(tmp_path, example_models["resnet18"], "run:\n  stages: [lint]\n")
    workdir, held = tmp_path / "out", tmp_path / "held"
    child = subprocess.Popen([sys.executable, "-c", (
        "import pathlib, time\nfrom trtkit.io.locks import locked\n"
        f"with locked(pathlib.Path({str(workdir / '.trtkit')!r})):\n"
        f"    pathlib.Path({str(held)!r}).touch()\n    time.sleep(1.0)\n")])
    deadline = time.monotonic() + 30
    while not held.exists() and child.poll() is None and time.monotonic() < deadline:
        time.sleep(0.01)
    waited: list[float] = []
    started = time.monotonic()
    result = run_pipeline(config, RunOptions(), on_wait=lambda: waited.append(time.monotonic()))
    child.wait(timeout=30)
    assert waited and time.monotonic() - started >= 0.5
    assert [outcome.status for outcome in result.outcomes] == ["ran"]


@needs_rtx
def test_a_moved_work_directory_keeps_its_stages(run_cli, example_models, tmp_path):
    # keys hash the inputs' contents, not their paths: a project folder moved elsewhere is still up to date
    import shutil

    project = tmp_path / "project"
    project.mkdir()
    shutil.copy(example_models["resnet18"], project / "cnn.onnx")
    config = project / "pipeline.yaml"
    config.write_text(PIPELINE.format(model="cnn.onnx") + "run:\n  stages: [build, inspect, lint]\n")
    first = run_cli("run", config, "--json")
    assert first.exit_code == 0, first.stderr
    moved = tmp_path / "moved"
    shutil.move(project, moved)
    again = run_cli("run", moved / "pipeline.yaml", "--json")
    assert again.exit_code == 0, again.stderr
    assert _statuses(again) == {"build": "unchanged", "inspect": "unchanged", "lint": "unchanged"}


def test_stages_flag_runs_a_convert_the_config_leaves_out(run_cli, example_models, tmp_path):
    # run.stages has no convert, --stages asks for it: it converts into the default output (it crashed with exit 70)
    config = tmp_path / "pipeline.yaml"
    config.write_text("name: cnn\nworkdir: out\n" + SMALL_CNN_PIPELINE.format(model=example_models["resnet18"])
                      + "run:\n  stages: [build, inspect]\n")
    result = run_cli("run", config, "--stages", "convert", "--json")
    assert result.exit_code == 0, result.stderr
    assert _statuses(result) == {"convert": "ran"}
    assert (tmp_path / "out" / "cnn.fp32.onnx").is_file()
