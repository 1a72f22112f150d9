"""`trtkit build` with TensorRT-RTX on the CPU: real engines, their artifacts, and every bad input answered in one
line with its exit code. The full-TensorRT paths (10.x weak typing and calibration, timing cache, IEngineInspector)
cannot run here and skip with the reason."""

import importlib.util
import json
import os
import signal
from pathlib import Path

import onnx
import pytest
from make_models import SMALL, transformer_encoder
from onnx import TensorProto, helper

from tests.conftest import TWO_PROFILES

pytestmark = pytest.mark.skipif(importlib.util.find_spec("tensorrt_rtx") is None,
                                reason="TensorRT-RTX is not installed (pip install 'trtkit[rtx]')")


def _config(tmp_path, model, text, name="pipeline.yaml"):
    path = tmp_path / name
    path.write_text(f"model: {model}\nbackend: tensorrt-rtx\n" + text)
    return path


def test_cnn_with_two_profiles(run_cli, example_models, tmp_path):
    config = _config(tmp_path, example_models["resnet18"], TWO_PROFILES)
    engine = tmp_path / "out" / "cnn.engine"
    result = run_cli("build", "--config", config, "-o", engine, "--json")
    assert result.exit_code == 0, result.stderr
    document = result.json()
    assert document["schema"] == "trtkit/build/v1" and document["backend"] == "tensorrt-rtx"
    assert sorted(path.name for path in engine.parent.iterdir()) == [
        "cnn.engine", "cnn.engine.build.log", "cnn.engine.build.metadata.json", "cnn.engine.graph.json"]
    assert engine.read_bytes()[:4] == b"vtrt" and document["engine_bytes"] == engine.stat().st_size
    metadata = json.loads((tmp_path / "out" / "cnn.engine.build.metadata.json").read_text())
    from trtkit.io.artifacts import sha256_file

    assert metadata["model"]["sha256"] == sha256_file(example_models["resnet18"])
    assert list(metadata["profiles"]) == ["small", "large"] and metadata["versions"]["backend"] == "tensorrt-rtx"
    assert metadata["build_options"]["profiling_verbosity"] == "detailed"
    # TensorRT-RTX selects no tactics by timing: it has no timing cache to report on
    assert document["timing_cache"] is None and metadata["timing_cache"] is None
    assert metadata["effective_config"] == document["effective_config"]
    inspected = run_cli("inspect", tmp_path / "out" / "cnn.engine.graph.json", "--json").json()
    [plan] = inspected["plans"]
    assert plan["detailed"] and {layer["profile"] for layer in plan["layers"]} == {0, 1}
    assert plan["tensorrt_version"].endswith("(TensorRT-RTX)")
    assert any("/conv1/Conv" in layer["onnx_nodes"] for layer in plan["layers"])
    assert [tensor["name"] for tensor in plan["io_tensors"]] == ["input", "output"]
    shown = run_cli("inspect", tmp_path / "out" / "cnn.engine.graph.json")
    assert shown.exit_code == 0 and "TensorRT-RTX 1." in shown.stdout
    # the builder's listing has no timings, weights or static shapes: no empty columns, no "0 B" figures
    assert " ms " not in shown.stdout and "Memory and compute" not in shown.stdout
    assert "no weight counts or static shapes" in shown.stderr


