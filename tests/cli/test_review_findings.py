"""Defects found by an adversarial review of the no-false-greens and faithful-FP16 work: each test failed before."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from onnx import TensorProto, helper, numpy_helper

POLYGRAPHY_RESULTS = "polygraphy/trt8.6_polygraphy_run_save_results.runresults.json"


# ---- compare outputs: a comparison of nothing is not a pass ---------------------------------------------------

def test_an_empty_npz_or_folder_as_reference_is_an_error_not_a_pass(run_cli, tmp_path):
    np.savez(tmp_path / "empty.npz")
    np.savez(tmp_path / "outputs.npz", logits=np.ones(3, np.float32))
    (tmp_path / "no_outputs").mkdir()
    for reference, candidate in (("empty.npz", "empty.npz"), ("no_outputs", "outputs.npz")):
        result = run_cli("compare", "outputs", tmp_path / reference, tmp_path / candidate)
        assert result.exit_code == 3, result.stdout + result.stderr
        assert "holds no outputs to compare" in result.stderr and "passed" not in result.stdout


def _polygraphy(fixtures_dir: Path, tmp_path: Path, name: str, edit) -> Path:
    document = json.loads((fixtures_dir / POLYGRAPHY_RESULTS).read_text())
    edit(document)
    path = tmp_path / name
    path.write_text(json.dumps(document))
    return path


def test_polygraphy_results_without_runs_iterations_or_outputs_are_errors(run_cli, fixtures_dir, tmp_path):
    good = fixtures_dir / POLYGRAPHY_RESULTS
    no_runs = _polygraphy(fixtures_dir, tmp_path, "no_runs.json", lambda doc: doc.update(lst=[]))
    no_iterations = _polygraphy(fixtures_dir, tmp_path, "no_iterations.json", lambda doc: doc["lst"][0].__setitem__(
        1, []))
    no_outputs = _polygraphy(fixtures_dir, tmp_path, "no_outputs.json", lambda doc: [
        iteration.update(outputs={}) for iteration in doc["lst"][0][1]])
    for reference, candidate in ((no_runs, good), (no_iterations, no_iterations), (no_outputs, good)):
        result = run_cli("compare", "outputs", reference, candidate)
        assert result.exit_code == 3, result.stdout + result.stderr  # was 70 (IndexError) or 0 ("passed")
        assert "holds no outputs to compare" in result.stderr


def test_a_result_set_without_an_output_of_the_first_is_an_error(run_cli, fixtures_dir, tmp_path):
    def second_iteration_without_outputs(document):
        iterations = document["lst"][0][1]
        iterations.append({"outputs": {}})

    path = _polygraphy(fixtures_dir, tmp_path, "partial.json", second_iteration_without_outputs)
    result = run_cli("compare", "outputs", path, path)
    assert result.exit_code == 3, result.stdout + result.stderr  # was 70 (KeyError)
    assert "is missing from some of its result sets" in result.stderr


@pytest.mark.parametrize("reference, candidate", [(np.nan, 0.0), (np.inf, -np.inf), (np.inf, 1.0)])
def test_a_reference_nan_or_inf_the_candidate_does_not_reproduce_fails(run_cli, tmp_path, reference, candidate):
    np.savez(tmp_path / "reference.npz", y=np.full(4, reference, np.float32))
    np.savez(tmp_path / "candidate.npz", y=np.full(4, candidate, np.float32))
    result = run_cli("compare", "outputs", tmp_path / "reference.npz", tmp_path / "candidate.npz", "--json")
    assert result.exit_code == 1, result.stdout + result.stderr  # was 0: every element skipped as non-finite
    [output] = result.json()["outputs"]
    assert "4 elements where the reference is NaN or Inf and the candidate differs" in output["reasons"]
    same = run_cli("compare", "outputs", tmp_path / "reference.npz", tmp_path / "reference.npz")
    assert same.exit_code == 0, same.stdout  # the same NaN or Inf on both sides still matches


# ---- FP16 inside a subgraph: never verified in FP32 by onnxruntime ---------------------------------------------

def _branch(prefix: str, fp16: bool) -> object:
    """x + 300 - 300, in FP16 (a Cast in, one out; FP16's spacing at 300 is 0.25) or in FP32."""
    if fp16:
        nodes = [helper.make_node("Cast", ["x"], [f"{prefix}_half"], name=f"/{prefix}/Cast", to=TensorProto.FLOAT16),
                 helper.make_node("Add", [f"{prefix}_half", f"{prefix}_big"], [f"{prefix}_sum"], name=f"/{prefix}/Add"),
                 helper.make_node("Sub", [f"{prefix}_sum", f"{prefix}_big"], [f"{prefix}_back"], name=f"/{prefix}/Sub"),
                 helper.make_node("Cast", [f"{prefix}_back"], [f"{prefix}_out"], name=f"/{prefix}/Cast_1",
                                  to=TensorProto.FLOAT)]
    else:
        nodes = [helper.make_node("Add", ["x", f"{prefix}_big"], [f"{prefix}_sum"], name=f"/{prefix}/Add"),
                 helper.make_node("Sub", [f"{prefix}_sum", f"{prefix}_big"], [f"{prefix}_out"], name=f"/{prefix}/Sub")]
    big = numpy_helper.from_array(np.array([300], np.float16 if fp16 else np.float32), f"{prefix}_big")
    return helper.make_graph(nodes, prefix, [], [helper.make_tensor_value_info(f"{prefix}_out", TensorProto.FLOAT,
                                                                               [1, 8])], [big])


def _if_model(path: Path, fp16: bool) -> Path:
    """An FP32 main graph (inputs, outputs, weights) whose If branches compute in FP16 or FP32."""
    import onnx

    graph = helper.make_graph(
        [helper.make_node("Greater", ["x0", "low"], ["flag"], name="/Greater"),
         helper.make_node("If", ["flag"], ["y"], name="/If", then_branch=_branch("then", fp16),
                          else_branch=_branch("else", fp16))], "fp16_in_a_branch",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 8]),
         helper.make_tensor_value_info("x0", TensorProto.FLOAT, [])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, 8])],
        [numpy_helper.from_array(np.array(-1e9, np.float32), "low")])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    model.ir_version = 8
    onnx.checker.check_model(model)
    onnx.save(model, str(path))
    return path


