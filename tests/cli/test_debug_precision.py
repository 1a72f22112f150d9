"""`trtkit debug precision`: the smallest set of nodes to keep in FP32, found by ranking (layer-wise error), bisection
and pruning over real AutoCast conversions checked in the faithful reference runner; written into a config that
`convert` then passes with."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import numpy as np
import onnx
import pytest
import yaml
from onnx import helper, numpy_helper

from tests.cli.test_compare_layerwise import planted_resnet

needs_modelopt = pytest.mark.skipif(importlib.util.find_spec("modelopt") is None,
                                    reason="NVIDIA Model Optimizer is not installed (make install puts it in .venv)")
SHAPES = ("--shapes", "input:1x3x64x64")


@needs_modelopt
def test_planted_region_is_found_and_the_written_config_converts_within_tolerance(run_cli, example_models, tmp_path):
    source = planted_resnet(example_models["resnet18"], tmp_path / "planted.onnx")
    config = tmp_path / "keep.yaml"
    result = run_cli("debug", "precision", source, *SHAPES, "--write-config", config, "--json")
    assert result.exit_code == 0, result.stderr[-2000:]
    document = result.json()
    assert document["schema"] == "trtkit/debug-precision/v1" and document["found"]
    # the cancellation needs both: Sub in FP32 reads Add's output, which FP16 would have rounded at 300
    assert sorted(document["kept"]) == ["/planted/Add", "/planted/Sub"]
    assert document["reduced_nodes"] > 40 and document["runner"] == "trtkit-reference-fp16"
    assert [trial["phase"] for trial in document["trials"]][:2] == ["baseline", "all"]
    assert not document["trials"][0]["passed"] and document["final"]["passed"]
    assert document["ranked"][0]["node"] == "/planted/Sub"
    assert "trial 1 (baseline)" in result.stderr  # progress on stderr, JSON alone on stdout
    written = yaml.safe_load(config.read_text())
    assert written["convert"]["precision"] == "fp16"
    assert sorted(written["convert"]["keep_fp32_nodes"]) == ["/planted/Add$", "/planted/Sub$"]
    assert "# trtkit debug precision: with these 2 of" in config.read_text()
    converted = run_cli("convert", "--config", config, "-o", tmp_path / "fixed.fp16.onnx", *SHAPES, "--json")
    assert converted.exit_code == 0, converted.stderr[-2000:]
    assert converted.json()["verification"]["runner"] == "trtkit-reference-fp16"
    unfixed = run_cli("convert", source, "-o", tmp_path / "unfixed.fp16.onnx", "--precision", "fp16", *SHAPES)
    assert unfixed.exit_code == 1


@needs_modelopt
def test_a_model_that_passes_needs_no_search(run_cli, example_models, tmp_path):
    config = tmp_path / "untouched.yaml"
    result = run_cli("debug", "precision", example_models["resnet18"], *SHAPES, "--write-config", config, "--json")
    document = result.json()
    assert result.exit_code == 0 and document["kept"] == [] and len(document["trials"]) == 1
    assert not config.exists()


@needs_modelopt
def test_unreachable_tolerance_exits_1_and_writes_nothing(run_cli, example_models, tmp_path):
    # FP16 graph inputs (keep_io_types off) round the inputs whatever is kept; atol 0 cannot be met then
    pipeline = tmp_path / "strict.yaml"
    pipeline.write_text("convert:\n  keep_io_types: false\n  verify:\n    tolerances:\n"
                        "      '*': {atol: 0.0, rtol: 0.0}\n")
    target = tmp_path / "never.yaml"
    result = run_cli("debug", "precision", planted_resnet(example_models["resnet18"], tmp_path / "p.onnx"), *SHAPES,
                     "--config", pipeline, "--write-config", target)
    assert result.exit_code == 1
    assert "miss the tolerances even with all" in result.stdout and "nothing written" in result.stdout
    assert not target.exists()


def test_bad_usage_exits_2(run_cli, example_models, tmp_path):
    model = example_models["resnet18"]
    int4 = run_cli("debug", "precision", model, "--quantize", "int4")
    assert int4.exit_code == 2 and "INT8/FP8 quantization, not int4" in int4.stderr
    assert run_cli("debug", "precision", model, "--time-limit", "60").exit_code == 2
    existing = tmp_path / "pipeline.yaml"
    existing.write_text("convert:\n  simplify: true\n")
    refused = run_cli("debug", "precision", model, "--quantize", "int8", "--write-config", existing)
    assert refused.exit_code == 2 and "already exists" in refused.stderr and "--force" in refused.stderr
    assert existing.read_text() == "convert:\n  simplify: true\n"


def planted_outlier(source: Path, target: Path) -> tuple[Path, str]:
    """The small example ResNet-18 with one activation outlier: the most active channel of a ReLU's output scaled
    by 1000 before the next convolution (which weighs that channel 20x more, scaled back): one per-tensor INT8
    scale cannot hold that channel and the others. Returns the model and the convolution's name."""
    from trtkit.backends.onnxrt import run_onnx

    after, consumer = "/layer2/layer2.0/relu/Relu_output_0", "/layer2/layer2.0/conv2/Conv"
    feeds = [{"input": np.random.default_rng(0).random((1, 3, 64, 64), dtype=np.float32)}]
    activation = run_onnx(source, feeds, [after])[0][after]
    channel = int(np.argmax(activation.mean(axis=(0, 2, 3))))
    model = onnx.load(str(source))
    graph = model.graph
    initializers = {init.name: init for init in graph.initializer}
    node = next(node for node in graph.node if node.name == consumer)
    weight = numpy_helper.to_array(initializers[node.input[1]]).copy()
    weight[:, channel] *= 20.0 / 1000.0
    initializers[node.input[1]].CopyFrom(numpy_helper.from_array(weight, node.input[1]))
    scale = np.ones((1, weight.shape[1], 1, 1), np.float32)
    scale[0, channel] = 1000.0
    graph.initializer.append(numpy_helper.from_array(scale, "/planted/scale"))
    node.input[0] = "/planted/Mul_output_0"
    index = next(position for position, item in enumerate(graph.node) if after in item.output)
    graph.node.insert(index + 1, helper.make_node("Mul", [after, "/planted/scale"], ["/planted/Mul_output_0"],
                                                  name="/planted/Mul"))
    onnx.save(model, str(target))
    return target, consumer