def test_transformer_dynamic_batch_and_sequence(run_cli, example_models, tmp_path):
    profile = ("build:\n  profiles:\n    p:\n"
               "      min: {input_ids: 1x1, attention_mask: 1x1}\n"
               "      opt: {input_ids: 2x16, attention_mask: 2x16}\n"
               "      max: {input_ids: 4x64, attention_mask: 4x64}\n")
    config = _config(tmp_path, example_models["transformer_encoder"], profile)
    result = run_cli("build", "--config", config, "-o", tmp_path / "enc.engine", "--json")
    assert result.exit_code == 0, result.stderr
    # the parser's warnings (the INT64 token inputs), logged by TensorRT-RTX, in the JSON and the metadata
    logged = [line[4:] for line in (tmp_path / "enc.engine.build.log").read_text().splitlines()
              if line.startswith("[W] ")]
    assert any("input_ids has Int64 binding" in line for line in logged)
    metadata = json.loads((tmp_path / "enc.engine.build.metadata.json").read_text())
    assert result.json()["parser_warnings"] == metadata["parser_warnings"] == list(dict.fromkeys(logged))
    table = run_cli("build", "--config", config, "-o", tmp_path / "enc2.engine")
    assert "warning: ONNX parser: ModelImporter.cpp" in table.stderr
    plan = run_cli("inspect", tmp_path / "enc.engine", "--json").json()["plans"][0]  # the engine's artifacts
    assert plan["summary"]["layer_count"] > 5
    assert {tensor["name"] for tensor in plan["io_tensors"]} == {"input_ids", "attention_mask", "last_hidden_state"}


@pytest.mark.skipif(importlib.util.find_spec("modelopt") is None, reason="Model Optimizer is not installed")
@pytest.mark.parametrize("name, shapes", [("resnet18", "input:2x3x64x64"),
                                          ("transformer_encoder", "input_ids:2x16,attention_mask:2x16")])
@pytest.mark.parametrize("flag, value, dtype", [("--precision", "fp16", "FP16"), ("--quantize", "int8", "INT8")])
def test_converted_models_build_strongly_typed(run_cli, example_models, tmp_path, name, shapes, flag, value, dtype):
    converted = tmp_path / f"{name}.{value}.onnx"
    assert run_cli("convert", example_models[name], "-o", converted, flag, value).exit_code == 0
    engine = tmp_path / f"{name}.{value}.engine"
    result = run_cli("build", converted, "-o", engine, "--backend", "tensorrt-rtx", "--shapes", shapes)
    assert result.exit_code == 0, result.stderr
    plan = run_cli("inspect", engine, "--json").json()["plans"][0]  # its graph.json, beside it
    assert dtype in {group["key"] for group in plan["summary"]["by_precision"]}


def test_dry_run_builds_nothing_and_shows_the_effective_config(run_cli, example_models, tmp_path):
    config = _config(tmp_path, example_models["resnet18"], TWO_PROFILES)
    result = run_cli("build", "--config", config, "-o", tmp_path / "x.engine", "--dry-run", "--json",
                     "--set", "build.workspace=1GiB")
    assert result.exit_code == 0
    document = result.json()
    assert document["dry_run"] and document["network"]["inputs"][0]["shape"] == [-1, 3, 64, 64]
    effective = document["effective_config"]
    assert effective["backend"] == "tensorrt-rtx" and effective["build"]["workspace"] == "1GiB"
    assert effective["build"]["profiling_verbosity"] == "detailed"  # a default, filled in
    assert list(effective["build"]["profiles"]) == ["small", "large"]
    shown = run_cli("build", "--config", config, "-o", tmp_path / "x.engine", "--dry-run",
                    "--set", "build.workspace=1GiB")
    rows = {line.split("│")[1].strip(): line.split("│")[2].strip() for line in shown.stdout.splitlines()
            if line.count("│") == 3}
    assert rows["workspace"] == "1GiB" and rows["profiling_verbosity"] == "detailed"
    assert rows["profiles"] == ("small: min input:1x3x64x64, opt input:1x3x64x64, max input:2x3x64x64; "
                                "large: min input:4x3x64x64, opt input:8x3x64x64, max input:8x3x64x64")
    assert len([key for key in rows if key in effective["build"]]) == len(effective["build"])  # every option
    assert not list(tmp_path.glob("x.engine*"))


def _unsupported_model(tmp_path):
    nodes = [helper.make_node("Relu", ["x"], ["r"], name="relu_0"),
             helper.make_node("Unique", ["r"], ["y"], name="unique_1")]
    graph = helper.make_graph(nodes, "g", [helper.make_tensor_value_info("x", TensorProto.FLOAT, [4])],
                              [helper.make_tensor_value_info("y", TensorProto.FLOAT, [None])])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    model.ir_version = 8
    path = tmp_path / "unique.onnx"
    onnx.save(model, str(path))
    return path