def test_fp16_only_inside_a_branch_is_not_run_by_onnxruntime(run_cli, tmp_path):
    from trtkit.backends.reference import ONNXRUNTIME_RUNNER, runner_for
    from trtkit.io.onnx_model import load_onnx

    reference, candidate = _if_model(tmp_path / "fp32.onnx", False), _if_model(tmp_path / "fp16.onnx", True)
    assert runner_for(load_onnx(candidate)) == "trtkit-reference-fp16"  # was onnxruntime-cpu
    assert runner_for(load_onnx(reference)) == ONNXRUNTIME_RUNNER
    result = run_cli("compare", "outputs", reference, candidate, "--precision", "fp16")
    # was exit 0, "passed", max abs error 0: onnxruntime ran the FP16 branch in FP32
    assert result.exit_code == 4, result.stdout + result.stderr
    assert "node /If has an FP16/BF16 subgraph" in result.stderr and "passed" not in result.stdout


def test_convert_of_a_model_with_an_fp16_branch_says_not_verified(run_cli, tmp_path):
    # a guard for the fix above: the original now runs in the reference runner too, which refuses the branch; the
    # conversion must still say "not verified" (not exit 4)
    model = _if_model(tmp_path / "fp16.onnx", True)
    result = run_cli("convert", model, "-o", tmp_path / "out" / "converted.onnx", "--json")
    assert result.exit_code == 0, result.stderr
    document = result.json()
    assert document["verification"] is None
    assert document["verification_note"].startswith("not verified: node /If has an FP16/BF16 subgraph")