@needs_modelopt
def test_int8_activation_outlier_is_fixed_by_excluding_its_layer(run_cli, example_models, tmp_path):
    source, consumer = planted_outlier(example_models["resnet18"], tmp_path / "outlier.onnx")
    broken = run_cli("convert", source, "-o", tmp_path / "broken.int8.onnx", "--quantize", "int8", *SHAPES)
    assert broken.exit_code == 1  # one per-tensor scale for the outlier channel and the rest
    config = tmp_path / "exclusions.yaml"
    result = run_cli("debug", "precision", source, "--quantize", "int8", *SHAPES, "--write-config", config, "--json")
    assert result.exit_code == 0, result.stderr[-2000:]
    document = result.json()
    assert document["runner"] == "onnxruntime-cpu" and document["setting"] == "convert.quantize.exclude_nodes"
    [kept] = document["kept"]  # the convolution reading the outlier (named after its output once BN is folded)
    assert kept.startswith(consumer)
    written = yaml.safe_load(config.read_text())["convert"]["quantize"]
    assert written["mode"] == "int8" and written["exclude_nodes"] == document["patterns"]
    fixed = run_cli("convert", "--config", config, "-o", tmp_path / "fixed.int8.onnx", *SHAPES, "--json")
    assert fixed.exit_code == 0, fixed.stderr[-2000:]
    assert fixed.json()["precision"]["qdq_pairs"] > 0  # the rest stays quantized


@needs_modelopt
def test_limits_end_the_search_with_the_best_passing_set(run_cli, example_models, tmp_path):
    source = planted_resnet(example_models["resnet18"], tmp_path / "planted.onnx")
    for flags, reason in ((("--max-trials", "2"), "stopped after --max-trials 2 trials"),
                          (("--time-limit", "1ms"), "stopped at --time-limit")):
        result = run_cli("debug", "precision", source, *SHAPES, *flags, "--json")
        document = result.json()
        assert result.exit_code == 0 and document["stopped"] == reason
        assert [trial["phase"] for trial in document["trials"]] == ["baseline", "all"]
        assert len(document["kept"]) == document["reduced_nodes"]  # every node: passing, not the smallest
