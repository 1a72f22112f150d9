"""Derived figures equal figures computed independently from the raw fixture files."""

import json
from collections import defaultdict

import numpy as np
import pytest

from trtkit.analysis.statistics import describe, median_confidence_interval, percentile
from trtkit.analysis.summary import summarize
from trtkit.plan.loader import load

VARIANTS = {"fp32": "resnet.onnx", "fp16": "resnet.onnx", "qat": "resnet-qat.onnx",
            "qat-residual": "resnet-qat-residual.onnx", "qat-residual-qgap": "resnet-qat-residual-qgap.onnx"}


def _raw(fixtures_dir, variant, suffix):
    path = fixtures_dir / "trt8/resnet18-a100" / variant / f"{VARIANTS[variant]}.engine{suffix}"
    return json.loads(path.read_text())


@pytest.mark.parametrize("variant", VARIANTS)
def test_per_type_latency_and_reformat_share(fixtures_dir, variant):
    graph, profile = _raw(fixtures_dir, variant, ".graph.json"), _raw(fixtures_dir, variant, ".profile.json")
    times = {record["name"]: record["averageMs"] for record in profile if "name" in record}
    expected: dict[str, list] = defaultdict(lambda: [0, 0.0])
    for layer in graph["Layers"]:
        kind = layer.get("ParameterType") or layer["LayerType"]
        expected[kind][0] += 1
        expected[kind][1] += times[layer["Name"]]
    [plan] = load([fixtures_dir / "trt8/resnet18-a100" / variant]).plans
    summary = summarize(plan)
    assert {group.key: group.count for group in summary.by_type} == {key: value[0] for key, value in expected.items()}
    for group in summary.by_type:
        assert group.latency_ms == pytest.approx(expected[group.key][1])
    total = sum(times.values())
    assert summary.total_layer_latency_ms == pytest.approx(total)
    assert sum(group.percent for group in summary.by_type) == pytest.approx(100.0)
    reformat_ms = sum(times[layer["Name"]] for layer in graph["Layers"] if layer["LayerType"] == "Reformat")
    assert summary.reformat_latency_ms == pytest.approx(reformat_ms)
    assert len(summary.reformats) == sum(layer["LayerType"] == "Reformat" for layer in graph["Layers"])


def test_precision_counts_follow_the_walkthrough(fixtures_dir):
    counts, shares, reformats = {}, {}, {}
    for variant in VARIANTS:
        [plan] = load([fixtures_dir / "trt8/resnet18-a100" / variant]).plans
        summary = summarize(plan)
        counts[variant] = {group.key: group.count for group in summary.by_precision}
        shares[variant] = {group.key: group.percent for group in summary.by_precision}
        reformats[variant] = len(summary.reformats)
    assert counts["fp32"] == {"FP32": 32}
    assert counts["fp16"] == {"FP16": 35, "FP32": 1}  # only the final output reformat stays FP32
    # each step of the TREx walk-through moves latency into INT8 and removes reformats
    assert shares["qat"]["INT8"] < shares["qat-residual"]["INT8"] < shares["qat-residual-qgap"]["INT8"]
    assert reformats["qat"] > reformats["qat-residual"] > reformats["qat-residual-qgap"]


def test_end_to_end_latency_from_iteration_times_matches_numpy(fixtures_dir):
    timing = _raw(fixtures_dir, "fp16", ".timing.json")
    compute = np.array([record["computeMs"] for record in timing])
    [plan] = load([fixtures_dir / "trt8/resnet18-a100/fp16"]).plans
    summary = summarize(plan)
    assert summary.end_to_end.median == pytest.approx(np.median(compute))
    assert summary.end_to_end.mean == pytest.approx(compute.mean())
    assert summary.end_to_end.percentiles[99.0] == pytest.approx(np.percentile(compute, 99))
    low, high = summary.median_ci_ms
    assert low <= summary.end_to_end.median <= high


def test_macs_of_resnet18_at_batch_32(fixtures_dir):
    [plan] = load([fixtures_dir / "trt8/resnet18-a100/fp32"]).plans
    summary = summarize(plan)
    # ResNet-18 is 1.81 GMACs per 224x224 image (convolutions and the classifier); batch 32
    assert summary.total_macs / 32 == pytest.approx(1.814e9, rel=0.01)
    graph = _raw(fixtures_dir, "fp32", ".graph.json")
    weights = sum(layer["Weights"]["Count"] for layer in graph["Layers"] if "Weights" in layer)
    assert summary.weights_bytes == weights * 4


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_statistics_match_numpy(seed):
    values = np.random.default_rng(seed).gamma(2.0, 0.5, size=501 + seed)
    statistic = describe(list(values), (50, 90, 99.9))
    assert statistic.median == pytest.approx(np.median(values))
    assert statistic.mean == pytest.approx(values.mean())
    assert statistic.cv_percent == pytest.approx(100 * values.std() / values.mean())
    for percent in (50, 90, 99.9):
        assert statistic.percentiles[float(percent)] == pytest.approx(np.percentile(values, percent))
    assert percentile(sorted(values), 0) == values.min() and percentile(sorted(values), 100) == values.max()


def test_median_interval_covers_the_true_median():
    rng = np.random.default_rng(7)
    covered = 0
    for _ in range(200):
        sample = rng.normal(10.0, 1.0, size=101)
        low, high = median_confidence_interval(list(sample), 0.95)
        covered += low <= 10.0 <= high
    assert 0.9 <= covered / 200 <= 1.0


@pytest.mark.parametrize("name", ["resnet18-a100/fp32", "resnet18-a100/fp16", "resnet18-a100/qat",
                                  "mobilenet-qat/mobilenet.qat", "mobilenet-qat/mobilenet_v2_residuals.qat"])
def test_timing_figures_and_warnings_on_real_per_iteration_data(fixtures_dir, name):
    from trtkit.analysis.statistics import timing_warnings

    folder, _, stem = name.partition("/")
    pattern = f"{stem}.onnx.engine.timing.json" if "." in stem else f"{stem}/*.timing.json"
    [path] = (fixtures_dir / "trt8" / folder).glob(pattern)
    records = json.loads(path.read_text())
    compute = np.array([record["computeMs"] for record in records])
    enqueue = np.array([record["endEnqMs"] - record["startEnqMs"] for record in records])
    figures = {"compute": describe(list(compute)), "enqueue": describe(list(enqueue))}
    assert figures["compute"].median == pytest.approx(np.median(compute))
    assert figures["compute"].percentiles[99.0] == pytest.approx(np.percentile(compute, 99))
    assert figures["compute"].cv_percent == pytest.approx(100 * compute.std() / compute.mean())
    warnings = timing_warnings(figures, transfers=False, cuda_graph=False)
    assert any("coefficient of variation" in warning for warning in warnings) == (100 * compute.std() / compute.mean()
                                                                                  > 1.0)
    assert any("bound by the host" in warning for warning in warnings) == (np.median(enqueue) > np.median(compute))
    # the same real figures with the roles swapped: an enqueue slower than the compute
    swapped = timing_warnings({"compute": figures["enqueue"], "enqueue": figures["compute"]}, False, True)
    assert any("bound by the host" in warning and "use more streams" in warning for warning in swapped)