# ---- the latency gate: nothing gated, or a latency of 0, is no verdict -----------------------------------------

A100_FP16 = "trt8/resnet18-a100/fp16"


def test_a_gate_over_no_metric_is_a_config_error(run_cli, fixtures_dir, tmp_path):
    config = tmp_path / "pipeline.yaml"
    config.write_text("model: model.onnx\ncompare:\n  metrics: []\n")
    engine = fixtures_dir / A100_FP16
    for extra in (("--config", config), ("--set", "compare.metrics=[]")):
        result = run_cli("compare", *extra, "--baseline", engine, engine)
        assert result.exit_code == 2, result.stdout + result.stderr  # was 0, "no regression" over no metric
        assert "compare.metrics" in result.stderr and "no regression" not in result.stdout


def test_per_iteration_latencies_of_zero_are_no_data(run_cli, fixtures_dir, tmp_path):
    import shutil

    zeroed = tmp_path / "zeroed"
    shutil.copytree(fixtures_dir / A100_FP16, zeroed)
    timing = zeroed / "resnet.onnx.engine.timing.json"
    records = json.loads(timing.read_text())
    for record in records:
        record.update(latencyMs=0.0, computeMs=0.0)
    timing.write_text(json.dumps(records))
    for baseline, current in ((zeroed, fixtures_dir / A100_FP16), (fixtures_dir / A100_FP16, zeroed)):
        result = run_cli("compare", "--baseline", baseline, current, "--json")
        assert result.exit_code == 1, result.stdout + result.stderr  # was 70 (ZeroDivisionError)
        [gate] = result.json()["gates"]
        assert gate["verdict"] == "no data"
        assert {metric["evidence"] for metric in gate["metrics"]} == {
            f"the {'baseline' if baseline == zeroed else 'current'} engine's per-iteration times hold a latency of 0"}


# ---- an output path never replaces what the command reads ------------------------------------------------------

def _engine_folder(fixtures_dir: Path, tmp_path: Path) -> Path:
    import shutil

    folder = tmp_path / "engine"
    shutil.copytree(fixtures_dir / A100_FP16, folder)
    (folder / "pipeline.yaml").write_text("model: model.onnx\nlint:\n  fail_on: error\n")
    return folder


def _hashes(folder: Path) -> dict[str, bytes]:
    return {path.name: path.read_bytes() for path in sorted(folder.iterdir())}


def test_lint_and_report_refuse_to_write_over_their_inputs(run_cli, fixtures_dir, tmp_path):
    folder = _engine_folder(fixtures_dir, tmp_path)
    graph, before = folder / "resnet.onnx.engine.graph.json", _hashes(folder)
    for args in (("lint", graph, folder / "pipeline.yaml", "--format", "sarif", "-o", folder / "pipeline.yaml"),
                 ("lint", folder, "--json", "-o", folder / "resnet.onnx.engine.profile.json"),
                 ("lint", graph, "--json", "-o", folder / "resnet.onnx.engine.timing.json"),
                 ("report", folder, "-o", graph), ("report", graph, "-o", graph)):
        result = run_cli(*args)
        # was exit 0: the config, profile, timing or graph JSON replaced by SARIF, lint JSON or HTML
        assert result.exit_code == 2, (args, result.stdout + result.stderr)
        assert "writing it would replace it" in result.stderr
    assert _hashes(folder) == before


def test_lint_and_report_still_rewrite_their_own_outputs_in_the_folder(run_cli, fixtures_dir, tmp_path):
    folder = _engine_folder(fixtures_dir, tmp_path)
    for _ in range(2):  # the second time the outputs exist (and lint.json is in the folder it reads)
        assert run_cli("lint", folder, "--json", "-o", folder / "lint.json").exit_code == 0
        assert run_cli("report", folder, "-o", folder / "report.html").exit_code == 0
    assert json.loads((folder / "lint.json").read_text())["schema"] == "trtkit/lint/v1"


