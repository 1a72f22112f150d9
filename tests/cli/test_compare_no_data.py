"""A gate with no data fails: `compare --baseline` on unprofiled engines is "no data", exit 1, unless allowed."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

A100 = "trt8/resnet18-a100"
GRAPH = "resnet.onnx.engine.graph.json"


@pytest.fixture
def unprofiled(fixtures_dir, tmp_path) -> Path:
    """The fp16 engine's layer listing alone: an engine that was built but never profiled."""
    folder = tmp_path / "unprofiled"
    folder.mkdir()
    shutil.copy(fixtures_dir / A100 / "fp16" / GRAPH, folder / GRAPH)
    return folder / GRAPH


def test_unprofiled_engines_are_no_data_and_fail(run_cli, unprofiled):
    result = run_cli("compare", "--baseline", unprofiled, unprofiled, "--max-regression", "5%")
    assert result.exit_code == 1, result.stdout + result.stderr
    assert "no data" in result.stdout and "no regression" not in result.stdout


def test_no_data_in_json_and_markdown(run_cli, unprofiled):
    document = run_cli("compare", "--baseline", unprofiled, unprofiled, "--json").json()
    [gate] = document["gates"]
    assert gate["verdict"] == "no data" and document["failed"] is True
    assert gate["missing_data"] == ["median", "p99", "throughput"]
    assert {metric["verdict"] for metric in gate["metrics"]} == {"no data"}
    markdown = run_cli("compare", "--baseline", unprofiled, unprofiled, "--format", "markdown")
    assert markdown.exit_code == 1 and "❌ no data" in markdown.stdout and "✅" not in markdown.stdout


def test_profiled_baseline_against_unprofiled_engine_fails(run_cli, fixtures_dir, unprofiled):
    result = run_cli("compare", "--baseline", fixtures_dir / A100 / "fp16", unprofiled, "--json")
    assert result.exit_code == 1
    assert result.json()["gates"][0]["verdict"] == "no data"


def test_missing_data_allowed_by_flag_and_by_config(run_cli, unprofiled, tmp_path):
    allowed = run_cli("compare", "--baseline", unprofiled, unprofiled, "--allow-missing-data", "--json")
    assert allowed.exit_code == 0 and allowed.json()["gates"][0]["verdict"] == "no regression"
    config = tmp_path / "pipeline.yaml"
    config.write_text("compare:\n  allow_missing_data: true\n")
    assert run_cli("compare", "--baseline", unprofiled, unprofiled, "--config", config).exit_code == 0
    assert run_cli("compare", "--baseline", unprofiled, unprofiled, "--config", config,
                   "--no-allow-missing-data").exit_code == 1


def test_per_layer_gate_without_layer_times_is_no_data(run_cli, fixtures_dir, tmp_path):
    # a metric the summary has (median) passes, but the per-layer gate has no timed layer on one side
    fp16 = fixtures_dir / A100 / "fp16"
    current = tmp_path / "current"
    shutil.copytree(fp16, current)
    (current / "resnet.onnx.engine.profile.json").unlink()
    result = run_cli("compare", "--baseline", fp16, current, "--metrics", "median", "--per-layer", "--json")
    assert result.exit_code == 1
    [gate] = result.json()["gates"]
    assert gate["missing_data"] == ["per-layer"] and gate["verdict"] == "no data"


def test_profiled_engines_still_pass(run_cli, fixtures_dir):
    fp16 = fixtures_dir / A100 / "fp16"
    result = run_cli("compare", "--baseline", fp16, fp16, "--per-layer", "--json")
    assert result.exit_code == 0 and result.json()["gates"][0]["verdict"] == "no regression"
