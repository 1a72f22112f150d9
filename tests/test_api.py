"""The public Python API (`import trtkit`): every function returns the result the command renders, and its JSON
document is the command's `--json` output for the same input; errors are the same exceptions."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

import trtkit
from tests.conftest import FIXTURES, REPO, SMALL_CNN_PIPELINE

RESNET = FIXTURES / "trt8" / "resnet18-a100"
# Figures that differ from one run to the next (wall times), and nothing else
VOLATILE = {"build_seconds", "phases", "seconds", "wall_s", "generated", "bytes", "elapsed_s"}


def stable(value: Any) -> Any:
    """A JSON document without its wall-clock figures."""
    if isinstance(value, dict):
        return {key: stable(item) for key, item in value.items() if key not in VOLATILE}
    if isinstance(value, list):
        return [stable(item) for item in value]
    return value


def test_import_trtkit_loads_no_stage_and_exposes_the_api() -> None:
    code = ("import sys, trtkit; heavy = sorted(m for m in sys.modules if m.split('.')[0] in "
            "('numpy', 'onnx', 'pydantic', 'typer', 'rich', 'tensorrt_rtx') or m.startswith('trtkit.')); "
            "print(heavy); print(callable(trtkit.build), trtkit.TrtkitError.__module__)")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=REPO)
    assert done.stdout.splitlines() == ["[]", "True trtkit.errors"]
    assert (REPO / "trtkit" / "py.typed").is_file()
    with pytest.raises(AttributeError, match="no attribute 'nothing'"):
        trtkit.nothing  # type: ignore[attr-defined]  # noqa: B018


def test_load_plan_is_the_plan_inspect_shows(run_cli) -> None:
    plan = trtkit.load_plan(RESNET / "qat")
    shown = run_cli("inspect", RESNET / "qat", "--json").json()["plans"][0]
    assert plan.name == shown["name"] == "resnet-qat.onnx.engine"
    assert len(plan.layers) == len(shown["layers"]) > 0
    with pytest.raises(trtkit.InputFileError, match="hold 2 engine plans"):
        trtkit.load_plan(RESNET / "fp16", RESNET / "qat")
    assert [plan.name for plan in trtkit.load_plans(RESNET / "fp16", RESNET / "qat")] == [
        "resnet.onnx.engine", "resnet-qat.onnx.engine"]


def test_inspect_matches_the_command(run_cli) -> None:
    result = trtkit.inspect(RESNET / "qat-residual", by="precision", top=5)
    assert result.plans[0].groups
    cli = run_cli("inspect", RESNET / "qat-residual", "--by", "precision", "--top", "5", "--json")
    assert cli.exit_code == 0
    assert trtkit.to_document(result) == cli.json()


def test_lint_matches_the_command(run_cli) -> None:
    result = trtkit.lint(RESNET / "qat", RESNET / "fp16", target="8", fail_on="warning")
    cli = run_cli("lint", RESNET / "qat", RESNET / "fp16", "--tensorrt", "8", "--fail-on", "warning", "--json")
    assert trtkit.to_document(result) == cli.json()
    assert result.findings and cli.exit_code == (1 if result.failed else 0)
    with pytest.raises(trtkit.UsageError, match="lint needs a path"):
        trtkit.lint()


def test_compare_engines_matches_the_command(run_cli) -> None:
    result = trtkit.compare_engines(RESNET / "qat", baseline=RESNET / "fp16",
                                    overrides=["compare.max_regression=1%"])
    cli = run_cli("compare", RESNET / "qat", "--baseline", RESNET / "fp16", "--max-regression", "1%", "--json")
    assert trtkit.to_document(result) == cli.json()
    assert cli.exit_code == (1 if result.failed else 0)


def test_an_error_is_the_exception_the_command_exits_with(run_cli, tmp_path: Path) -> None:
    missing = tmp_path / "missing.onnx"
    with pytest.raises(trtkit.InputFileError) as raised:
        trtkit.convert(missing)
    assert run_cli("convert", missing).exit_code == raised.value.exit_code == 3
    with pytest.raises(trtkit.ConfigError) as bad:
        trtkit.build(missing, overrides=["build.workspace=lots"])
    assert run_cli("build", missing, "--set", "build.workspace=lots").exit_code == bad.value.exit_code == 2


@pytest.fixture(scope="module")
def pipeline(example_models, tmp_path_factory) -> Path:
    """The small example CNN's pipeline config (FP16 tolerances, one profile, TensorRT-RTX)."""
    folder = tmp_path_factory.mktemp("api")
    config = folder / "cnn.yaml"
    config.write_text("name: cnn\n" + SMALL_CNN_PIPELINE.format(model=example_models["resnet18"]))
    return config


