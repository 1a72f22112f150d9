"""What a new user meets in the first hour (issue 22): pipes, wrong kinds of files, help texts, out-of-range
choices, migrate's target, the examples."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import FIXTURES, REPO, TWO_PROFILES, run_subprocess


def _run_into_closed_pipe(*args: str) -> subprocess.CompletedProcess[str]:
    """Run `python -m trtkit ARGS` with stdout a pipe whose reader is already gone, as `... | head -1` leaves it."""
    reader, writer = os.pipe()
    os.close(reader)
    try:
        return subprocess.run([sys.executable, "-m", "trtkit", *args], stdout=writer, stderr=subprocess.PIPE,
                              text=True, timeout=120, cwd=REPO,
                              env={**os.environ, "PYTHONPATH": str(REPO), "NO_COLOR": "1"})
    finally:
        os.close(writer)


@pytest.mark.parametrize("args", [
    ("lint", "--list-rules"),  # a Rich table
    ("--json", "inspect", str(FIXTURES / "layer_info" / "trt10.14.1_mnist_detailed.layers.json")),  # plain JSON
], ids=["table", "json"])
def test_a_closed_pipe_ends_quietly_with_141_not_the_check_failed_code(args):
    completed = _run_into_closed_pipe(*args)
    assert completed.returncode == 141
    assert completed.stderr == ""


MNIST_DETAILED = FIXTURES / "layer_info" / "trt10.14.1_mnist_detailed.layers.json"  # detailed, no profile


def _raw_layers(path):
    import json

    return json.loads(path.read_text())["Layers"]


def test_inspect_without_a_profile_lists_the_first_top_layers(run_cli):
    raw = _raw_layers(MNIST_DETAILED)
    result = run_cli("--no-color", "inspect", MNIST_DETAILED, "--top", "2")
    assert result.exit_code == 0, result.stderr
    listing = result.stdout.split("layers (execution order")[1].split("I/O tensors")[0]
    assert raw[0]["Name"] in listing and raw[1]["Name"] in listing and raw[2]["Name"] not in listing
    assert "--layers lists all" in result.stdout
    # the first layer's ONNX nodes and shapes, as the inspector recorded them
    first = raw[0]
    dims = "x".join(map(str, first["Inputs"][0]["Dimensions"]))
    assert dims in listing and "Convolution" in listing


def test_inspect_layers_lists_every_layer_with_filters(run_cli):
    raw = _raw_layers(MNIST_DETAILED)
    everything = run_cli("--no-color", "inspect", MNIST_DETAILED, "--layers").stdout
    assert f"Layers ({len(raw)} of {len(raw)}" in everything
    assert all(layer["Name"] in everything for layer in raw)
    convolutions = run_cli("--no-color", "inspect", MNIST_DETAILED, "--layers", "--filter", "conv2d").stdout
    listing = convolutions.split("Layers (")[1].split("I/O tensors")[0]
    names = [layer["Name"] for layer in raw]
    assert [name for name in names if name in listing] == [name for name in names if "conv2d" in name]
    # the Myelin cast at the end computes in INT32, every other layer in FP32
    int32 = run_cli("--no-color", "inspect", MNIST_DETAILED, "--layers", "--precision", "int32").stdout
    assert f"Layers (1 of {len(raw)}" in int32 and raw[-1]["Name"] in int32 and raw[0]["Name"] not in int32
    fp32 = run_cli("--no-color", "inspect", MNIST_DETAILED, "--layers", "--precision", "FP32").stdout
    assert f"Layers ({len(raw) - 1} of {len(raw)}" in fp32 and raw[-1]["Name"] not in fp32


def test_inspect_with_a_profile_still_ranks_the_slowest(run_cli):
    result = run_cli("--no-color", "inspect", FIXTURES / "trt8/resnet18-a100/fp16", "--top", "3")
    assert "Top 3 slowest layers" in result.stdout and "execution order; no profile" not in result.stdout
    listed = run_cli("--no-color", "inspect", FIXTURES / "trt8/resnet18-a100/fp16", "--layers").stdout
    assert "Layers (" in listed and "ms" in listed.split("Layers (")[1].split("\n")[2]


def test_migrate_target_10_drops_nothing(run_cli, tmp_path):
    from trtkit.config.loader import parse_yaml, validate_config

    command = "trtexec --onnx=model.onnx --noTF32 --iterations=50"
    output = tmp_path / "pipeline.yaml"
    result = run_cli("migrate", command, "--target", "10", "-o", output)
    assert result.exit_code == 0, result.stderr
    text = output.read_text()
    config = validate_config(*parse_yaml(text, str(output)))
    # trtexec 10.x's measurement is kept, as it is without --target
    assert (config.profile.cuda_graph, config.profile.spin_wait, config.profile.transfers) == (False, False, True)
    assert config.profile.iterations == 50
    # --noTF32 has no place in a TensorRT 10.x build: listed and warned about, not dropped
    assert "#   --noTF32" in text.split("not migrated")[1]
    assert "not migrated: --noTF32" in result.stderr
    document = run_cli("migrate", command, "--target", "10", "--json").json()
    assert document["unknown"] == ["--noTF32"]


def test_build_given_an_engine_says_so(run_cli, rtx_builds, tmp_path):
    engine = rtx_builds["resnet18"].engine
    result = run_cli("build", engine, "-o", tmp_path / "again.engine")
    assert result.exit_code == 3
    [line] = result.stderr.strip().splitlines()
    assert "is a TensorRT engine, not an ONNX model" in line and f"trtkit profile {engine}" in line
    assert result.stdout == "" and list(tmp_path.iterdir()) == []
    as_json = run_cli("build", MNIST_DETAILED, "-o", tmp_path / "again.engine")
    assert as_json.exit_code == 3 and "is a JSON file, not an ONNX model" in as_json.stderr
    assert f"trtkit inspect {MNIST_DETAILED}" in as_json.stderr


def test_profile_given_a_model_says_so(run_cli, example_models, tmp_path):
    model = example_models["resnet18"]
    result = run_cli("profile", model)
    assert result.exit_code == 3  # not 4: no GPU is needed to know this
    [line] = result.stderr.strip().splitlines()
    assert "is an ONNX model, not a TensorRT engine" in line and f"trtkit build {model}" in line
    log = FIXTURES / "logs" / "trt10.14.1_mnist_onnx_default.trtexec.log"
    as_log = run_cli("profile", log)
    assert as_log.exit_code == 3 and "is a text file, not a TensorRT engine" in as_log.stderr


@pytest.fixture(scope="module")
def two_profile_build(example_models, tmp_path_factory):
    """The small CNN built by `trtkit build` (TensorRT-RTX on the CPU) with two named profiles, small and large."""
    pytest.importorskip("tensorrt_rtx", reason="TensorRT-RTX is not installed (pip install 'trtkit[rtx]')")
    folder = tmp_path_factory.mktemp("two_profiles")
    config = folder / "pipeline.yaml"
    config.write_text(f"model: {example_models['resnet18']}\nbackend: tensorrt-rtx\n" + TWO_PROFILES)
    engine = folder / "out" / "cnn.engine"
    built = run_subprocess("build", "--config", config, "-o", engine, env={"PYTHONPATH": str(REPO), "COLUMNS": "200"})
    assert built.exit_code == 0, built.stderr
    (folder / "build.stdout").write_text(built.stdout)
    return engine


def test_inspect_profile_out_of_range_names_the_profiles(run_cli, two_profile_build):
    graph = f"{two_profile_build}.graph.json"
    result = run_cli("inspect", graph, "--profile", "5")
    assert result.exit_code == 2 and result.stdout == ""
    [line] = result.stderr.strip().splitlines()
    assert "--profile 5 is out of range" in line and "2 optimization profiles: 0 (small), 1 (large)" in line
    second = run_cli("--no-color", "inspect", graph, "--profile", "1", "--json")
    assert second.exit_code == 0 and second.json()["plans"][0]["summary"]["layer_count"] > 0


def test_compare_outputs_help_lists_only_its_own_options(run_cli):
    result = run_cli("compare", "outputs", "--help")
    assert result.exit_code == 0
    text = " ".join(result.stdout.split())
    assert "outputs REFERENCE CANDIDATE" in text and "--data" in text and "--seed" in text
    for gate_option in ("--baseline", "--max-regression", "--metrics", "--per-layer", "--confidence", "--top"):
        assert gate_option not in text, gate_option
    engines = " ".join(run_cli("compare", "--help").stdout.split())
    assert "--max-regression" in engines and "--seed" not in engines


@pytest.mark.parametrize("command, section", [
    ("convert", "convert"), ("build", "build"), ("profile", "profile"), ("lint", "lint"), ("compare", "compare"),
    ("run", "run"), ("sweep", "sweep")])
def test_set_help_shows_a_key_of_the_subcommands_own_section(run_cli, command, section):
    text = " ".join(run_cli(command, "--help").stdout.split())
    assert f"e.g. --set {section}." in text


def test_errors_name_the_flag_the_user_typed(run_cli, example_models, tmp_path):
    gate = run_cli("compare", tmp_path, tmp_path, "--max-regression", "lots")
    assert gate.exit_code == 2
    [line] = gate.stderr.strip().splitlines()
    assert line.startswith("error: --max-regression lots:") and "--set" not in line
    converted = run_cli("convert", example_models["resnet18"], "-o", tmp_path / "m.onnx", "--precision", "fp12")
    assert converted.exit_code == 2 and "error: --precision fp12:" in converted.stderr
    assert not (tmp_path / "m.onnx").exists()
    seeded = run_cli("compare", "outputs", example_models["resnet18"], example_models["resnet18"], "--seed", "abc")
    assert seeded.exit_code == 2 and "error: --seed abc:" in seeded.stderr
    # an override the user wrote as --set is still named as such
    assert "error: --set compare.max_regression=lots:" in run_cli(
        "compare", tmp_path, tmp_path, "--set", "compare.max_regression=lots").stderr


@pytest.mark.parametrize("batches", [1, 3])
def test_compare_outputs_shape_is_the_one_onnxruntime_returns(run_cli, example_models, batches):
    import numpy as np
    import onnxruntime

    model = example_models["resnet18"]
    session = onnxruntime.InferenceSession(str(model), providers=["CPUExecutionProvider"])
    [returned] = session.run(None, {"input": np.zeros((2, 3, 64, 64), np.float32)})
    result = run_cli("--json", "compare", "outputs", model, model, "--shapes", "input:2x3x64x64",
                     "--set", f"compare.data.batches={batches}")
    assert result.exit_code == 0, result.stderr
    [output] = result.json()["outputs"]
    assert output["shape"] == list(returned.shape) == [2, 10]
    assert sum(output["histogram"].values()) == batches * returned.size  # every run's elements are compared


def _rows(table_text: str) -> dict[str, str]:
    return {line.split("│")[1].strip(): line.split("│")[2].strip() for line in table_text.splitlines()
            if line.count("│") == 3}


def test_build_summary_shows_profile_shapes(two_profile_build):
    summary = _rows((two_profile_build.parent.parent / "build.stdout").read_text().split("Slowest")[0])
    assert summary["profiles"] == ("small: min input:1x3x64x64, opt input:1x3x64x64, max input:2x3x64x64; "
                                   "large: min input:4x3x64x64, opt input:8x3x64x64, max input:8x3x64x64")


def test_build_dry_run_shows_the_output_given_with_o(run_cli, example_models, tmp_path):
    engine = tmp_path / "te.engine"
    result = run_cli("--no-color", "build", example_models["resnet18"], "--shapes", "input:1x3x64x64", "--dry-run",
                     "-o", engine)
    assert result.exit_code == 0, result.stderr
    summary, options = result.stdout.split("Effective build options")
    assert _rows(options)["output"] == str(engine)
    assert str(engine) in _rows(summary)["dry run"] and _rows(summary)["profiles"] == "shapes: input:1x3x64x64"
    as_json = run_cli("--json", "build", example_models["resnet18"], "--shapes", "input:1x3x64x64", "--dry-run",
                      "-o", engine).json()
    assert as_json["effective_config"]["build"]["output"] == str(engine) and not engine.exists()


def test_graph_json_stream_ids_are_numbers_when_metadata_is_empty(two_profile_build):
    import json

    from trtkit.plan.inspector import parse_fields

    layers = json.loads(Path(f"{two_profile_build}.graph.json").read_text())["Layers"]
    assert all(isinstance(layer["StreamId"], int) for layer in layers if "StreamId" in layer)
    assert any(layer.get("Metadata") == "" for layer in layers)  # the case that went wrong: nothing after the key
    record = parse_fields("Name: a, LayerType: kgen, TacticName: , StreamId: 0, Metadata: ")
    assert record["StreamId"] == 0 and record["Metadata"] == "" and record["TacticName"] == ""


def test_convert_given_an_engine_says_so(run_cli, rtx_builds, tmp_path):
    engine = rtx_builds["resnet18"].engine
    result = run_cli("convert", engine, "-o", tmp_path / "m.onnx")
    assert result.exit_code == 3 and "is a TensorRT engine, not an ONNX model" in result.stderr
    assert not (tmp_path / "m.onnx").exists()


def test_run_with_a_missing_model_leaves_no_work_directory(run_cli, tmp_path):
    config = tmp_path / "pipeline.yaml"
    config.write_text("model: ../build/models/resnet18.onnx\nworkdir: out\n")  # where the configs once pointed
    result = run_cli("run", config)
    assert result.exit_code == 3
    [line] = result.stderr.strip().splitlines()
    assert f"model {(tmp_path / '../build/models/resnet18.onnx').resolve()} does not exist" in line
    assert "relative to the config's folder" in line
    assert sorted(path.name for path in tmp_path.iterdir()) == ["pipeline.yaml"]


def test_compare_outputs_is_found_after_options_too():
    from trtkit.cli.compare_cmd import command_for, compare, compare_outputs

    assert command_for(["--json", "compare", "outputs", "a.onnx", "b.onnx"]) is compare_outputs
    assert command_for(["compare", "--config", "p.yaml", "outputs", "a.onnx", "b.onnx"]) is compare_outputs
    assert command_for(["compare", "new/", "--baseline", "outputs"]) is compare  # a folder named outputs
    assert command_for(["compare", "--max-regression=5%", "a/", "b/"]) is compare
