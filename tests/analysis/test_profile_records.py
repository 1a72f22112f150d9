"""profile's outputs in TREx's formats: written from real per-iteration and per-layer data (the TensorRT 8
ResNet-18 A100 fixtures, read back into the harness's sample form), they load in `trtkit inspect` and
`trtkit compare` with the same figures."""

import json
import shutil

import numpy as np
import pytest

from trtkit.analysis.profile_records import layer_profile_records, profile_metadata, timing_records
from trtkit.backends.timing import Samples, TimingMode
from trtkit.io.atomic import write_text_atomic


def _samples(records) -> Samples:
    samples = Samples()
    for record in records:
        samples.latency.append(record["latencyMs"])
        samples.compute.append(record["computeMs"])
        samples.h2d.append(record["h2dMs"])
        samples.d2h.append(record["d2hMs"])
        samples.enqueue.append(record["endEnqMs"] - record["startEnqMs"])
        samples.start.append(record["startH2dMs"])
        samples.enqueue_start.append(record["startEnqMs"])
        samples.stream.append(0)
    return samples


def _rewrite(fixtures_dir, variant, folder):
    """The variant's graph.json, with profile outputs written by trtkit from the variant's real data."""
    source = fixtures_dir / "trt8/resnet18-a100" / variant
    folder.mkdir()
    engine = folder / f"{variant}.engine"
    shutil.copy(source / "resnet.onnx.engine.graph.json", f"{engine}.graph.json")
    records = json.loads((source / "resnet.onnx.engine.timing.json").read_text())
    samples = _samples(records)
    layers = json.loads((source / "resnet.onnx.engine.profile.json").read_text())
    times = {layer["name"]: [layer["averageMs"]] for layer in layers[1:]}
    wall = (records[-1]["endD2hMs"] - records[0]["startH2dMs"]) / 1e3
    metadata = profile_metadata(samples, wall, TimingMode(), {"input.1": (32, 3, 224, 224)},
                                {"Selected Device": "NVIDIA A100 80GB PCIe", "Compute Capability": 8.0})
    write_text_atomic(f"{engine}.timing.json", json.dumps(timing_records(samples)))
    write_text_atomic(f"{engine}.profile.json", json.dumps(layer_profile_records(times, 1)))
    write_text_atomic(f"{engine}.profile.metadata.json", json.dumps(metadata))
    return engine, records, layers


def test_written_profile_loads_in_inspect_with_the_same_figures(run_cli, fixtures_dir, tmp_path):
    engine, records, layers = _rewrite(fixtures_dir, "fp16", tmp_path / "fp16")
    result = run_cli("inspect", f"{engine}.graph.json", "--json")
    assert result.exit_code == 0, result.stderr
    [plan] = result.json()["plans"]
    kinds = {source["kind"] for source in plan["sources"]}
    assert {"inspector-json", "export-profile", "export-times", "profile-metadata"} <= kinds, kinds
    compute = np.array([record["computeMs"] for record in records])
    summary = plan["performance"]["gpu_compute_time"]
    assert summary["median"] == pytest.approx(np.median(compute)), summary
    assert summary["percentiles"]["p99"] == pytest.approx(np.percentile(compute, 99))
    assert summary["percentiles"]["p90"] == pytest.approx(np.percentile(compute, 90))
    assert plan["summary"]["total_layer_latency_ms"] == pytest.approx(sum(layer["averageMs"] for layer in layers[1:]))
    assert plan["inference_options"]["CUDA Graph"] == "Enabled" and plan["inference_options"]["Data transfers"] == \
        "Disabled"
    written = json.loads(open(f"{engine}.timing.json").read())
    assert [record["latencyMs"] for record in written] == [record["latencyMs"] for record in records]
    assert all(record["endComputeMs"] - record["startComputeMs"] == pytest.approx(record["computeMs"])
               for record in written)


def test_written_profiles_gate_in_compare(run_cli, fixtures_dir, tmp_path):
    fp32, *_ = _rewrite(fixtures_dir, "fp32", tmp_path / "fp32")
    fp16, *_ = _rewrite(fixtures_dir, "fp16", tmp_path / "fp16")
    graph32, graph16 = f"{fp32}.graph.json", f"{fp16}.graph.json"
    assert run_cli("compare", "--baseline", graph32, graph16, "--max-regression", "5%").exit_code == 0  # faster
    slower = run_cli("compare", "--baseline", graph16, graph32, "--max-regression", "5%", "--json")
    assert slower.exit_code == 1  # FP32 is 2.3x slower than FP16 on these runs: a regression
    [gate] = slower.json()["gates"]
    assert gate["regressed"]
