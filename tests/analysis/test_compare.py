"""Comparisons against figures computed independently from the A100 ResNet-18 fixture files."""

import json
from collections import defaultdict

import numpy as np
import pytest

from trtkit.analysis.align import align
from trtkit.analysis.regression import bootstrap_change, gate
from trtkit.config.models import PipelineConfig
from trtkit.plan.loader import load
from trtkit.plan.model import IterationTimes
from trtkit.stages.compare import compare_engines

A100 = "trt8/resnet18-a100"
FILES = {"fp32": "resnet.onnx", "fp16": "resnet.onnx", "qat": "resnet-qat.onnx",
         "qat-residual": "resnet-qat-residual.onnx", "qat-residual-qgap": "resnet-qat-residual-qgap.onnx"}


def _raw(fixtures_dir, variant, suffix):
    return json.loads((fixtures_dir / A100 / variant / f"{FILES[variant]}.engine{suffix}").read_text())


def _per_type(fixtures_dir, variant):
    times = {r["name"]: r["averageMs"] for r in _raw(fixtures_dir, variant, ".profile.json") if "name" in r}
    totals = defaultdict(float)
    for layer in _raw(fixtures_dir, variant, ".graph.json")["Layers"]:
        totals[layer.get("ParameterType") or layer["LayerType"]] += times[layer["Name"]]
    return totals


def test_speedups_and_per_type_deltas_match_the_files(fixtures_dir):
    variants = list(FILES)
    result = compare_engines([fixtures_dir / A100 / variant for variant in variants], None, PipelineConfig().compare)
    medians = {variant: np.median([r["computeMs"] for r in _raw(fixtures_dir, variant, ".timing.json")])
               for variant in variants}
    for view, variant in zip(result.engines, variants, strict=True):
        assert view.summary.end_to_end.median == pytest.approx(medians[variant])
        expected = _per_type(fixtures_dir, variant)
        assert {g.key: g.latency_ms for g in view.summary.by_type} == pytest.approx(dict(expected))
    speedup = result.engines[0].summary.end_to_end.median / result.engines[1].summary.end_to_end.median
    assert speedup == pytest.approx(medians["fp32"] / medians["fp16"])  # 2.31x
    fp32_types, fp16_types = _per_type(fixtures_dir, "fp32"), _per_type(fixtures_dir, "fp16")
    delta = {g.key: g.latency_ms for g in result.engines[1].summary.by_type}["Convolution"] - \
        {g.key: g.latency_ms for g in result.engines[0].summary.by_type}["Convolution"]
    assert delta == pytest.approx(fp16_types["Convolution"] - fp32_types["Convolution"])
    assert [view.plan.name for view in result.engines[:2]] == ["fp32/resnet.onnx.engine", "fp16/resnet.onnx.engine"]


def test_layers_align_by_onnx_node_names(fixtures_dir):
    [fp32] = load([fixtures_dir / A100 / "fp32"]).plans
    [fp16] = load([fixtures_dir / A100 / "fp16"]).plans
    alignment = align(fp32.layers, fp16.layers)
    by_name = {pair.first.name: (pair.second.name, pair.method) for pair in alignment.pairs}
    assert by_name["Conv_0 + Relu_1"] == ("Conv_0 + Relu_1", "onnx-nodes")
    assert by_name["Conv_43 + Add_44 + Relu_45"] == ("Conv_43 + Add_44 + Relu_45", "onnx-nodes")
    # every convolution of the FP32 engine finds its FP16 twin by name
    convolutions = [layer.name for layer in fp32.layers if layer.kind == "Convolution"]
    assert all(by_name[name] == (name, "onnx-nodes") for name in convolutions)
    [qat] = load([fixtures_dir / A100 / "qat"]).plans
    [residual] = load([fixtures_dir / A100 / "qat-residual"]).plans
    pairs = align(qat.layers, residual.layers).pairs
    named = {pair.first.name: pair.second.name for pair in pairs if pair.method == "onnx-nodes"}
    assert named["layer1.0.conv1.weight + QuantizeLinear_20 + Conv_22"] == \
        "layer1.0.conv1.weight + QuantizeLinear_20 + Conv_22"
    assert len(named) >= 20


def test_unmatched_layers_are_listed(fixtures_dir):
    [fp32] = load([fixtures_dir / A100 / "fp32"]).plans
    [fp16] = load([fixtures_dir / A100 / "fp16"]).plans
    alignment = align(fp32.layers, fp16.layers)
    assert len(alignment.pairs) + len(alignment.only_first) == len(fp32.layers)
    assert len(alignment.pairs) + len(alignment.only_second) == len(fp16.layers)
    assert any(layer.name.startswith("Reformatting CopyNode") for layer in alignment.only_second)