def test_layerwise_html_refuses_to_write_over_the_candidate_model(run_cli, example_models, tmp_path):
    import shutil

    candidate = tmp_path / "candidate.onnx"
    shutil.copy(example_models["resnet18"], candidate)
    before = candidate.read_bytes()
    result = run_cli("compare", "outputs", example_models["resnet18"], candidate, "--layerwise", "--html", candidate)
    assert result.exit_code == 2, result.stdout + result.stderr  # was 0: the candidate model replaced by HTML
    assert "is an input of this command" in result.stderr and candidate.read_bytes() == before


# ---- saved outputs and data that numpy cannot read are bad input, not exit 70 ----------------------------------

def _unreadable(tmp_path: Path) -> dict[str, Path]:
    np.savez(tmp_path / "objects.npz", y=np.array([{"x": 1}], dtype=object))
    np.savez(tmp_path / "strings.npz", y=np.array(["a", "b"]))
    np.savez(tmp_path / "complex.npz", y=np.ones(3, np.complex64))
    (tmp_path / "not_a_zip.npz").write_bytes(b"PK\x03\x04 truncated")
    folder = tmp_path / "npy_folder"
    folder.mkdir()
    (folder / "y.npy").write_text("not numpy")
    return {path.name: path for path in (tmp_path / "objects.npz", tmp_path / "strings.npz",
                                          tmp_path / "complex.npz", tmp_path / "not_a_zip.npz", folder)}


def test_unreadable_or_non_numeric_saved_outputs_are_exit_3(run_cli, tmp_path):
    for name, path in _unreadable(tmp_path).items():
        result = run_cli("compare", "outputs", path, path)
        # was 70 (ValueError, BadZipFile), or "passed" for complex values compared by their real part
        assert result.exit_code == 3, (name, result.stdout + result.stderr)
        assert "internal error" not in result.stderr and "passed" not in result.stdout


def test_a_data_file_that_is_no_zip_is_exit_3(run_cli, example_models, tmp_path):
    (tmp_path / "inputs.npz").write_bytes(b"PK\x03\x04 truncated")
    model = example_models["resnet18"]
    result = run_cli("compare", "outputs", model, model, "--data", tmp_path / "inputs.npz")
    assert result.exit_code == 3, result.stdout + result.stderr  # was 70 (BadZipFile)
    assert "cannot read data" in result.stderr


# ---- debug precision --write-config: refused before the search, never exit 70 after it -------------------------

def test_write_config_over_the_model_or_a_fifo_is_refused_before_the_search(run_cli, example_models, tmp_path):
    import os
    import shutil

    model = tmp_path / "model.onnx"
    shutil.copy(example_models["resnet18"], model)
    before = model.read_bytes()
    os.mkfifo(tmp_path / "fifo")
    for target in (model, tmp_path / "fifo"):
        result = run_cli("debug", "precision", model, "--shapes", "input:1x3x64x64", "--write-config", target)
        # was: the whole search, then exit 70 (UnicodeDecodeError reading the model as YAML) or a hang on the FIFO
        assert result.exit_code == 2, result.stdout + result.stderr
        assert "trial" not in result.stderr.lower()
    assert model.read_bytes() == before


def test_adding_a_keep_list_to_a_binary_file_is_a_usage_error(example_models, tmp_path):
    import shutil

    from trtkit.config.keep_nodes import add_keep_fp32_nodes
    from trtkit.errors import UsageError

    target = tmp_path / "model.onnx"
    shutil.copy(example_models["resnet18"], target)
    with pytest.raises(UsageError, match="is not valid YAML"):  # was UnicodeDecodeError (exit 70)
        add_keep_fp32_nodes(target, ["^/Conv$"], "fp16", [], {}, "model.onnx")


# ---- a special file where trtkit takes a lock ------------------------------------------------------------------

