"""`trtkit lint` says what it could not check: rules whose data the inputs lack are listed as not checked (table,
JSON, SARIF), never counted as run and clean, and a lint in which no rule could run is not a pass."""

import json
import os
import shutil
from pathlib import Path

import onnx

from tests.conftest import REPO

LATENCY_RULES = {"engine-reformat-share", "engine-myelin-share", "engine-dominant-layer", "engine-profiler-overhead"}
NAMES_ONLY = "layer_info/trt8.6.0_mnist_names_only.layers.json"


def _not_checked(document: dict) -> dict[str, str]:
    return {entry["rule"]: entry["reason"] for entry in document["not_checked"]}


def test_a_real_engine_without_a_profile_lists_the_latency_rules_as_not_checked(run_cli, example_models, tmp_path):
    engine = tmp_path / "resnet.engine"
    built = run_cli("build", example_models["resnet18"], "--shapes", "input:1x3x64x64", "-o", engine)
    assert built.exit_code == 0, built.stderr
    document = run_cli("lint", tmp_path, "--json", "--tensorrt", "rtx").json()
    skipped = _not_checked(document)
    assert set(skipped) == LATENCY_RULES and not LATENCY_RULES & set(document["rules_run"])
    assert all(reason == "no per-layer profile (.profile.json)" for reason in skipped.values())
    assert {entry["input"] for entry in document["not_checked"]} == {"resnet.engine"}
    assert document["failed"] is False and "engine-precision-island" in document["rules_run"]
    table = run_cli("--no-color", "lint", tmp_path, "--tensorrt", "rtx")
    assert table.exit_code == 0
    assert "resnet.engine: not checked, no per-layer profile" in " ".join(table.stderr.split())
    assert "11 rules ran, 4 could not run" in " ".join(table.stdout.split())


def test_a_names_only_plan_lists_the_detail_rules_as_not_checked(run_cli, fixtures_dir):
    document = run_cli("lint", fixtures_dir / NAMES_ONLY, "--json", "--tensorrt", "8").json()
    assert document["rules_run"] == ["engine-names-only"]
    skipped = _not_checked(document)
    assert "layer details" in skipped["engine-precision-island"] and skipped.keys() >= LATENCY_RULES
    assert len(skipped) == 14


def test_a_lint_that_could_check_nothing_is_not_a_pass(run_cli, fixtures_dir):
    path = fixtures_dir / NAMES_ONLY
    result = run_cli("lint", path, "--json", "--tensorrt", "8", "--disable", "engine-names-only")
    assert result.exit_code == 1
    document = result.json()
    assert document["failed"] is True and document["rules_run"] == [] and document["findings"] == []
    assert document["notes"] == ["no rule could run: the inputs lack the data every enabled rule reads"]
    table = run_cli("--no-color", "lint", path, "--tensorrt", "8", "--disable", "engine-names-only")
    assert table.exit_code == 1 and table.stdout.startswith("nothing checked:")
    # --fail-on never opts out of the gate, this one included
    assert run_cli("lint", path, "--tensorrt", "8", "--disable", "engine-names-only", "--fail-on",
                   "never").exit_code == 0


def test_sarif_carries_what_was_not_checked(run_cli, fixtures_dir, tmp_path):
    out = tmp_path / "lint.sarif"
    result = run_cli("lint", fixtures_dir / NAMES_ONLY, "--tensorrt", "8", "--format", "sarif", "-o", out)
    assert result.exit_code == 0
    sarif = json.loads(out.read_text())
    [invocation] = sarif["runs"][0]["invocations"]
    texts = [note["message"]["text"] for note in invocation["toolExecutionNotifications"]]
    assert invocation["executionSuccessful"] is True
    assert any(text.startswith("trt8.6.0_mnist_names_only.layers.json: not checked, no per-layer profile")
               for text in texts)
    schema = Path(os.environ.get("TRTKIT_SARIF_SCHEMA", REPO / "build" / "sarif-schema-2.1.0.json"))
    if schema.is_file():  # make test fetches it; the structure above is checked either way
        import jsonschema

        jsonschema.Draft4Validator(json.loads(schema.read_text())).validate(sarif)


def test_an_input_without_a_shape_is_an_error_not_a_pass(run_cli, example_models, tmp_path):
    # TensorRT-RTX parses a shapeless input as a scalar; lint passed the model, and its build then failed
    model = onnx.load(str(example_models["resnet18"]))
    model.graph.input[0].type.tensor_type.ClearField("shape")
    path = tmp_path / "shapeless.onnx"
    onnx.save(model, str(path))
    result = run_cli("lint", path, "--json", "--tensorrt", "rtx")
    assert result.exit_code == 1
    [finding] = [f for f in result.json()["findings"] if f["severity"] == "error"]
    assert finding["rule"] == "onnx-input-without-shape" and finding["location"]["name"] == "input"


def test_a_target_without_its_own_operator_table_says_which_table_stood_in(run_cli, example_models):
    model = example_models["resnet18"]
    for target in ("11", "rtx"):
        notes = run_cli("lint", model, "--json", "--tensorrt", target).json()["notes"]
        assert [note for note in notes if note.startswith("no ONNX operator table for ")] and \
            any("onnx-tensorrt 10.1-GA" in note for note in notes)
    for target in ("8", "10"):
        assert run_cli("lint", model, "--json", "--tensorrt", target).json()["notes"] == []


def test_a_profile_that_only_partly_joins_the_plan_is_said(run_cli, fixtures_dir, tmp_path):
    # a stale profile beside a rebuilt engine: the QAT engine's graph with the QAT-residual engine's profile; 2 of
    # its 37 layers get a time, and the latency rules judged those 2 without a word
    a100 = fixtures_dir / "trt8/resnet18-a100"
    shutil.copy(a100 / "qat/resnet-qat.onnx.engine.graph.json", tmp_path)
    shutil.copy(a100 / "qat-residual/resnet-qat-residual.onnx.engine.profile.json",
                tmp_path / "resnet-qat.onnx.engine.profile.json")
    notes = run_cli("lint", tmp_path, "--json", "--tensorrt", "8").json()["notes"]
    assert any(note.startswith("resnet-qat.onnx.engine: 35 of 37 layers have no time") for note in notes)
    assert run_cli("lint", a100 / "qat", "--json", "--tensorrt", "8").json()["notes"] == []


def test_the_html_report_of_an_unprofiled_engine_says_which_lint_rules_did_not_run(run_cli, example_models, tmp_path):
    engine = tmp_path / "resnet.engine"
    assert run_cli("build", example_models["resnet18"], "--shapes", "input:1x3x64x64", "-o", engine).exit_code == 0
    output = tmp_path / "report.html"
    result = run_cli("report", engine.parent / "resnet.engine.graph.json", "-o", output, "--no-graph")
    assert result.exit_code == 0, result.stderr
    page = output.read_text()
    # was "No findings" alone, as if the latency rules had found nothing
    assert "Not checked, no per-layer profile (.profile.json): engine-reformat-share, engine-myelin-share, " \
           "engine-dominant-layer, engine-profiler-overhead" in page
