"""`trtkit report` without a browser: the views each input gets, a file that fetches nothing, the engine graph
(whole, --query, --beam, too large, `dot` missing) and bad input in one line. The browser test opens them."""

import importlib.util
import re
import shutil

import pytest

from tests.conftest import TWO_PROFILES
from trtkit.plan.loader import load
from trtkit.report.graph import parse_beam, select, to_dot

A100 = "trt8/resnet18-a100"
needs_dot = pytest.mark.skipif(shutil.which("dot") is None, reason="Graphviz dot is not installed (make test)")


def _report(run_cli, tmp_path, *args, name="report.html"):
    output = tmp_path / name
    result = run_cli("--json", "report", *args, "-o", output)
    return result, output


def test_single_engine_views_and_a_file_that_fetches_nothing(run_cli, fixtures_dir, tmp_path):
    result, output = _report(run_cli, tmp_path, fixtures_dir / A100 / "qat", "--no-graph")
    assert result.exit_code == 0, result.stderr
    document = result.json()
    assert document["schema"] == "trtkit/report/v1" and document["engines"] == ["resnet-qat.onnx.engine"]
    assert document["views"] == ["summary", "types", "precision", "per-layer", "slow-layers", "reformats", "timing",
                                 "lint"]
    text = output.read_text()
    assert document["bytes"] == len(text.encode())
    # self-contained: no external scripts, styles, fonts or images; the only URL is the SVG namespace
    assert not re.search(r"<(link|img|iframe)\b|\bsrc=|@import|url\(", text)
    assert set(re.findall(r"https?://[^\s\"'<>]+", text)) == {"http://www.w3.org/2000/svg"}
    # the layers, their precision and the lint findings of the QAT engine are in it
    plan = load([fixtures_dir / A100 / "qat"]).plans[0]
    assert text.count('class="mark"') >= len(plan.layers)
    assert "INT8" in text and "engine-" in text and "Latency distribution" in text


def test_latency_distribution_is_of_the_summarys_figure(run_cli, fixtures_dir, tmp_path):
    # trtexec 7.x exported host latency and GPU compute per iteration, which differ: the distribution shows the
    # figure the summary card's median comes from (GPU compute), so its p50 is that median
    from trtkit.analysis.summary import summarize
    from trtkit.report.console import format_ms

    times = fixtures_dir / "times/trt7.x_jetson_resnet50_int8_batchsweep.times.concat.json"
    result, output = _report(run_cli, tmp_path, times, "--no-graph")
    assert result.exit_code == 0, result.stderr
    plan = load([times]).plans[0]
    assert plan.iteration_times.latency_ms != plan.iteration_times.compute_ms
    median = summarize(plan).end_to_end.median
    timing = output.read_text().split('id="timing"')[1].split("</section>")[0]
    assert "GPU compute per iteration" in timing and f">{format_ms(median)}</td>" in timing


def test_five_engines_are_compared_and_told_apart(run_cli, fixtures_dir, tmp_path):
    variants = ["fp32", "fp16", "qat", "qat-residual", "qat-residual-qgap"]
    result, output = _report(run_cli, tmp_path, *(fixtures_dir / A100 / variant for variant in variants),
                             "--no-graph")
    assert result.exit_code == 0, result.stderr
    document = result.json()
    assert "comparison" in document["views"]
    # two engines share the file name resnet.onnx.engine: their folders tell them apart
    assert document["engines"][:2] == ["fp32/resnet.onnx.engine", "fp16/resnet.onnx.engine"]
    text = output.read_text()
    assert 'data-chart="compare-types"' in text and 'data-chart="deltas-4"' in text
    _every_chart_has_marks(text)
    assert "Aligned layers: fp16/resnet.onnx.engine against fp32/resnet.onnx.engine" in text


def _every_chart_has_marks(text: str) -> None:
    charts = text.split('<svg class="chart')[1:]
    assert charts and all('class="mark"' in chart.split("</svg>")[0] or 'class="node"' in chart.split("</svg>")[0]
                          for chart in charts)


def test_engines_known_only_by_their_performance_summaries(run_cli, fixtures_dir, tmp_path):
    # seven trtexec 7.x runs (batch 1 to 128) with no layer information: latencies compared, no empty charts
    result, output = _report(run_cli, tmp_path, fixtures_dir / "logs/trt7.x_jetson_resnet50_caffe_int8_batchsweep"
                                                               ".trtexec.log")
    assert result.exit_code == 0, result.stderr
    document = result.json()
    assert len(document["engines"]) == 7 and "comparison" in document["views"]
    assert all("no layer information" in note for note in document["graph_notes"])
    text = output.read_text()
    assert 'data-chart="compare-latency"' in text and text.count("No layer information") >= 7
    _every_chart_has_marks(text)
    assert ".trtexec.log#run7</text>" in text  # chart labels keep their distinguishing end