def test_gate_regression_itself_and_noise(fixtures_dir, tmp_path):
    [fp16] = load([fixtures_dir / A100 / "fp16"]).plans
    [fp32] = load([fixtures_dir / A100 / "fp32"]).plans
    slower = gate(fp16, fp32, ["median", "p99", "throughput"], 5.0)
    assert slower.regressed and {m.verdict for m in slower.metrics} == {"regression"}
    same = gate(fp16, fp16, ["median", "p99", "throughput"], 5.0)
    assert not same.regressed and {m.verdict for m in same.metrics} == {"no significant change"}
    # two real profiles of one engine: the first and second halves of its timed iterations
    times = fp16.iteration_times.latency_ms
    first, second = (load([fixtures_dir / A100 / "fp16"]).plans[0] for _ in range(2))
    first.iteration_times = IterationTimes(latency_ms=times[: len(times) // 2])
    second.iteration_times = IterationTimes(latency_ms=times[len(times) // 2:])
    halves = gate(first, second, ["median"], 5.0)
    assert halves.metrics[0].verdict in ("no significant change", "within tolerance")
    assert abs(halves.metrics[0].change_percent) < 1.0


def test_bootstrap_interval_matches_a_known_shift():
    rng = np.random.default_rng(3)
    base = rng.normal(1.0, 0.01, 2000)
    shifted = base * 1.10
    change, low, high = bootstrap_change(list(base), list(shifted), "median", 0.95)
    assert change == pytest.approx(10.0, abs=0.01) and low < 10.0 < high + 1e-9 and high - low < 1.0
    change, low, high = bootstrap_change(list(base), list(rng.normal(1.0, 0.01, 2000)), "median", 0.95)
    assert low < 0.0 < high


def test_summary_only_gate_says_so(fixtures_dir):
    logs = fixtures_dir / "logs"
    # two runs with trtexec's defaults (data transfers in the latency on both sides: comparable)
    [fast] = load([logs / "trt10.14.1_mnist_onnx_default.trtexec.log"]).plans
    [slow] = load([logs / "trt10.14.1_mnist_dumpOutput.trtexec.log"]).plans
    result = gate(fast, slow, ["median", "p99", "throughput"], 5.0)
    assert result.regressed
    assert all("no noise estimate" in metric.evidence for metric in result.metrics)
    assert result.metrics[0].change_percent == pytest.approx(100 * (0.0578613 / 0.0383301 - 1))


def test_gate_throughput_is_the_engine_tables_figure(fixtures_dir):
    from trtkit.analysis.summary import summarize

    [fp16] = load([fixtures_dir / A100 / "fp16"]).plans
    [fp32] = load([fixtures_dir / A100 / "fp32"]).plans
    [throughput] = gate(fp16, fp32, ["throughput"], 5.0).metrics
    recorded = (fixtures_dir / A100 / "fp16/resnet.onnx.engine.profile.metadata.json").read_text()
    assert '"Throughput": 1155.36' in recorded
    assert throughput.baseline == summarize(fp16).throughput_qps == 1155.36
    assert throughput.current == summarize(fp32).throughput_qps
    assert throughput.baseline != pytest.approx(1000 / np.mean(fp16.iteration_times.latency_ms), abs=1)  # not 1160
    low, high = throughput.interval_percent
    assert low <= throughput.change_percent <= high < 0


def test_a_halved_throughput_is_minus_50_percent_and_a_regression(fixtures_dir):
    [base] = load([fixtures_dir / A100 / "fp16"]).plans
    [slower] = load([fixtures_dir / A100 / "fp16"]).plans
    slower.iteration_times = IterationTimes(latency_ms=[2 * value for value in base.iteration_times.latency_ms])
    slower.performance.throughput_qps = base.performance.throughput_qps / 2
    median, throughput = gate(base, slower, ["median", "throughput"], 5.0).metrics
    assert median.change_percent == pytest.approx(100.0) and median.verdict == "regression"
    assert throughput.change_percent == pytest.approx(-50.0) and throughput.verdict == "regression"
    assert throughput.interval_percent[1] < 0
    [faster] = gate(slower, base, ["throughput"], 5.0).metrics
    assert faster.change_percent == pytest.approx(100.0) and faster.verdict == "improvement"
    # with summary figures only (trtexec logs), the same signs
    logs = fixtures_dir / "logs"
    [fast] = load([logs / "trt10.14.1_mnist_onnx_default.trtexec.log"]).plans
    [slow] = load([logs / "trt10.14.1_mnist_dumpOutput.trtexec.log"]).plans
    [summary_only] = gate(fast, slow, ["throughput"], 5.0).metrics
    assert summary_only.change_percent < -5 and summary_only.verdict == "regression"
    assert summary_only.change_percent == pytest.approx(
        100 * (slow.performance.throughput_qps / fast.performance.throughput_qps - 1))
