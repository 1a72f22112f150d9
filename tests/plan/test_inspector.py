"""IEngineInspector parsing, checked against figures computed independently from the raw files."""

import json
import re
from collections import Counter

import pytest

from trtkit.plan.artifacts import read_artifact
from trtkit.plan.inspector import (
    onnx_nodes_from_metadata,
    parse_engine_layer_information,
    parse_inspector_json,
    parse_oneline_text,
)
from trtkit.plan.model import normalize_tactic

DETAILED_JSON = ["layer_info/trt10.14.1_mnist_detailed.layers.json",
                 "layer_info/trt8.6.1_controlnet_sd_fp16_myelin_plugin.layers.json",
                 "trt8/resnet18-a100/fp32/resnet.onnx.engine.graph.json",
                 "trt8/resnet18-a100/fp16/resnet.onnx.engine.graph.json",
                 "trt8/resnet18-a100/qat/resnet-qat.onnx.engine.graph.json",
                 "trt8/resnet18-a100/qat-residual/resnet-qat-residual.onnx.engine.graph.json",
                 "trt8/resnet18-a100/qat-residual-qgap/resnet-qat-residual-qgap.onnx.engine.graph.json",
                 "trt8/mobilenet-qat/mobilenet.qat.onnx.engine.graph.json",
                 "trt8/mobilenet-qat/mobilenet_v2_residuals.qat.onnx.engine.graph.json"]
NAMES_ONLY_JSON = ["layer_info/trt8.4.1_mnist_names_only.layers.json",
                   "layer_info/trt8.6.0_mnist_names_only.layers.json",
                   "layer_info/trt10.x_detr_resnet50_int8_names_only.layers.json"]

# An independent reading of the data type inside a Format/Datatype string, for cross-checking.
_TYPE_WORDS = [("Int8", "INT8"), ("INT8", "INT8"), ("FP16", "FP16"), ("Half", "FP16"), ("FP32", "FP32"),
               ("Float", "FP32"), ("Int32", "INT32"), ("Int64", "INT64"), ("BFloat16", "BF16"), ("BOOL", "BOOL")]


def _independent_dtype(text):
    for word, dtype in _TYPE_WORDS:
        if re.search(rf"\b{word}\b", text):
            return dtype
    return None


@pytest.mark.parametrize("relative", DETAILED_JSON)
def test_detailed_json_matches_raw_counts(fixtures_dir, relative):
    raw = json.loads((fixtures_dir / relative).read_text())
    result = parse_inspector_json(raw)
    assert result.detailed
    assert len(result.layers) == len(raw["Layers"])
    assert Counter(layer.type for layer in result.layers) == Counter(layer["LayerType"] for layer in raw["Layers"])
    assert [tensor.name for tensor in result.io_tensors] == raw["Bindings"]
    reformats = sum(layer["LayerType"] in ("Reformat", "MyelinReformat") for layer in raw["Layers"])
    assert sum(layer.is_reformat for layer in result.layers) == reformats
    output_types = Counter(_independent_dtype(layer["Outputs"][0]["Format/Datatype"])
                           for layer in raw["Layers"] if layer["Outputs"])
    assert Counter(layer.output_precision for layer in result.layers if layer.outputs) == output_types
    onnx_mentions = sum(str(layer.get("Metadata", "")).count("[ONNX Layer:") for layer in raw["Layers"])
    assert sum(len(layer.onnx_nodes) for layer in result.layers) == onnx_mentions
    weights = sum(layer["Weights"]["Count"] for layer in raw["Layers"] if "Weights" in layer)
    assert sum(layer.weights.count for layer, record in zip(result.layers, raw["Layers"], strict=True)
               if "Weights" in record) == weights


@pytest.mark.parametrize("relative", NAMES_ONLY_JSON)
def test_names_only_json(fixtures_dir, relative):
    raw = json.loads((fixtures_dir / relative).read_text())
    result = parse_inspector_json(raw)
    assert not result.detailed
    assert [layer.name for layer in result.layers] == raw["Layers"]
    assert all(layer.type is None and layer.compute_precision is None for layer in result.layers)


def test_metadata_separators_raw_and_escaped():
    assert onnx_nodes_from_metadata("[ONNX Layer: a]\x1e[ONNX Layer: b]") == ["a", "b"]
    assert onnx_nodes_from_metadata("[ONNX Layer: a]\x1f[ONNX Layer: b/c]") == ["a", "b/c"]
    assert onnx_nodes_from_metadata("[ONNX Layer: a]\\u001e[ONNX Layer: b]") == ["a", "b"]
    assert onnx_nodes_from_metadata("[ONNX Layer: x [1]][ONNX Layer: y]") == ["x [1]", "y"]
    assert onnx_nodes_from_metadata("") == [] and onnx_nodes_from_metadata(None) == []


def test_controlnet_legacy_quirks(fixtures_dir):
    result = parse_inspector_json(json.loads(
        (fixtures_dir / "layer_info/trt8.6.1_controlnet_sd_fp16_myelin_plugin.layers.json").read_text()))
    constant = next(layer for layer in result.layers if layer.type == "Constant")
    assert constant.weights is not None and constant.weights.count == 160  # lowercase "weights" key
    plugins = [layer for layer in result.layers if layer.type == "PluginV2"]
    assert len(plugins) == 27 and plugins[0].attributes["PluginType"] == "InstanceNormalization_TRT"
    assert sum(layer.is_myelin for layer in result.layers) == 7  # the Myelin ForeignNodes


def test_tactic_values_are_normalized():
    assert normalize_tactic("0x630101") == "0x0000000000630101"
    assert normalize_tactic("0x0") == "0x0000000000000000"
    assert normalize_tactic(-7428355835493435592) == "0x98e92db98836b738"
    assert normalize_tactic("") is None