def test_graph_selection_and_dot(fixtures_dir):
    plan = load([fixtures_dir / A100 / "fp16"]).plans[0]
    layers = plan.layers_of_profile(0)
    whole = select(plan, layers)
    assert len(whole.layers) == len(layers) and whole.connected
    assert whole.inputs == ["input.1"] and whole.outputs == ["191"]  # the engine I/O at the edges
    dot = to_dot(plan, whole)
    assert dot.startswith("digraph engine {") and dot.count(" -> ") == len(whole.edges)
    assert re.search(r'label="\d+x\d+x\d+x\d+ FP16 [A-Z0-9]+"', dot)  # edges: shape and format
    query = select(plan, layers, query="^Conv_0")
    assert {layer.name for layer in query.layers if layer.index not in query.context} == \
        {layer.name for layer in layers if layer.name.startswith("Conv_0")}
    assert query.context  # the neighbours, dashed
    first = layers[5]
    beam = select(plan, layers, beam=(first.name, 1))
    assert first in beam.layers and 1 < len(beam.layers) < len(layers)
    assert len(select(plan, layers, beam=(first.name, 0)).layers) == 1
    by_type = to_dot(plan, whole, color_by="type")
    assert by_type != dot
    assert parse_beam("Conv_0 + Relu_1:2") == ("Conv_0 + Relu_1", 2)
    with pytest.raises(ValueError):
        parse_beam("Conv_0")


@needs_dot
def test_graph_in_the_report(run_cli, fixtures_dir, tmp_path):
    result, output = _report(run_cli, tmp_path, fixtures_dir / A100 / "fp16")
    assert result.exit_code == 0 and "graph" in result.json()["views"]
    text = output.read_text()
    assert 'class="chart graph"' in text and text.count('class="node"') >= 30
    result, output = _report(run_cli, tmp_path, fixtures_dir / A100 / "fp16", "--beam", "Conv_0 + Relu_1:1",
                             name="beam.html")
    assert result.exit_code == 0, result.stderr
    assert 2 <= output.read_text().count('class="node"') <= 6
    result, _ = _report(run_cli, tmp_path, fixtures_dir / A100 / "fp16", "--max-graph-nodes", "10",
                        name="big.html")
    assert result.exit_code == 0 and "more than --max-graph-nodes 10" in result.json()["graph_notes"][0]


def test_without_dot_the_graph_is_a_dot_file(run_cli, fixtures_dir, tmp_path, monkeypatch):
    monkeypatch.setenv("PATH", str(tmp_path / "empty"))  # no `dot` anywhere
    result, output = _report(run_cli, tmp_path, fixtures_dir / A100 / "fp16")
    assert result.exit_code == 0, result.stderr
    document = result.json()
    [dot_file] = document["dot_files"]
    assert dot_file.endswith("report.graph.dot") and open(dot_file).read().startswith("digraph engine {")
    assert "Graphviz `dot` is not installed" in document["graph_notes"][0]
    assert "report.graph.dot" in output.read_text()


@pytest.mark.skipif(importlib.util.find_spec("tensorrt_rtx") is None, reason="TensorRT-RTX is not installed")
def test_optimization_profile_of_an_engine_built_here(run_cli, example_models, tmp_path):
    config = tmp_path / "pipeline.yaml"
    config.write_text(f"model: {example_models['resnet18']}\nbackend: tensorrt-rtx\n" + TWO_PROFILES)
    engine = tmp_path / "cnn.engine"
    assert run_cli("build", "--config", config, "-o", engine).exit_code == 0
    for profile in ("0", "1"):
        result, output = _report(run_cli, tmp_path, engine, "--profile", profile, "--no-graph",
                                 name=f"profile{profile}.html")
        assert result.exit_code == 0, result.stderr
        assert f"optimization profile {profile} of 2" in output.read_text()


def test_bad_input_is_one_line(run_cli, fixtures_dir, example_models, tmp_path):
    engine = fixtures_dir / A100 / "fp16"
    cases = [(("--beam", "Conv_0"), 2, "expected NODE:RADIUS"), (("--beam", "nope:2"), 2, "no layer is named"),
             (("--query", "Conv_(0"), 2, "not a regular expression"), (("--color-by", "speed"), 2, "--color-by")]
    for args, code, text in cases:
        result, output = _report(run_cli, tmp_path, engine, *args, name="bad.html")
        assert result.exit_code == code and text in result.stderr and len(result.stderr.strip().splitlines()) == 1
        assert not output.exists()
    result, _ = _report(run_cli, tmp_path, tmp_path / "missing.graph.json")
    assert result.exit_code == 3 and "does not exist" in result.stderr
    result, _ = _report(run_cli, tmp_path, example_models["resnet18"])
    assert result.exit_code == 3 and "no engine artifacts among the inputs (onnx)" in result.stderr