def test_a_fifo_as_the_work_directory_lock_is_refused_not_waited_on(example_models, tmp_path):
    import os

    from tests.conftest import run_subprocess

    workdir = tmp_path / "work"
    workdir.mkdir()
    os.mkfifo(workdir / ".trtkit.lock")
    config = tmp_path / "pipeline.yaml"
    config.write_text(f"model: {example_models['resnet18']}\nworkdir: {workdir}\nrun:\n  stages: [convert]\n")
    result = run_subprocess("run", config)  # was a hang: opening the FIFO waits for a reader
    assert result.exit_code == 2, result.stdout + result.stderr
    assert "lock file" in result.stderr and "FIFO" in result.stderr


def test_a_max_regression_of_nan_is_a_config_error(run_cli, fixtures_dir):
    fp16, fp32 = fixtures_dir / A100_FP16, fixtures_dir / "trt8/resnet18-a100/fp32"  # fp32 is 57% slower
    assert run_cli("compare", "--baseline", fp16, fp32).exit_code == 1
    for value in (".nan", ".inf"):
        result = run_cli("compare", "--baseline", fp16, fp32, "--set", f"compare.max_regression={value}")
        # was exit 0, "no regression": every comparison with NaN is false
        assert result.exit_code == 2, result.stdout + result.stderr
        assert "compare.max_regression: expected a percentage" in result.stderr


# ---- lint --set without a config file ----------------------------------------------------------------------------

def test_lint_set_without_a_config_file_is_applied_not_ignored(run_cli, fixtures_dir):
    engine = fixtures_dir / A100_FP16  # 3 info findings, among them engine-channels-not-aligned
    assert run_cli("lint", engine).exit_code == 0
    for override in ("lint.fail_on=info", "lint.rules={engine-channels-not-aligned: {severity: error}}"):
        result = run_cli("lint", engine, "--set", override)
        assert result.exit_code == 1, (override, result.stdout + result.stderr)  # was 0, "passed": --set ignored
    bad = run_cli("lint", engine, "--set", "lint.bogus=1")
    assert bad.exit_code == 2 and "lint.bogus: unknown key" in bad.stderr  # was 0
    nan = run_cli("lint", engine, "--set", "lint.rules={engine-reformat-share: {params: {max_percent: .nan}}}")
    assert nan.exit_code == 2 and "max_percent is not a number" in nan.stderr  # a rule that could never fire


# ---- compare outputs options that judged nothing, or judged at the wrong precision ------------------------------

def test_compare_outputs_refuses_a_zero_size_shape_an_unknown_precision_and_a_negative_seed(run_cli, example_models):
    model = example_models["resnet18"]
    cases = {("--shapes", "input:0x3x64x64"): "has a dimension of 0",  # was "passed" on 0 elements
             ("--precision", "fp61"): "is not a precision",  # was judged at FP32's defaults, "default for fp61"
             ("--seed", "-1"): "compare.data.seed"}  # was exit 70 (numpy's ValueError)
    for args, message in cases.items():
        result = run_cli("compare", "outputs", model, model, *args)
        assert result.exit_code == 2, (args, result.stdout + result.stderr)
        assert message in result.stderr and "passed" not in result.stdout


def test_inputs_of_no_values_are_not_a_passing_comparison(run_cli, example_models, tmp_path):
    model = example_models["resnet18"]
    np.savez(tmp_path / "empty_batch.npz", input=np.zeros((0, 3, 64, 64), np.float32))
    np.savez(tmp_path / "empty_outputs.npz", output=np.zeros((0, 10), np.float32))
    for args in (("compare", "outputs", model, model, "--data", tmp_path / "empty_batch.npz"),
                 ("compare", "outputs", tmp_path / "empty_outputs.npz", tmp_path / "empty_outputs.npz"),
                 ("convert", model, "-o", tmp_path / "out" / "model.onnx", "--data", tmp_path / "empty_batch.npz")):
        result = run_cli(*args)
        assert result.exit_code == 3, (args, result.stdout + result.stderr)  # was 0: "passed" on 0 elements
        assert "is empty on these inputs" in result.stderr
    assert not (tmp_path / "out").exists()


