"""The regression gate judges only measurements of one workload: engines profiled at another batch, other input
shapes or another optimization profile are 'not comparable' (exit 1), never an improvement or 'no regression'."""

import json
import shutil

A100_FP16 = "trt8/resnet18-a100/fp16"
SWEEP = "logs/trt7.x_jetson_resnet50_caffe_int8_batchsweep.trtexec.log"


def _sweep_runs(fixtures_dir, tmp_path) -> tuple:
    """The batch-1 and batch-32 runs of the real TensorRT 7 batch sweep log, each in a log of its own."""
    lines = (fixtures_dir / SWEEP).read_text().splitlines(keepends=True)
    batch1, batch32 = tmp_path / "batch1.log", tmp_path / "batch32.log"
    batch1.write_text("".join(lines[:177]))  # the log's first run: --batch=1
    batch32.write_text("".join(lines[506:595]))  # its fifth: --batch=32
    return batch1, batch32


def test_a_baseline_at_another_batch_is_not_comparable(run_cli, fixtures_dir, tmp_path):
    batch1, batch32 = _sweep_runs(fixtures_dir, tmp_path)
    result = run_cli("compare", "--baseline", batch32, batch1, "--metrics", "median", "--json")
    # was exit 0, "improvement" and "no regression": 3.1 ms at batch 1 against 38.7 ms at batch 32
    assert result.exit_code == 1, result.stdout
    [gate] = result.json()["gates"]
    assert gate["verdict"] == "not comparable" and gate["regressed"] is False
    assert gate["not_comparable"] == ["measured on different workloads: batch 32 (baseline), 1 (current)"]
    assert [metric["verdict"] for metric in gate["metrics"]] == ["not comparable"]
    table = run_cli("--no-color", "compare", "--baseline", batch32, batch1, "--metrics", "median")
    assert table.exit_code == 1 and "not comparable: measured on different workloads" in " ".join(table.stdout.split())
    markdown = run_cli("compare", "--baseline", batch32, batch1, "--format", "markdown")
    assert markdown.exit_code == 1 and "❌ not comparable" in markdown.stdout


def test_a_profile_at_other_input_shapes_is_not_comparable(run_cli, fixtures_dir, tmp_path):
    # an edited real record: the A100 FP16 profile metadata, said to be measured at batch 1 instead of 32
    current = tmp_path / "batch1"
    shutil.copytree(fixtures_dir / A100_FP16, current)
    metadata_path = current / "resnet.onnx.engine.profile.metadata.json"
    metadata = json.loads(metadata_path.read_text())
    assert metadata["inference_options"]["Input inference shape"] == "input.1=32x3x224x224"
    metadata["inference_options"]["Input inference shape"] = "input.1=1x3x224x224"
    metadata_path.write_text(json.dumps(metadata))
    result = run_cli("compare", "--baseline", fixtures_dir / A100_FP16, current, "--per-layer", "--json")
    assert result.exit_code == 1
    [gate] = result.json()["gates"]
    assert gate["verdict"] == "not comparable" and gate["layers"] == []
    assert "input shapes input.1=32x3x224x224 (baseline), input.1=1x3x224x224 (current)" in gate["not_comparable"][0]


def test_the_same_shapes_under_other_input_names_still_compare(run_cli, fixtures_dir):
    # TensorRT 8.4 names MNIST's input tensor-0, TensorRT 10.14 names it x: both measured 4x1x28x28
    logs = fixtures_dir / "logs"
    result = run_cli("compare", "--baseline", logs / "trt8.4.1_mnist_fp32_build_and_run.trtexec.log",
                     logs / "trt10.14.1_mnist_fp16_build_verbose_skipInference.trtexec.log", "--json")
    [gate] = result.json()["gates"]
    assert gate["not_comparable"] == [] and gate["verdict"] == "no data"  # the second run skipped inference


def test_a_latency_with_data_transfers_against_one_without_is_not_comparable(run_cli, fixtures_dir):
    # two real TensorRT 10.14 runs of MNIST: trtexec's defaults (the latency holds the copies, median 0.0383 ms)
    # and CUDA graph without transfers (0.0295 ms: the compute alone). Their compute times are 0.0286 and 0.0295 ms,
    # +3%; the gate called the latency's -23% an improvement
    logs = fixtures_dir / "logs"
    result = run_cli("compare", "--baseline", logs / "trt10.14.1_mnist_onnx_default.trtexec.log",
                     logs / "trt10.14.1_mnist_loadengine_cudagraph_verbose.trtexec.log", "--metrics", "median",
                     "--json")
    assert result.exit_code == 1
    [gate] = result.json()["gates"]
    assert gate["not_comparable"] == ["measured on different workloads: data transfers Enabled (baseline), Disabled "
                                      "(current)"]


def test_the_per_layer_gate_says_which_timed_layers_it_could_not_judge(run_cli, fixtures_dir):
    # the QAT engine has 14 timed layers (MaxPool_12 among them) no layer of the fully quantized baseline aligns
    # with: the per-layer gate said nothing of them
    base, current = fixtures_dir / "trt8/resnet18-a100/qat-residual-qgap", fixtures_dir / "trt8/resnet18-a100/qat"
    result = run_cli("compare", "--baseline", base, current, "--per-layer", "--json")
    [gate] = result.json()["gates"]
    assert "MaxPool_12" in gate["layers_not_gated"] and len(gate["layers_not_gated"]) == 14
    assert 0.3 < gate["layers_not_gated_ms"] < 0.4
    table = run_cli("--no-color", "compare", "--baseline", base, current, "--per-layer")
    assert "14 timed layer(s) of this engine" in " ".join(table.stderr.split())
    markdown = run_cli("compare", "--baseline", base, current, "--per-layer", "--format", "markdown").stdout
    assert "Per-layer gate: 14 timed layer(s)" in markdown
    same = run_cli("compare", "--baseline", current, current, "--per-layer", "--json").json()["gates"][0]
    assert same["layers_not_gated"] == [] and same["layers_not_gated_ms"] is None