def test_convert_and_compare_outputs_match_the_commands(run_cli, pipeline: Path) -> None:
    converted = pipeline.parent / "cnn.fp16.onnx"
    result = trtkit.convert(config=pipeline, precision="fp16", output=converted)
    assert result.passed and converted.is_file()
    cli = run_cli("convert", "--config", pipeline, "--precision", "fp16", "-o", converted, "--json")
    assert stable(trtkit.to_document(result)) == stable(cli.json())
    from trtkit.analysis.onnx_model import PrecisionProfile

    precision = result.precision  # typed, written with the same fields as before
    assert isinstance(precision, PrecisionProfile) and "float16" in precision.weight_bytes_by_dtype
    assert cli.json()["precision"]["nodes_by_dtype"] == precision.nodes_by_dtype
    table = run_cli("convert", "--config", pipeline, "--precision", "fp16", "-o", converted)
    shown = " ".join(table.stdout.split())
    assert f"{precision.qdq_pairs} QuantizeLinear, {precision.dequantize_nodes} DequantizeLinear" in shown

    model = pipeline.parent / "cnn.onnx"
    model.write_bytes(Path(trtkit.load_config(pipeline).model or "").read_bytes())
    outputs = trtkit.compare_outputs(model, converted, config=pipeline, shapes={"input": (2, 3, 64, 64)})
    cli = run_cli("compare", "outputs", model, converted, "--config", pipeline, "--shapes", "input:2x3x64x64",
                  "--json")
    assert outputs.passed and stable(trtkit.to_document(outputs)) == stable(cli.json())

    layers = trtkit.compare_layers(model, converted, config=pipeline, shapes="input:2x3x64x64")
    cli = run_cli("compare", "outputs", model, converted, "--layerwise", "--config", pipeline, "--shapes",
                  "input:2x3x64x64", "--json")
    assert layers.passed and layers.tensors and stable(trtkit.to_document(layers)) == stable(cli.json())


def test_build_profile_report_match_the_commands(run_cli, pipeline: Path) -> None:
    pytest.importorskip("tensorrt_rtx", reason="TensorRT-RTX is not installed (pip install 'trtkit[rtx]')")
    engine = pipeline.parent / "api" / "cnn.engine"
    built = trtkit.build(config=pipeline, output=engine)
    assert built.engine == str(engine) and engine.is_file()
    cli = run_cli("build", "--config", pipeline, "-o", engine, "--json")
    assert cli.exit_code == 0
    assert stable(trtkit.to_document(built)) == stable(cli.json())

    # no GPU here: both say so with the same exception and exit code; with one both measure the engine
    try:
        measured = trtkit.profile(engine, config=pipeline)
    except trtkit.BackendUnavailableError as missing:
        assert run_cli("profile", engine, "--config", pipeline).exit_code == missing.exit_code == 4
    else:
        assert measured.iterations > 0

    page = pipeline.parent / "report.html"
    written = trtkit.write_report(engine.parent, output=page, graph=False)
    assert page.is_file() and written.engines == ["cnn.engine"]
    cli = run_cli("report", engine.parent, "-o", page, "--no-graph", "--json")
    assert stable(trtkit.to_document(written)) == stable(cli.json())


def test_run_matches_the_command(run_cli, pipeline: Path) -> None:
    result = trtkit.run(pipeline, stages=["convert"], force=True)
    assert [outcome.status for outcome in result.outcomes] == ["ran"]
    cli = run_cli("run", pipeline, "--stages", "convert", "--force", "--json")
    assert stable(trtkit.to_document(result)) == stable(cli.json())
    assert cli.exit_code == result.exit_code == 0


