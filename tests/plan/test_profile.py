"""Per-layer profiles and per-iteration times against the raw JSON."""

import json
import math

import pytest

from tests.conftest import FIXTURES
from trtkit.plan.artifacts import read_artifact
from trtkit.plan.profile import json_documents, parse_iprofiler_text

PROFILES = sorted(FIXTURES.rglob("*.profile.json")) + sorted(FIXTURES.rglob("*.profile.concat.json"))
TIMES = sorted(FIXTURES.rglob("*.timing.json")) + sorted(FIXTURES.rglob("*.times.concat.json"))


@pytest.mark.parametrize("path", PROFILES, ids=lambda path: path.name)
def test_export_profile_matches_raw(path):
    documents = json_documents(path.read_text())
    runs = read_artifact(path).data
    assert len(runs) == len(documents)
    for run, raw in zip(runs, documents, strict=True):
        records = [record for record in raw if "name" in record]
        assert run.iterations == raw[0]["count"]
        assert [name for name, _ in run.layers] == [record["name"] for record in records]
        assert math.isclose(run.total_ms, sum(record["averageMs"] for record in records), rel_tol=1e-12)
        has_median = all("medianMs" in record for record in records)
        assert all((timing.median_ms is not None) == has_median for _, timing in run.layers)


def test_concatenated_tensorrt7_profile_has_seven_runs_without_median(fixtures_dir):
    runs = read_artifact(fixtures_dir / "profile/trt7.x_jetson_resnet50_int8_batchsweep.profile.concat.json").data
    assert len(runs) == 7
    assert all(timing.median_ms is None for run in runs for _, timing in run.layers)


@pytest.mark.parametrize("path", TIMES, ids=lambda path: path.name)
def test_export_times_matches_raw(path):
    documents = json_documents(path.read_text())
    runs = read_artifact(path).data
    assert len(runs) == len(documents)
    for times, raw in zip(runs, documents, strict=True):
        assert len(times) == len(raw)
        assert times.latency_ms == [record["latencyMs"] for record in raw]
        assert times.compute_ms == [record["computeMs"] for record in raw]
        h2d_key = "h2dMs" if "h2dMs" in raw[0] else "inMs"
        assert times.h2d_ms == [record[h2d_key] for record in raw]
        assert times.enqueue_ms == pytest.approx([record["endEnqMs"] - record["startEnqMs"] for record in raw])


def test_tensorrt7_times_use_legacy_keys(fixtures_dir):
    runs = read_artifact(fixtures_dir / "times/trt7.x_jetson_resnet50_int8_batchsweep.times.concat.json").data
    assert len(runs) == 7
    raw = json_documents((fixtures_dir / "times/trt7.x_jetson_resnet50_int8_batchsweep.times.concat.json").read_text())
    assert runs[0].end_to_end_ms == [record["endToEndMs"] for record in raw[0]]
    assert runs[0].d2h_ms == [record["outMs"] for record in raw[0]]


def test_iprofiler_text(fixtures_dir):
    text = (fixtures_dir / "logs/trt8.4_mnist_iprofiler_output.txt").read_text()
    profile = parse_iprofiler_text(text)
    lines = [line for line in text.split("\n") if line.startswith("Timing:")]
    assert len(profile.layers) == len(lines)
    first_name, first = profile.layers[0]
    assert first_name == "(Unnamed Layer* 0) [Convolution] + (Unnamed Layer* 1) [Activation]"
    assert first.average_ms == pytest.approx(0.020384)
    assert sum(timing.percentage for _, timing in profile.layers) == pytest.approx(100.0)


def test_json_documents_reads_back_to_back_documents():
    assert json_documents('[1]\n[2, 3]\n{"a": 1}') == [[1], [2, 3], {"a": 1}]
    with pytest.raises(json.JSONDecodeError):
        json_documents('[1, 2')
