"""`trtkit lint` through the CLI: exit codes as a CI gate, settings from YAML and flags, JSON and SARIF."""

import json
import os
from pathlib import Path

import pytest

from tests.conftest import REPO

A100 = "trt8/resnet18-a100"


def _schema_path() -> Path:
    return Path(os.environ.get("TRTKIT_SARIF_SCHEMA", REPO / "build" / "sarif-schema-2.1.0.json"))


def test_fail_on_decides_the_exit_code(run_cli, fixtures_dir):
    qat = fixtures_dir / A100 / "qat"
    assert run_cli("lint", qat, "--tensorrt", "10").exit_code == 0  # warnings only; --fail-on error
    failed = run_cli("lint", qat, "--tensorrt", "10", "--fail-on", "warning")
    assert failed.exit_code == 1 and "failed" in failed.stdout
    assert run_cli("lint", fixtures_dir / A100 / "fp32", "--fail-on", "info").exit_code == 0
    assert run_cli("lint", qat, "--fail-on", "never").exit_code == 0
    assert run_cli("lint", qat, "--fail-on", "sometimes").exit_code == 2


def test_table_groups_by_severity(run_cli, fixtures_dir):
    result = run_cli("--no-color", "lint", fixtures_dir / A100 / "qat", "--tensorrt", "10")
    assert result.stdout.index("warning (") < result.stdout.index("info (")
    assert "engine-residual-add-unquantized" in result.stdout and "Q/DQ pair on the residual branch" in result.stdout


def test_json_document(run_cli, fixtures_dir):
    result = run_cli("lint", fixtures_dir / A100 / "qat-residual", "--json", "--tensorrt", "10")
    document = result.json()
    assert document["schema"] == "trtkit/lint/v1" and document["target"] == "10"
    assert document["counts"]["warning"] == sum(f["severity"] == "warning" for f in document["findings"])
    assert "engine-residual-add-unquantized" in document["rules_run"]
    finding = next(f for f in document["findings"] if f["rule"] == "engine-residual-add-unquantized")
    assert finding["location"]["kind"] == "layer" and finding["location"]["name"].startswith("layer4.1.conv2")


def test_enable_disable_and_unknown_rules(run_cli, fixtures_dir):
    path = fixtures_dir / A100 / "qat"
    base = {f["rule"] for f in run_cli("lint", path, "--json", "--tensorrt", "10").json()["findings"]}
    disabled = run_cli("lint", path, "--json", "--tensorrt", "10", "--disable",
                       "engine-unfused-qdq,engine-reformat-share").json()
    assert not {"engine-unfused-qdq", "engine-reformat-share"} & {f["rule"] for f in disabled["findings"]}
    assert base - {"engine-unfused-qdq", "engine-reformat-share"} == {f["rule"] for f in disabled["findings"]}
    unknown = run_cli("lint", path, "--disable", "engine-unfused-qd")
    assert unknown.exit_code == 2 and "did you mean 'engine-unfused-qdq'?" in unknown.stderr


def test_yaml_settings_regrade_and_thresholds(run_cli, fixtures_dir, tmp_path):
    config = tmp_path / "lint.yaml"
    config.write_text("backend: tensorrt\nlint:\n  fail_on: error\n  rules:\n"
                      "    engine-residual-add-unquantized: {severity: error}\n"
                      "    engine-reformat-share: {params: {max_percent: 90}}\n")
    result = run_cli("lint", fixtures_dir / A100 / "qat", config, "--json", "--tensorrt", "10")
    assert result.exit_code == 1
    document = result.json()
    assert {f["severity"] for f in document["findings"] if f["rule"] == "engine-residual-add-unquantized"} == {"error"}
    assert not [f for f in document["findings"] if f["rule"] == "engine-reformat-share"]
    config.write_text("lint:\n  rules:\n    engine-reformat-share: {params: {max_pct: 90}}\n")
    bad = run_cli("lint", fixtures_dir / A100 / "qat", config)
    assert bad.exit_code == 2 and "has no parameter 'max_pct'" in bad.stderr


def test_config_with_its_model(run_cli, example_models, tmp_path):
    config = tmp_path / "pipeline.yaml"
    config.write_text(f"model: {example_models['resnet18']}\nbackend: tensorrt-rtx\nbuild:\n  precision: [fp16]\n"
                      "  timing_cache: t.cache\n")
    result = run_cli("lint", config, "--json")
    assert result.exit_code == 1
    rules = {f["rule"] for f in result.json()["findings"]}
    assert {"config-removed-in-trt11", "config-meaningless-for-backend", "onnx-fp32-for-reduced-build",
            "onnx-dynamic-without-profile"} <= rules
    assert result.json()["target"] == "rtx"


def test_invalid_config_is_a_finding_with_its_line(run_cli, tmp_path):
    config = tmp_path / "pipeline.yaml"
    config.write_text("biuld:\n  workspace: 1GiB\n")
    result = run_cli("lint", config, "--json")
    assert result.exit_code == 1
    [finding] = result.json()["findings"]
    assert finding["rule"] == "config-invalid" and finding["location"]["line"] == 1
    assert "did you mean 'build'?" in finding["message"]


def test_nothing_to_lint_and_bad_files(run_cli, fixtures_dir, tmp_path):
    assert run_cli("lint").exit_code == 2
    assert run_cli("lint", tmp_path / "nope.onnx").exit_code == 3
    assert run_cli("lint", fixtures_dir / "docs/trt11_io_tensors_doc_example.TRUNCATED.snippet.json").exit_code == 3


def test_list_rules(run_cli):
    document = run_cli("lint", "--list-rules", "--json").json()
    ids = [rule["id"] for rule in document["rules"]]
    assert len(ids) == len(set(ids)) >= 29
    assert all(rule["severity"] in ("info", "warning", "error") and rule["hint"] for rule in document["rules"])
    assert "engine-reformat-share" in run_cli("--no-color", "lint", "--list-rules").stdout


def test_sarif_validates_against_the_2_1_0_schema(run_cli, fixtures_dir, example_models, tmp_path):
    jsonschema = pytest.importorskip("jsonschema")
    schema_path = _schema_path()
    if not schema_path.is_file():
        pytest.skip(f"SARIF schema not found at {schema_path} (make test fetches it)")
    schema = json.loads(schema_path.read_text())
    config = tmp_path / "pipeline.yaml"
    config.write_text(f"model: {example_models['resnet18']}\nbackend: tensorrt-rtx\nbuild:\n  precision: [fp16]\n")
    out = tmp_path / "lint.sarif"
    result = run_cli("lint", fixtures_dir / A100 / "qat", config, "--format", "sarif", "-o", out)
    assert result.exit_code == 1 and out.is_file()
    sarif = json.loads(out.read_text())
    jsonschema.Draft4Validator(schema).validate(sarif)
    run = sarif["runs"][0]
    assert run["tool"]["driver"]["name"] == "trtkit" and run["results"]
    rule_ids = [rule["id"] for rule in run["tool"]["driver"]["rules"]]
    for entry in run["results"]:
        assert rule_ids[entry["ruleIndex"]] == entry["ruleId"]
    config_result = next(r for r in run["results"] if r["ruleId"] == "config-removed-in-trt11")
    physical = config_result["locations"][0]["physicalLocation"]
    assert physical["artifactLocation"]["uri"].endswith("pipeline.yaml") and physical["region"]["startLine"] == 4
    levels = {entry["level"] for entry in run["results"]}
    assert levels <= {"error", "warning", "note"}