def test_bad_inputs_one_line_each(run_cli, example_models, tmp_path):
    cnn = example_models["resnet18"]
    unsupported = run_cli("build", _unsupported_model(tmp_path), "-o", tmp_path / "u.engine", "--backend",
                          "tensorrt-rtx")
    assert unsupported.exit_code == 3
    assert "at node 'unique_1' (Unique)" in unsupported.stderr.strip().splitlines()[-1]
    assert "ONNX parser errors" in unsupported.stderr  # and the table of every error
    cases = {
        "missing input": ("build:\n  profiles:\n    p:\n      min: image:1x3x64x64\n      opt: image:1x3x64x64\n"
                          "      max: image:1x3x64x64\n", 2, "'image', which is not an input"),
        "min above max": ("build:\n  profiles:\n    p:\n      min: input:4x3x64x64\n      opt: input:2x3x64x64\n"
                          "      max: input:2x3x64x64\n", 2, "need min <= opt <= max"),
        "no profile": ("build: {}\n", 2, "dynamic inputs (input) and build.profiles is empty"),
        "tiny workspace": ("build:\n  workspace: 1KiB\n  profiles:\n    p:\n      min: input:1x3x64x64\n"
                           "      opt: input:1x3x64x64\n      max: input:1x3x64x64\n", 2, "workspace"),
        "precision flag": ("build:\n  precision: [fp16]\n", 2,
                           "TensorRT-RTX builds strongly typed networks only: build.precision fp16 is gone; set "
                           "convert.precision: fp16 and rebuild"),
        "tactic source": ("build:\n  tactic_sources: [cublas]\n", 2, "has no cublas; this version has: edge_mask"),
        "target": ("build:\n  compute_capabilities: [9.0]\n", 2, "cannot target 9.0"),
    }
    for name, (text, code, message) in cases.items():
        config = _config(tmp_path, cnn, text, f"{name.replace(' ', '_')}.yaml")
        result = run_cli("build", "--config", config, "-o", tmp_path / "bad.engine")
        assert result.exit_code == code, (name, result.stderr)
        [line] = [line for line in result.stderr.strip().splitlines() if line.startswith("error:")]
        assert message in line, (name, line)
        assert not (tmp_path / "bad.engine").exists()
    truncated = tmp_path / "truncated.onnx"
    truncated.write_bytes(Path(cnn).read_bytes()[:3000])
    empty = tmp_path / "empty.onnx"
    empty.write_bytes(b"\x08\x07")  # a valid protobuf that holds no graph
    for corrupt in (truncated, empty):
        result = run_cli("build", corrupt, "-o", tmp_path / "c.engine", "--backend", "tensorrt-rtx")
        assert result.exit_code == 3, (corrupt.name, result.stderr)
        errors = [line for line in result.stderr.splitlines() if line.startswith("error:")]
        assert len(errors) == 1 and "parse" in errors[0], result.stderr
        assert not (tmp_path / "c.engine").exists()


def test_no_op_options_warn_on_rtx(run_cli, example_models, tmp_path):
    text = TWO_PROFILES + "  timing_cache: timing.cache\n  optimization_level: 5\n"
    result = run_cli("build", "--config", _config(tmp_path, example_models["resnet18"], text), "-o",
                     tmp_path / "w.engine")
    assert result.exit_code == 0
    assert "build.timing_cache is a no-op on TensorRT-RTX" in result.stderr
    assert not (tmp_path / "timing.cache").exists()


def test_ctrl_c_cancels_through_the_monitor_and_writes_nothing(example_models, tmp_path):
    from trtkit.backends.trt_builder import BuildCancelled
    from trtkit.config.context import StageContext, StageEvents
    from trtkit.config.loader import load_config
    from trtkit.stages.build import build_engine

    config = _config(tmp_path, example_models["resnet18"], TWO_PROFILES)
    engine = tmp_path / "cancelled.engine"
    sent = []

    def interrupt(name, parent, steps):  # a user's Ctrl-C as the first phase starts
        if not sent:
            sent.append(name)
            os.kill(os.getpid(), signal.SIGINT)

    with pytest.raises(BuildCancelled):
        settings = load_config(config)
        build_engine(example_models["resnet18"], engine, settings.build,
                     StageContext.for_config(settings, StageEvents(on_phase=interrupt)))
    assert sent and not list(tmp_path.glob("cancelled.engine*"))