def test_negative_summary_latencies_are_no_data_not_an_improvement(run_cli, fixtures_dir, tmp_path):
    import shutil

    corrupt = tmp_path / "corrupt"
    shutil.copytree(fixtures_dir / A100_FP16, corrupt)
    (corrupt / "resnet.onnx.engine.timing.json").unlink()  # the summary path: no per-iteration times
    metadata = corrupt / "resnet.onnx.engine.profile.metadata.json"
    document = json.loads(metadata.read_text())
    document["performance_summary"].update({"Latency": [-5.0] * 5, "GPU Compute Time": [-5.0] * 5})
    metadata.write_text(json.dumps(document))
    current = tmp_path / "current"
    shutil.copytree(fixtures_dir / "trt8/resnet18-a100/fp32", current)
    (current / "resnet.onnx.engine.timing.json").unlink()
    result = run_cli("compare", "--baseline", corrupt, current, "--metrics", "median", "--json")
    assert result.exit_code == 1, result.stdout + result.stderr  # was 0: a -140% change read as an improvement
    [gate] = result.json()["gates"]
    assert gate["verdict"] == "no data" and "not positive" in gate["metrics"][0]["evidence"]


def test_migrate_force_does_not_write_the_config_over_its_log(run_cli, fixtures_dir, tmp_path):
    import shutil

    log = tmp_path / "build.trtexec.log"
    shutil.copy(fixtures_dir / "logs/trt8.4.1_mnist_fp16_build_and_run.trtexec.log", log)
    before = log.read_bytes()
    result = run_cli("migrate", "--log", log, "-o", log, "--force")
    assert result.exit_code == 2, result.stdout + result.stderr  # was 0: the log replaced by the config
    assert log.read_bytes() == before


def test_config_init_force_does_not_write_the_config_over_its_model(run_cli, example_models, tmp_path):
    import shutil

    model = tmp_path / "model.onnx"
    shutil.copy(example_models["resnet18"], model)
    before = model.read_bytes()
    result = run_cli("config", "init", model, "-o", model, "--force")
    assert result.exit_code == 2, result.stdout + result.stderr  # was 0: the model replaced by a YAML file
    assert model.read_bytes() == before


def test_build_refuses_to_write_the_engine_over_its_model_and_still_rebuilds_beside_it(run_cli, example_models,
                                                                                       tmp_path):
    import shutil

    pytest.importorskip("tensorrt_rtx", reason="TensorRT-RTX is not installed (pip install 'trtkit[rtx]')")
    model = tmp_path / "model.onnx"
    shutil.copy(example_models["resnet18"], model)
    before = model.read_bytes()
    result = run_cli("build", model, "-o", model, "--shapes", "input:1x3x64x64")
    assert result.exit_code == 2, result.stdout + result.stderr  # was 0: the engine replaced the model
    assert model.read_bytes() == before and not list(tmp_path.glob("model.onnx.*"))
    for _ in range(2):  # the second build replaces the first one's companions beside the model
        rebuilt = run_cli("build", model, "-o", tmp_path / "model.engine", "--shapes", "input:1x3x64x64")
        assert rebuilt.exit_code == 0, rebuilt.stderr[-2000:]


def test_gate_options_without_a_baseline_are_a_usage_error(run_cli, fixtures_dir):
    fp16, fp32 = fixtures_dir / A100_FP16, fixtures_dir / "trt8/resnet18-a100/fp32"  # fp32 is 57% slower
    for flags in (("--max-regression", "5%"), ("--metrics", "median"), ("--per-layer",)):
        result = run_cli("compare", fp16, fp32, *flags)
        # was exit 0: no gate ran (--baseline forgotten), and the CI step was green
        assert result.exit_code == 2, (flags, result.stdout + result.stderr)
        assert "gates against a baseline" in result.stderr
    assert run_cli("compare", fp16, fp32).exit_code == 0  # a side-by-side comparison asks for no gate