def test_oneline_text_forms(fixtures_dir):
    legacy = read_artifact(fixtures_dir / "layer_info/trt8.x_mnist_dynamic_oneline.engine_info.txt").data
    assert len(legacy.layers) == 11 and legacy.detailed
    pooling = legacy.layers[1]
    assert pooling.tactic_value == "0x0000000000630101"  # unpadded in the file
    assert pooling.inputs[0].location is None  # no Location key in 8.2-era text
    assert pooling.inputs[0].dtype is None  # "N/A due to dynamic shapes"
    assert [tensor.name for tensor in legacy.io_tensors] == ["inputT0", "(Unnamed Layer* 13) [TopK]_output_2"]
    fp16 = read_artifact(fixtures_dir / "layer_info/trt10.14.1_mnist_fp16_oneline.engine_info.txt").data
    text = (fixtures_dir / "layer_info/trt10.14.1_mnist_fp16_oneline.engine_info.txt").read_text()
    assert len(fp16.layers) == len(re.findall(r"^Name: ", text, re.MULTILINE))
    assert Counter(layer.type for layer in fp16.layers) == Counter(re.findall(r"^Name: .*?, LayerType: (\w+)", text,
                                                                              re.MULTILINE))
    assert fp16.layers[1].weights.dtype == "FP16" and fp16.layers[1].weights.count == 800


def test_layer_records_stream(fixtures_dir):
    path = fixtures_dir / "layer_info/trt10.x_ivit_int8_qdq_mlp_per_layer_concat.layers.txt"
    result = read_artifact(path).data
    text = path.read_text()
    assert len(result.layers) == text.count("--- Layer ")
    gemm = next(layer for layer in result.layers if layer.type == "gemm")
    assert gemm.compute_precision == "INT8"
    assert gemm.onnx_nodes[0] == "/fc1/Gemm" and len(gemm.onnx_nodes) == 5  # U+001F separators


def test_engine_layer_information_of_verbose_logs(fixtures_dir):
    text = (fixtures_dir / "logs/trt10.14.1_mnist_fp16_build_verbose_skipInference.trtexec.log").read_text()
    result = parse_engine_layer_information(text)
    start = text.index("Engine Layer Information:")
    listed = re.findall(r"^Layer\((\w+)\): ", text[start:], re.MULTILINE)
    assert [layer.type for layer in result.layers] == listed
    topk = next(layer for layer in result.layers if layer.type == "LogSoftmaxTopK")
    assert [tensor.dtype for tensor in topk.outputs] == ["FP32", "INT32"]
    assert topk.outputs[1].name == "(Unnamed Layer* 22) [TopK]_output (1)"


def test_rtx_build_log_listing_with_two_profiles(rtx_builds):
    text = rtx_builds["resnet18"].log.read_text()
    result = parse_oneline_text(text)
    assert result is not None and result.detailed
    assert len(result.layers) == len(re.findall(r"^Name: ", text, re.MULTILINE))
    assert {layer.profile for layer in result.layers} == {0, 1}
    first = [layer for layer in result.layers if layer.profile == 0]
    second = [layer for layer in result.layers if layer.profile == 1]
    assert len(first) == len(second)  # the same graph, built once per profile
    nodes = {node for layer in first for node in layer.onnx_nodes}
    assert "/conv1/Conv" in nodes and "/fc/Gemm" in nodes
    io = {tensor.name: tensor for tensor in result.io_tensors}
    assert io["input"].mode == "Input" and io["input"].dtype == "FP32"
    assert [shapes["max"] for shapes in io["input"].profile_shapes] == [(2, 3, 64, 64), (8, 3, 64, 64)]
    assert all(tensor.layout for layer in first for tensor in layer.inputs)  # "(NHWC) Channel major format"


def test_tensorrt_11_io_tensors_from_the_documented_example(fixtures_dir):
    # the documentation fixture is cut mid-object; close it the way the page's example continues
    snippet = (fixtures_dir / "docs/trt11_io_tensors_doc_example.TRUNCATED.snippet.json").read_text()
    completed = snippet.rstrip() + '\n "ProfileInfo": []\n }\n ]\n}'
    result = parse_inspector_json(json.loads(completed))
    first, second = result.io_tensors
    assert (first.name, first.mode, first.dtype, first.dimensions) == ("input_0", "Input", "FP32", (1, 3, 224, 224))
    assert first.profile_shapes == [{"min": (1, 3, 224, 224), "opt": (1, 3, 224, 224), "max": (1, 3, 224, 224)}]
    assert first.formats == ["Row major linear FP32 format (kLINEAR)"] and first.is_shape_io is False
    assert second.mode == "Output" and second.dimensions == (1, 1000)


def test_tensorrt_11_split_format_and_datatype_in_layers():
    layer = {"Name": "conv", "LayerType": "CaskConvolution",
             "Inputs": [{"Name": "x", "Dimensions": [1, 8, 4, 4], "Format": "Channel major FP16 format where "
                         "channel % 8 == 0 (kHWC8)", "DataType": "Half", "Location": "Device"}],
             "Outputs": [{"Name": "y", "Dimensions": [1, 8, 4, 4], "Format": "Row major linear FP32 format (kLINEAR)",
                          "DataType": "Float"}]}
    result = parse_inspector_json({"Layers": [layer], "I/O Tensors": []})
    parsed = result.layers[0]
    assert (parsed.inputs[0].dtype, parsed.inputs[0].layout) == ("FP16", "HWC8")
    assert (parsed.outputs[0].dtype, parsed.outputs[0].layout) == ("FP32", "LINEAR")