def test_legacy_transformer_builds_after_convert(run_cli, tmp_path):
    legacy = tmp_path / "legacy.onnx"
    onnx.save(transformer_encoder(**SMALL["transformer_encoder"], legacy_shapes=True), str(legacy))
    converted = tmp_path / "legacy.clean.onnx"
    assert run_cli("convert", legacy, "-o", converted).exit_code == 0
    result = run_cli("build", converted, "-o", tmp_path / "legacy.engine", "--backend", "tensorrt-rtx",
                     "--shapes", "input_ids:2x16,attention_mask:2x16")
    assert result.exit_code == 0, result.stderr


@pytest.mark.skipif(importlib.util.find_spec("tensorrt") is None,
                    reason="no full TensorRT here (not installable on this machine): its weak-typing options "
                           "(precision flags, layer precisions, INT8 calibration) and timing cache are written to "
                           "the 10.x API but not executed")
def test_full_tensorrt_10_precision_flags(run_cli, example_models, tmp_path):
    import tensorrt

    if int(tensorrt.__version__.split(".")[0]) >= 11:
        pytest.skip("TensorRT 11 has no precision flags")
    config = tmp_path / "p.yaml"
    config.write_text(f"model: {example_models['resnet18']}\nbackend: tensorrt\nbuild:\n  precision: [fp16]\n"
                      "  timing_cache: t.cache\n" + TWO_PROFILES.split("\n", 1)[1])
    assert run_cli("build", "--config", config, "-o", tmp_path / "f.engine").exit_code == 0
    assert (tmp_path / "t.cache").is_file()
    calibrated = tmp_path / "c.yaml"
    calibrated.write_text(f"model: {example_models['resnet18']}\nbackend: tensorrt\nbuild:\n  precision: [int8]\n"
                          "  calibration: {cache: calib.cache, data: {seed: 0, batches: 4}}\n"
                          + TWO_PROFILES.split("\n", 1)[1])
    first = run_cli("build", "--config", calibrated, "-o", tmp_path / "i.engine", "--json")
    assert first.exit_code == 0 and first.json()["calibration"].startswith("4 batch(es)")
    again = run_cli("build", "--config", calibrated, "-o", tmp_path / "i2.engine", "--json")
    assert again.json()["calibration"].startswith("scales read from")


def test_timing_cache_lock_serializes_concurrent_builds(tmp_path):
    # the lock that guards read-merge-write of a shared timing cache, taken by another process first
    import subprocess
    import sys
    import time

    from trtkit.io.locks import locked

    cache, held, order = tmp_path / "shared.cache", tmp_path / "held", tmp_path / "order"
    child = subprocess.Popen([sys.executable, "-c", (
        "import pathlib, sys, time\nfrom trtkit.io.locks import locked\n"
        f"with locked(pathlib.Path({str(cache)!r})):\n"
        f"    pathlib.Path({str(held)!r}).touch()\n    time.sleep(0.5)\n"
        f"    pathlib.Path({str(order)!r}).write_text('other build\\n')\n")])
    deadline = time.monotonic() + 30
    while not held.exists() and child.poll() is None and time.monotonic() < deadline:
        time.sleep(0.01)
    assert held.exists(), "the other process never took the lock"
    with locked(cache):
        with order.open("a") as log:
            log.write("this build\n")
    assert child.wait(30) == 0
    assert order.read_text().splitlines() == ["other build", "this build"]


