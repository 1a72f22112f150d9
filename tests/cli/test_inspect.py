"""`trtkit inspect` through the CLI: tables, JSON, options and errors."""

import json

from tests.conftest import run_subprocess


def test_json_is_the_full_plan(run_cli, fixtures_dir):
    result = run_cli("inspect", fixtures_dir / "trt8/resnet18-a100/qat", "--json")
    assert result.exit_code == 0, result.stderr
    document = result.json()
    assert document["schema"] == "trtkit/plan/v1"
    [plan] = document["plans"]
    assert len(plan["layers"]) == 37 and plan["summary"]["layer_count"] == 37
    raw = json.loads((fixtures_dir / "trt8/resnet18-a100/qat/resnet-qat.onnx.engine.graph.json").read_text())
    assert [layer["name"] for layer in plan["layers"]] == [layer["Name"] for layer in raw["Layers"]]
    assert plan["summary"]["end_to_end_source"] == "iteration times (GPU compute)"
    assert plan["device"]["name"] == "NVIDIA A100 80GB PCIe"


def test_tables_by_type_precision_and_onnx_node(run_cli, fixtures_dir):
    path = fixtures_dir / "trt8/resnet18-a100/fp16"
    by_type = run_cli("--no-color", "inspect", path, "--top", "3")
    assert by_type.exit_code == 0
    for heading in ("Summary", "By layer type", "By precision", "Top 3 slowest layers", "I/O tensors",
                    "Reformat layers", "Memory and compute"):
        assert heading in by_type.stdout
    assert "Conv_0 + Relu_1" in by_type.stdout
    assert "By ONNX node" in run_cli("inspect", path, "--by", "onnx-node").stdout


def test_filter_restricts_layers(run_cli, fixtures_dir):
    result = run_cli("inspect", fixtures_dir / "trt8/resnet18-a100/fp16", "--filter", "^Conv_0", "--json")
    document = result.json()
    groups = document["plans"][0]["summary"]["by_type"]
    assert result.exit_code == 0 and groups  # the summary stays whole; the grouping below is filtered
    text = run_cli("--no-color", "inspect", fixtures_dir / "trt8/resnet18-a100/fp16", "--filter", "^MaxPool",
                   "--top", "5").stdout
    assert "MaxPool_2" in text and "Conv_3 + Relu_4" not in text.split("slowest layers")[1].split("I/O")[0]


def test_onnx_model(run_cli, example_models):
    result = run_cli("inspect", example_models["transformer_encoder"], "--json")
    [model] = result.json()["models"]
    assert model["opsets"] == {"ai.onnx": 17}
    assert [tensor["name"] for tensor in model["inputs"]] == ["input_ids", "attention_mask"]
    assert dict(model["op_histogram"])["Softmax"] == 2
    assert run_cli("--no-color", "inspect", example_models["resnet18"]).stdout.count("Conv") >= 1


def test_other_artifacts(run_cli, fixtures_dir):
    result = run_cli("--no-color", "inspect", fixtures_dir / "calibration_cache/trt8.2.4_entropy2_plugin.calib.cache",
                     fixtures_dir / "polygraphy/trt8.6_polygraphy_run_save_inputs.inputs.json")
    assert result.exit_code == 0
    assert "EntropyCalibration2" in result.stdout and "tensorX" in result.stdout


def test_errors_are_one_line_with_exit_codes(run_cli, fixtures_dir, rtx_builds, tmp_path):
    missing = run_cli("inspect", tmp_path / "nope.graph.json")
    assert missing.exit_code == 3 and len(missing.stderr.strip().splitlines()) == 1
    excerpt = fixtures_dir / "layer_info/trt8.2ea_pointwise_matmul_detailed.EXCERPT_TRUNCATED.json"
    truncated = run_cli("inspect", excerpt)
    assert truncated.exit_code == 3 and "not valid JSON" in truncated.stderr
    assert len(truncated.stderr.strip().splitlines()) == 1
    engine = run_cli("inspect", rtx_builds["resnet18"].engine)
    assert engine.exit_code == 4 and ".graph.json" in engine.stderr
    assert run_cli("inspect", fixtures_dir / "trt8/resnet18-a100/fp16", "--by", "nothing").exit_code == 2
    assert run_cli("inspect", fixtures_dir / "trt8/resnet18-a100/fp16", "--filter", "(").exit_code == 2


def test_rtx_build_log_through_the_cli(run_cli, rtx_builds):
    result = run_cli("inspect", rtx_builds["resnet18"].log, "--json")
    [plan] = result.json()["plans"]
    assert plan["summary"]["layer_count"] == 25  # optimization profile 0 of 2
    profile_one = run_cli("inspect", rtx_builds["resnet18"].log, "--profile", "1", "--json").json()
    assert profile_one["plans"][0]["summary"]["optimization_profile"] == 1


def test_subprocess_json_stdout_only(fixtures_dir):
    result = run_subprocess("inspect", fixtures_dir / "logs/trt10.14.1_mnist_dumpProfile.trtexec.log", "--json")
    assert result.exit_code == 0
    document = json.loads(result.stdout)
    assert document["plans"][0]["profile_iterations"] == 21248
    assert "no performance summary" in " ".join(document["plans"][0]["notes"])


def test_unprofiled_reformats_are_not_called_slowest(run_cli, fixtures_dir, tmp_path):
    # No profile: nothing measured the reformats, so the table must not claim to show "the slowest".
    graph = tmp_path / "mobilenet.qat.onnx.engine.graph.json"  # alone, away from its profile
    graph.write_bytes((fixtures_dir / "trt8/mobilenet-qat" / graph.name).read_bytes())
    result = run_cli("--no-color", "inspect", graph, "--top", "3")
    assert result.exit_code == 0, result.stderr
    text = " ".join(result.stdout.split())
    heading = text.split("Reformat layers (18)")[1].split("┃")[0]
    assert "slowest" not in heading and "the 3 first (execution order; no profile to rank them) shown" in heading
