"""TREx metadata, INT8 calibration caches and Polygraphy files."""

import base64
import io
import json
import struct

import numpy as np
import pytest

from tests.conftest import FIXTURES
from trtkit.plan.artifacts import read_artifact
from trtkit.plan.metadata import parse_performance_summary

CACHES = sorted((FIXTURES / "calibration_cache").iterdir())


@pytest.mark.parametrize("path", CACHES, ids=lambda path: path.name)
def test_calibration_caches(path):
    cache = read_artifact(path).data
    lines = [line for line in path.read_text().split("\n") if line.strip()]
    assert cache.algorithm == lines[0].split("-")[2].strip()
    assert cache.tensorrt_version.startswith(path.name.split("_")[0][3:])  # the file names carry the version
    assert len(cache.scales) == len(lines) - 1
    name, hex_scale = lines[1].rsplit(": ", 1)
    assert cache.scales[name] == struct.unpack(">f", bytes.fromhex(hex_scale))[0]


def test_calibration_versions(fixtures_dir):
    versions = {path.name: read_artifact(path).data.tensorrt_version for path in CACHES}
    assert versions["trt7.0_entropy2_dynamicshape.calib.cache"] == "7.0.0"
    assert versions["trt10.14.1_entropy2_plugin.calib.cache"] == "10.14.1"
    assert versions["trt8.2.4_entropy2_plugin.calib.cache"] == "8.2.4"
    deepstream = read_artifact(fixtures_dir / "calibration_cache/trt10.3.0_entropy2_trafficcamnet_deepstream.calib.txt")
    assert "input_1:0" in deepstream.data.scales  # names with ':' keep it


def test_profile_metadata_five_and_seven_values(fixtures_dir):
    five = json.loads((fixtures_dir / "trt8/resnet18-a100/fp16/resnet.onnx.engine.profile.metadata.json").read_text())
    summary = parse_performance_summary(five["performance_summary"])
    values = five["performance_summary"]["Latency"]
    assert (summary.latency.min, summary.latency.max, summary.latency.mean, summary.latency.median) == tuple(values[:4])
    assert summary.latency.percentiles == {99.0: values[4]}
    seven_path = fixtures_dir / "trt8/mobilenet-qat/mobilenet.qat.onnx.engine.profile.metadata.json"
    seven = json.loads(seven_path.read_text())
    summary = parse_performance_summary(seven["performance_summary"])
    assert summary.gpu_compute_time.percentiles == dict(zip((90.0, 95.0, 99.0),
                                                            seven["performance_summary"]["GPU Compute Time"][4:],
                                                            strict=True))


def _decode(record):
    return np.load(io.BytesIO(base64.b64decode(record["array"])), allow_pickle=False)


def test_polygraphy_inputs_and_results(fixtures_dir):
    path = fixtures_dir / "polygraphy/trt8.6_polygraphy_run_save_inputs.inputs.json"
    artifact = read_artifact(path).data
    raw = json.loads(path.read_text())
    expected = _decode(raw[0]["tensorX"])
    [tensor] = artifact.tensors
    assert (tensor.name, tensor.shape, tensor.dtype) == ("tensorX", expected.shape, str(expected.dtype))
    assert tensor.mean == pytest.approx(float(expected.mean()))
    results = read_artifact(fixtures_dir / "polygraphy/trt8.6_polygraphy_run_save_results.runresults.json").data
    assert results.kind == "run-results" and results.runners == ["trt-runner-N0-08/24/23-07:55:24"]
    assert [tensor.name for tensor in results.tensors] == ["A-V-12-Add", "A-V-14-ArgMax"]
    assert results.tensors[0].shape == (4, 10)


def test_polygraphy_tactics_and_debug_replays(fixtures_dir):
    tactics = read_artifact(fixtures_dir / "polygraphy/trt8.6_polygraphy_save_tactics.tactics.json").data
    assert tactics.kind == "tactic-replay" and len(tactics.details["layers"]) == 13
    old = read_artifact(fixtures_dir / "polygraphy/polygraphy0.47.1_debug_replay_skip_current_old_schema.json").data
    assert old.details["iterations"] == {"_N0_outputs": True, "_N1_outputs": True, "_N0_inputs": False}
    new = read_artifact(fixtures_dir / "polygraphy/trt8.6_polygraphy_debug_replay.json").data
    assert set(new.details["iterations"].values()) <= {True, False}