def test_calibration_without_int8_is_refused_before_parsing():
    # a stand-in for the tensorrt module, only to reach the TensorRT 10.x branch of the option checks
    from types import SimpleNamespace

    from trtkit.config.models import BuildConfig
    from trtkit.errors import UsageError
    from trtkit.stages.build import validate_options

    build = BuildConfig.model_validate({"precision": ["fp16"], "calibration": {"data": {"seed": 0}}})
    with pytest.raises(UsageError, match="does not enable int8") as caught:
        validate_options(build, "tensorrt", SimpleNamespace(__version__="10.13.3"))
    assert caught.value.exit_code == 2


def _chain_model(path: Path, nodes: int) -> Path:
    """A model TensorRT parses slowly: a chain of `nodes` Adds, each logged at verbose level as it is imported."""
    import numpy as np
    from onnx import numpy_helper

    names = ["x", *(f"t{index}" for index in range(nodes - 1)), "y"]
    graph = helper.make_graph(
        [helper.make_node("Add", [names[index], "one"], [names[index + 1]], name=f"add_{index}")
         for index in range(nodes)], "chain",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 8])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, 8])],
        [numpy_helper.from_array(np.ones((1, 8), np.float32), "one")])
    onnx.save(helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)]), str(path))
    return path


def test_the_model_is_parsed_once_on_the_main_thread_after_the_config_is_valid(run_cli, example_models, tmp_path,
                                                                               monkeypatch):
    import threading

    from trtkit.stages import build as stage

    parses = []
    real_parse = stage._parse

    def spy(*args, **kwargs):  # records where TensorRT-RTX's real parse ran
        parses.append(threading.current_thread().name)
        return real_parse(*args, **kwargs)

    monkeypatch.setattr(stage, "_parse", spy)
    config = _config(tmp_path, example_models["resnet18"], TWO_PROFILES)
    result = run_cli("build", "--config", config, "-o", tmp_path / "a.engine", "--json")
    assert result.exit_code == 0, result.stderr
    assert parses == ["MainThread"]
    refused = run_cli("build", "--config", config, "-o", tmp_path / "b.engine", "--set", "build.worksapce=1GiB")
    assert refused.exit_code == 2 and parses == ["MainThread"]  # a config error: no parse at all


def test_writing_is_the_last_phase_and_the_caller_prepares_while_tensorrt_builds(example_models, tmp_path):
    import platform
    import threading

    from trtkit.config.context import StageContext, StageEvents
    from trtkit.config.loader import load_config
    from trtkit.stages.build import WRITING_PHASE, build_engine

    phases, steps, prepared = [], [], []
    settings = load_config(_config(tmp_path, example_models["resnet18"], TWO_PROFILES))
    events = StageEvents(on_phase=lambda name, parent, count: phases.append(name),
                         on_step=lambda name, step: steps.append(name),
                         while_building=lambda: prepared.append((threading.current_thread().name, list(phases))))
    build_engine(example_models["resnet18"], tmp_path / "w.engine", settings.build,
                 StageContext.for_config(settings, events))
    assert len(phases) > 1 and phases[-1] == WRITING_PHASE and steps[-1] == WRITING_PHASE
    [(thread, phases_then)] = prepared
    # in a helper thread, before the writing: beside the build (whether TensorRT had announced its first phase by
    # then is the scheduler's choice, so not asserted)
    assert thread != "MainThread" and WRITING_PHASE not in phases_then
    host = json.loads((tmp_path / "w.engine.build.metadata.json").read_text())["host"]
    assert host == {"platform": platform.platform(), "machine": platform.machine(), "node": platform.node()}


def test_a_config_error_during_a_slow_parse_ends_the_process_cleanly(tmp_path):
    # a config error on a model whose parse takes seconds: one clean line and exit 2, before any parse starts (a
    # parse left running in a thread at the interpreter's exit once aborted inside TensorRT: "FATAL: exception
    # not rethrown", exit 134)
    from tests.conftest import run_subprocess

    model = _chain_model(tmp_path / "chain.onnx", 60000)
    config = _config(tmp_path, model, "build:\n  worksapce: 1GiB\n")
    result = run_subprocess("build", "--config", config, "-o", tmp_path / "chain.engine")
    assert result.exit_code == 2, result.stderr
    assert [line for line in result.stderr.splitlines() if line.strip()] == [
        f"error: {config}:4: build.worksapce: unknown key in build; did you mean 'workspace'?"]
    assert not list(tmp_path.glob("chain.engine*"))