def test_a_model_the_parser_refuses(run_cli, tmp_path: Path) -> None:
    """The API raises the parser's refusal (an InputFileError with every problem); the command prints the same
    problems in its build document and exits 3."""
    pytest.importorskip("tensorrt_rtx", reason="TensorRT-RTX is not installed (pip install 'trtkit[rtx]')")
    import onnx
    from onnx import TensorProto, helper

    graph = helper.make_graph([helper.make_node("NoSuchOperator", ["x"], ["y"], domain="example.custom")], "g",
                              [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 4])],
                              [helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, 4])])
    model = tmp_path / "custom.onnx"
    onnx.save(helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17),
                                                      helper.make_opsetid("example.custom", 1)]), str(model))
    with pytest.raises(trtkit.InputFileError, match="could not parse") as refused:
        trtkit.build(model, backend="tensorrt-rtx", output=tmp_path / "custom.engine")
    problems = refused.value.problems  # type: ignore[attr-defined]
    cli = run_cli("build", model, "--backend", "tensorrt-rtx", "-o", tmp_path / "custom.engine", "--json")
    assert cli.exit_code == refused.value.exit_code == 3
    assert cli.json()["schema"] == "trtkit/build/v1" and cli.json()["model"] == str(model)
    assert cli.json()["parser_errors"] == problems and any("NoSuchOperator" in str(item) for item in problems)
    assert not (tmp_path / "custom.engine").exists()


def test_a_script_using_the_api_is_type_checked(tmp_path: Path) -> None:
    """The API's types reach a user's type checker (py.typed): results' attributes are typed, misuse is reported."""
    pytest.importorskip("mypy")
    script = tmp_path / "user.py"
    script.write_text("import trtkit\n\n"
                      "plan = trtkit.load_plan('a.engine')\n"
                      "count: int = len(plan.layers)\n"
                      "failed: bool = trtkit.lint('a.engine', fail_on='warning').failed\n"
                      "profiled = trtkit.profile('a.engine')\n"
                      "median: float | None = profiled.figures['latency'].median\n"
                      "cuda_graph: bool = profiled.mode.cuda_graph\n"
                      "inputs: list[str] = [tensor.name for tensor in trtkit.build('m.onnx').network.inputs]\n"
                      "wrong: str = plan.layers\n")
    checked = subprocess.run([sys.executable, "-m", "mypy", "--no-incremental", "--follow-imports=silent",
                              "--python-version", "3.10", "--cache-dir", str(tmp_path / "cache"), str(script)],
                             capture_output=True, text=True, cwd=tmp_path, timeout=300,
                             env={**os.environ, "PYTHONPATH": str(REPO)})
    errors = [line for line in checked.stdout.splitlines() if ": error:" in line]
    assert len(errors) == 2, checked.stdout + checked.stderr
    assert 'user.py:9: error: Item "None" of "NetworkSummary | None" has no attribute "inputs"' in errors[0]
    assert 'user.py:10: error: Incompatible types in assignment (expression has type "list[Layer]"' in errors[1]


def test_the_api_keeps_a_file_the_user_had_as_the_command_does(run_cli, pipeline: Path, tmp_path: Path) -> None:
    """An output path holding something else (notes, a config) is not replaced by the API's build, convert or
    report without `force`, with the same exception and exit code as the command without --force; nothing is
    written. `force=True` replaces it, as --force does."""
    notes = tmp_path / "notes.txt"
    for call, argv in (
            (lambda force: trtkit.build(config=pipeline, output=notes, force=force),
             ("build", "--config", pipeline, "-o", notes)),
            (lambda force: trtkit.convert(config=pipeline, output=notes, force=force),
             ("convert", "--config", pipeline, "-o", notes)),
            (lambda force: trtkit.write_report(RESNET / "qat", output=notes, graph=False, force=force),
             ("report", RESNET / "qat", "-o", notes, "--no-graph"))):
        notes.write_text("my notes\n")
        with pytest.raises(trtkit.UsageError, match="already exists") as refused:
            call(False)
        assert refused.value.hint == "choose another output or pass force=True to replace it"
        assert run_cli(*argv).exit_code == refused.value.exit_code == 2
        assert notes.read_text() == "my notes\n"
        assert sorted(path.name for path in tmp_path.iterdir()) == ["notes.txt"]  # no companion, no temporary
    written = trtkit.write_report(RESNET / "qat", output=notes, graph=False, force=True)
    assert written.output == str(notes) and notes.read_text().lower().startswith("<!doctype html>")
