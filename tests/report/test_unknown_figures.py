"""Missing figures are not zeros: without a profile (or weight counts) inspect, compare and the HTML report show
unknown as "—" / "not profiled", and JSON has null."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest

FP16 = "trt8/resnet18-a100/fp16"
GRAPH = "resnet.onnx.engine.graph.json"


@pytest.fixture
def unprofiled(fixtures_dir, tmp_path) -> Path:
    """The fp16 engine's layer listing and build metadata, without its profile, timing or profile metadata."""
    folder = tmp_path / "unprofiled"
    folder.mkdir()
    for name in (GRAPH, "resnet.onnx.engine.build.metadata.json"):
        shutil.copy(fixtures_dir / FP16 / name, folder / name)
    return folder


@pytest.fixture
def without_weights(fixtures_dir, tmp_path) -> Path:
    """A detailed plan whose records carry no weight or bias counts (as some TensorRT versions write them)."""
    graph = json.loads((fixtures_dir / FP16 / GRAPH).read_text())
    for layer in graph["Layers"]:
        layer.pop("Weights", None)
        layer.pop("Bias", None)
    folder = tmp_path / "no-weights"
    folder.mkdir()
    (folder / GRAPH).write_text(json.dumps(graph))
    return folder


def test_inspect_json_has_null_latencies_without_a_profile(run_cli, unprofiled):
    result = run_cli("inspect", unprofiled, "--json")
    assert result.exit_code == 0, result.stderr
    summary = result.json()["plans"][0]["summary"]
    assert summary["has_profile"] is False and summary["total_layer_latency_ms"] is None
    assert summary["reformat_latency_ms"] is None
    assert summary["by_type"] and all(group["latency_ms"] is None and group["percent"] is None
                                      for group in summary["by_type"] + summary["by_precision"])
    assert summary["reformats"] and all(info["latency_ms"] is None for info in summary["reformats"])
    assert summary["memory"]["weights_bytes"] > 0  # the weight counts are in the listing: known


def test_inspect_without_weight_counts_says_unknown(run_cli, without_weights):
    document = run_cli("inspect", without_weights, "--json").json()
    memory = document["plans"][0]["summary"]["memory"]
    assert memory["weights_bytes"] is None and memory["bias_bytes"] is None
    assert memory["activation_bytes"] > 0  # shapes are known
    table = run_cli("inspect", without_weights).stdout
    assert re.search(r"│ weights\s+│ —", table) and "0 B" not in table


def test_compare_table_shows_unknown_for_the_unprofiled_engine(run_cli, fixtures_dir, unprofiled):
    result = run_cli("compare", unprofiled, fixtures_dir / FP16)
    assert result.exit_code == 0, result.stderr
    by_type = result.stdout.split("Latency by layer type")[1].split("Layers by precision")[0]
    assert "not profiled: unprofiled/resnet.onnx.engine" in by_type
    convolution = next(line for line in by_type.splitlines() if "Convolution" in line)
    assert re.search(r"│\s+—\s+│\s+0\.8571\s+│", convolution), convolution
    aligned = result.stdout.split("layers aligned")[1]  # first ms: unknown, this ms: known, delta: unknown
    assert len(re.findall(r"│\s+—\s+│\s+\d+\.\d{4}\s+│\s+—\s+│", aligned)) == 10, aligned
    assert re.search(r"sum of layer latencies.*│\s+—\s+│\s+1\.0168", result.stdout)


def test_compare_json_has_nulls(run_cli, fixtures_dir, unprofiled, without_weights):
    document = run_cli("compare", unprofiled, without_weights, "--json").json()
    first, second = document["engines"]
    assert first["total_layer_latency_ms"] is None and second["weights_bytes"] is None
    assert all(group["latency_ms"] is None for group in first["by_type"].values())
    pair = document["alignments"][0]["pairs"][0]
    assert pair["baseline_ms"] is None and pair["ms"] is None and pair["delta_ms"] is None


def test_html_report_says_not_profiled(run_cli, unprofiled, tmp_path):
    output = tmp_path / "report.html"
    result = run_cli("report", unprofiled, "--no-graph", "-o", output)
    assert result.exit_code == 0, result.stderr
    html = output.read_text()
    assert "0.0000 ms" not in html
    assert "reformat layers, not profiled." in html and "not profiled" in html


def test_html_comparison_shows_unknown_median_and_qps_of_an_unmeasured_engine(run_cli, fixtures_dir, unprofiled,
                                                                              tmp_path):
    # The engines table left the median and qps cells blank: unknown must read "—" there as in every other view.
    output = tmp_path / "report.html"
    result = run_cli("report", unprofiled, fixtures_dir / FP16, "--no-graph", "-o", output)
    assert result.exit_code == 0, result.stderr
    table = output.read_text().split('data-table="compare-engines"')[1].split("</table>")[0]
    unmeasured, measured = [re.findall(r"<td[^>]*>(.*?)</td>", row) for row in table.split("<tr>")[2:]]
    assert unmeasured[0] == "unprofiled/resnet.onnx.engine" and unmeasured[2:] == ["—", "—", "—"], unmeasured
    assert measured[2:] == ["0.8622", "1,155.4", "1.0168"], measured


def test_profiled_figures_are_unchanged(run_cli, fixtures_dir):
    summary = run_cli("inspect", fixtures_dir / FP16, "--json").json()["plans"][0]["summary"]
    assert summary["total_layer_latency_ms"] == pytest.approx(1.0168, abs=1e-4)
    assert {group["key"]: round(group["latency_ms"], 4) for group in summary["by_type"]}["Convolution"] == 0.8571


def test_rtx_engine_without_weight_counts_has_no_zero_weights(run_cli, example_models, tmp_path):
    # TensorRT-RTX lists Myelin constants by name only: their size is unknown (it was "weights 0 B")
    pytest.importorskip("tensorrt_rtx", reason="needs TensorRT-RTX")
    config = tmp_path / "build.yaml"
    config.write_text(f"model: {example_models['resnet18']}\nbackend: tensorrt-rtx\nbuild:\n  profiles:\n    p:\n"
                      "      min: input:1x3x64x64\n      opt: input:1x3x64x64\n      max: input:1x3x64x64\n")
    engine = tmp_path / "cnn.engine"
    assert run_cli("build", "--config", config, "-o", engine).exit_code == 0
    graph = tmp_path / "cnn.engine.graph.json"
    assert any(isinstance(layer.get("Constants"), list) for layer in json.loads(graph.read_text())["Layers"])
    summary = run_cli("inspect", graph, "--json").json()["plans"][0]["summary"]
    assert summary["memory"]["weights_bytes"] is None and summary["total_layer_latency_ms"] is None
    compared = run_cli("compare", graph, graph).stdout
    weights = next(line for line in compared.splitlines() if "weights (MiB)" in line)
    assert "0.00" not in weights and "—" in weights