def test_the_process_ends_after_its_output_is_complete(example_models, tmp_path):
    # `trtkit build` skips the interpreter's teardown when done: everything must be written and flushed first
    from tests.conftest import run_subprocess

    config = _config(tmp_path, example_models["resnet18"], TWO_PROFILES)
    as_json = run_subprocess("--json", "build", "--config", config, "-o", tmp_path / "j.engine")
    assert as_json.exit_code == 0, as_json.stderr
    assert sorted(as_json.json()["written"]) == sorted(str(path) for path in tmp_path.glob("j.engine*"))
    table = run_subprocess("build", "--config", config, "-o", tmp_path / "t.engine", env={"COLUMNS": "120"})
    assert table.exit_code == 0, table.stderr
    assert "Slowest builder phases" in table.stdout and table.stdout.rstrip().endswith("┘")
    metadata = json.loads((tmp_path / "t.engine.build.metadata.json").read_text())
    assert metadata["engine_bytes"] == (tmp_path / "t.engine").stat().st_size
    assert not [path.name for path in tmp_path.iterdir() if path.name.endswith(".tmp")]


def test_the_summary_shows_the_timing_cache_use_of_a_tensorrt_build_log(fixtures_dir, capsys, monkeypatch):
    # TensorRT's own verbose build log (10.14.1, global timing cache) as the builder's lines, through the table
    from trtkit.backends.trt_builder import timing_cache_statistics
    from trtkit.plan.trtexec_log import normalize_line
    from trtkit.report import console
    from trtkit.report.build import render_build

    monkeypatch.setenv("COLUMNS", "200")
    console.configure()  # consoles made again, at that width
    from trtkit.results.build import BuildResult

    log = fixtures_dir / "logs/trt10.14.1_mnist_fp16_build_verbose_skipInference.trtexec.log"
    statistics = timing_cache_statistics(normalize_line(line).message for line in log.read_text().splitlines())
    render_build(BuildResult("tensorrt", "10.14.1", "model.onnx", "model.engine", engine_bytes=1, build_seconds=1.0,
                             timing_cache=statistics))
    row = next(line for line in capsys.readouterr().out.splitlines() if "timing cache" in line)
    assert f"{statistics['hits']} hits, {statistics['misses']} misses" in row
    assert f"{statistics['timing_seconds']:.1f} s of tactic timing" in row


def test_a_failure_while_the_engine_is_written_keeps_the_previous_build(example_models, tmp_path, monkeypatch):
    from trtkit.config.context import StageContext
    from trtkit.config.loader import load_config
    from trtkit.stages import build as stage

    settings = load_config(_config(tmp_path, example_models["resnet18"], TWO_PROFILES))
    engine = tmp_path / "out" / "cnn.engine"
    stage.build_engine(example_models["resnet18"], engine, settings.build, StageContext.for_config(settings))
    before = {path.name: path.read_bytes() for path in engine.parent.iterdir()}

    def failing(*args):  # the layer listing fails to parse while the engine is being written
        raise RuntimeError("no layer listing")

    monkeypatch.setattr(stage, "_graph_document", failing)
    smaller = settings.model_copy(deep=True)
    smaller.build.profiles.pop("large")
    with pytest.raises(RuntimeError, match="no layer listing"):
        stage.build_engine(example_models["resnet18"], engine, smaller.build, StageContext.for_config(smaller))
    assert {path.name: path.read_bytes() for path in engine.parent.iterdir()} == before


def test_a_model_with_external_data_builds_from_its_path(run_cli, example_models, tmp_path):
    from trtkit.io.artifacts import sha256_file

    model = onnx.load(str(example_models["resnet18"]))
    external = tmp_path / "cnn.onnx"
    onnx.save(model, str(external), save_as_external_data=True, all_tensors_to_one_file=True,
              location="cnn.onnx.data", size_threshold=0)
    assert (tmp_path / "cnn.onnx.data").stat().st_size > external.stat().st_size  # the weights live outside
    config = _config(tmp_path, external, TWO_PROFILES)
    result = run_cli("build", "--config", config, "-o", tmp_path / "ext.engine", "--json")
    assert result.exit_code == 0, result.stderr
    metadata = json.loads((tmp_path / "ext.engine.build.metadata.json").read_text())
    assert metadata["model"]["external_data"] == {"cnn.onnx.data": sha256_file(tmp_path / "cnn.onnx.data")}
    # the same graph with its weights inline builds the same layers
    inline = run_cli("build", "--config", _config(tmp_path, example_models["resnet18"], TWO_PROFILES, "i.yaml"),
                     "-o", tmp_path / "inline.engine", "--json")
    assert inline.exit_code == 0
    names = [json.loads((tmp_path / f"{name}.engine.graph.json").read_text())["Layers"] for name in ("ext", "inline")]
    assert [layer["Name"] for layer in names[0]] == [layer["Name"] for layer in names[1]]
    # without its data file the model cannot be parsed: one line, exit 3, nothing written
    (tmp_path / "cnn.onnx.data").rename(tmp_path / "elsewhere.data")
    missing = run_cli("build", "--config", config, "-o", tmp_path / "gone.engine")
    assert missing.exit_code == 3, missing.stderr
    [line] = [line for line in missing.stderr.splitlines() if line.startswith("error:")]
    assert line == (f"error: {external} keeps its weights in cnn.onnx.data, which is not beside it; keep the "
                    "external data file(s) next to the model: ONNX resolves them relative to the model file")
    assert not list(tmp_path.glob("gone.engine*"))


def test_plugin_libraries_that_cannot_load_are_one_line_errors(run_cli, example_models, tmp_path):
    config = _config(tmp_path, example_models["resnet18"], TWO_PROFILES)
    not_a_library = tmp_path / "libplugin.so"
    not_a_library.write_bytes(b"not an ELF file")
    for library, message in ((tmp_path / "absent.so", "does not exist"), (not_a_library, "could not load")):
        result = run_cli("build", "--config", config, "-o", tmp_path / "p.engine", "--set",
                         f"build.plugins=[{library}]")
        assert result.exit_code == 3, result.stderr
        [line] = [line for line in result.stderr.splitlines() if line.startswith("error:")]
        assert message in line and str(library) in line
        assert not list(tmp_path.glob("p.engine*"))


def _build_on_a_terminal(config: Path, engine: Path, when_shown: tuple[bytes, object] | None = None):
    """`trtkit build` in a pseudo-terminal: (exit code, everything drawn). `when_shown`: (text, action) calls
    action(child) once text has been drawn."""
    import pty
    import subprocess
    import sys

    leader, follower = pty.openpty()
    child = subprocess.Popen([sys.executable, "-m", "trtkit", "build", "--config", str(config), "-o", str(engine)],
                             stdin=follower, stdout=follower, stderr=follower,
                             env={**os.environ, "COLUMNS": "120", "TERM": "xterm"}, close_fds=True)
    os.close(follower)
    screen = b""
    while True:
        try:
            chunk = os.read(leader, 65536)
        except OSError:  # the child closed the terminal
            break
        if not chunk:
            break
        screen += chunk
        if when_shown is not None and when_shown[0] in screen:
            when_shown[1](child)
            when_shown = None
    os.close(leader)
    return child.wait(120), screen.decode(errors="replace")


def test_a_terminal_sees_the_builders_phases_as_progress(example_models, tmp_path):
    # Rich's live display of the IProgressMonitor phases
    from trtkit.stages.build import WRITING_PHASE

    config = _config(tmp_path, example_models["resnet18"], TWO_PROFILES)
    code, text = _build_on_a_terminal(config, tmp_path / "tty.engine")
    assert code == 0, text[-2000:]
    for phase in ("Building engine", WRITING_PHASE):  # TensorRT-RTX's top phase, and trtkit's own last one
        assert phase in text
    assert "\x1b[" in text and "Slowest builder phases" in text  # drawn live, then the summary


def test_ctrl_c_on_a_terminal_cancels_the_build_and_writes_nothing(tmp_path):
    # a build that takes about a minute (TensorRT-RTX on 10,000 chained Adds), interrupted as it starts
    config = _config(tmp_path, _chain_model(tmp_path / "chain.onnx", 10000), "")
    code, text = _build_on_a_terminal(config, tmp_path / "chain.engine",
                                      (b"Building engine", lambda child: child.send_signal(signal.SIGINT)))
    assert code == 130, text[-2000:]
    assert "error:\x1b[0m the build was cancelled (Ctrl-C); nothing was written" in text  # in red
    assert not list(tmp_path.glob("chain.engine*"))


def test_the_parsed_network_is_typed_and_written_as_before(run_cli, example_models, tmp_path):
    """BuildResult.network is a NetworkSummary of NetworkTensor objects; the build document and the table show
    the same name, dtype and shape fields as before."""
    import trtkit
    from trtkit.backends.trt_builder import NetworkSummary, NetworkTensor

    config = _config(tmp_path, example_models["resnet18"], TWO_PROFILES)
    result = trtkit.build(config=config, output=tmp_path / "x.engine", dry_run=True)
    network = result.network
    assert isinstance(network, NetworkSummary) and network.layers > 0
    assert network.inputs[0] == NetworkTensor("input", "FLOAT", [-1, 3, 64, 64])
    document = trtkit.to_document(result)
    assert document["network"]["inputs"] == [{"name": "input", "dtype": "FLOAT", "shape": [-1, 3, 64, 64]}]
    assert document["network"]["layers"] == network.layers and len(document["network"]["outputs"]) == 1
    table = run_cli("build", "--config", config, "-o", tmp_path / "x.engine", "--dry-run")
    assert f"{network.layers} layers; inputs input FLOAT [-1, 3, 64, 64]; outputs" in " ".join(table.stdout.split())


def test_the_stage_hands_the_builder_log_to_its_caller_and_prints_none(example_models, tmp_path, capfd):
    """build -v's echo is the caller's callback (stages sit below the renderers): build_engine passes every parser
    and builder log line to the context's `on_log` and, even with -vv set in the context's output settings, writes
    nothing itself."""
    from trtkit.config.context import StageContext, StageEvents
    from trtkit.config.loader import load_config
    from trtkit.io.output_settings import OutputSettings
    from trtkit.stages.build import build_engine

    settings = load_config(_config(tmp_path, example_models["resnet18"], TWO_PROFILES))
    heard: list[tuple[str, str]] = []
    context = StageContext.for_config(settings, StageEvents(on_log=lambda severity, message: heard.append(
        (severity, message))), OutputSettings(verbose=2))
    build_engine(example_models["resnet18"], tmp_path / "r.engine", settings.build, context)
    assert any(severity == "INFO" and "Detected 1 inputs and 1 output network tensors" in message
               for severity, message in heard)
    assert {severity for severity, _ in heard} >= {"INFO", "VERBOSE"}
    assert "Detected 1 inputs" not in capfd.readouterr().err


def test_small_memory_figures_are_not_shown_as_zero(run_cli, example_models, tmp_path):
    # TensorRT-RTX logs 80 bytes of host persistent memory for this engine: "0.00 MiB" read as none at all.
    engine = tmp_path / "cnn.engine"
    result = run_cli("--no-color", "build", example_models["resnet18"], "--backend", "tensorrt-rtx",
                     "--shapes", "input:1x3x64x64", "-o", engine)
    assert result.exit_code == 0, result.stderr
    memory = json.loads((tmp_path / "cnn.engine.build.metadata.json").read_text())["memory"]
    assert 0 < memory["host_persistent_bytes"] < 1024
    row = next(line for line in result.stdout.splitlines() if "host persistent bytes" in line)
    assert f"{memory['host_persistent_bytes']} B" in row and "0.00 MiB" not in result.stdout
