"""Realistic example ONNX models built with onnx.helper and numpy (no PyTorch):

- `resnet18`: a ResNet-18 CNN (conv/batch-norm/ReLU, basic blocks with residual adds, global average
  pooling, fully connected classifier), dynamic batch;
- `transformer_encoder`: a BERT-style encoder (token and position embeddings, multi-head attention with
  an attention mask, MatMul, Softmax, LayerNormalization, GELU), dynamic batch and sequence.

Node names follow the PyTorch exporter (`/layer1/layer1.0/conv1/Conv`), so engines built from them carry
realistic `[ONNX Layer: ...]` metadata. Weights are random with a fixed seed, scaled so activations stay
finite. Usage: python examples/make_models.py --out build/models [--small]
"""

from __future__ import annotations

import argparse
import math
from pathlib import Path

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

OPSET = 17
IR_VERSION = 8  # what onnxruntime and the TensorRT ONNX parsers of the last years all read


class GraphBuilder:
    """Collects nodes and initializers; names follow the PyTorch exporter's scopes."""

    def __init__(self, seed: int):
        self.nodes: list[onnx.NodeProto] = []
        self.initializers: list[onnx.TensorProto] = []
        self.rng = np.random.default_rng(seed)

    def constant(self, name: str, array: np.ndarray) -> str:
        self.initializers.append(numpy_helper.from_array(array, name))
        return name

    def node(self, op_type: str, inputs: list[str], scope: str, outputs: int = 1, **attributes) -> list[str]:
        names = [f"{scope}/{op_type}_output_{index}" for index in range(outputs)]
        self.nodes.append(helper.make_node(op_type, inputs, names, name=f"{scope}/{op_type}", **attributes))
        return names

    def op(self, op_type: str, inputs: list[str], scope: str, **attributes) -> str:
        return self.node(op_type, inputs, scope, **attributes)[0]

    def normal(self, shape: tuple[int, ...], std: float) -> np.ndarray:
        return (self.rng.standard_normal(shape) * std).astype(np.float32)


def _conv_bn(graph: GraphBuilder, x: str, scope: str, weight_name: str, in_channels: int, out_channels: int,
             kernel: int, stride: int, relu: bool) -> str:
    fan_in = in_channels * kernel * kernel
    weight = graph.constant(f"{weight_name}.weight", graph.normal((out_channels, in_channels, kernel, kernel),
                                                                    math.sqrt(2.0 / fan_in)))
    y = graph.op("Conv", [x, weight], f"{scope}/{weight_name.split('.')[-1]}", kernel_shape=[kernel, kernel],
                 strides=[stride, stride], pads=[kernel // 2] * 4)
    bn = weight_name.replace("conv", "bn").replace("downsample.0", "downsample.1")
    gamma = graph.constant(f"{bn}.weight", (1.0 + 0.1 * graph.rng.standard_normal(out_channels)).astype(np.float32))
    beta = graph.constant(f"{bn}.bias", (0.05 * graph.rng.standard_normal(out_channels)).astype(np.float32))
    mean = graph.constant(f"{bn}.running_mean", (0.05 * graph.rng.standard_normal(out_channels)).astype(np.float32))
    var = graph.constant(f"{bn}.running_var", (1.0 + 0.1 * graph.rng.random(out_channels)).astype(np.float32))
    y = graph.op("BatchNormalization", [y, gamma, beta, mean, var], f"{scope}/{bn.split('.')[-1]}", epsilon=1e-5)
    return graph.op("Relu", [y], f"{scope}/relu") if relu else y


def resnet18(width: int = 64, image_size: int = 224, num_classes: int = 1000, seed: int = 0) -> onnx.ModelProto:
    """ResNet-18 with input `input` [batch, 3, image_size, image_size] and output `output` [batch, num_classes]."""
    graph = GraphBuilder(seed)
    x = _conv_bn(graph, "input", "", "conv1", 3, width, 7, 2, relu=True)
    x = graph.op("MaxPool", [x], "/maxpool", kernel_shape=[3, 3], strides=[2, 2], pads=[1, 1, 1, 1])
    channels = width
    for stage in range(4):
        out_channels = width * 2**stage
        for block in range(2):
            stride = 2 if stage > 0 and block == 0 else 1
            prefix = f"layer{stage + 1}.{block}"
            scope = f"/layer{stage + 1}/{prefix}"
            identity = x
            y = _conv_bn(graph, x, scope, f"{prefix}.conv1", channels, out_channels, 3, stride, relu=True)
            y = _conv_bn(graph, y, scope, f"{prefix}.conv2", out_channels, out_channels, 3, 1, relu=False)
            if stride != 1 or channels != out_channels:
                identity = _conv_bn(graph, x, f"{scope}/downsample", f"{prefix}.downsample.0", channels,
                                    out_channels, 1, stride, relu=False)
            x = graph.op("Relu", [graph.op("Add", [y, identity], scope)], f"{scope}/relu_1")
            channels = out_channels
    x = graph.op("GlobalAveragePool", [x], "/avgpool")
    x = graph.op("Flatten", [x], "", axis=1)
    fc_weight = graph.constant("fc.weight", graph.normal((num_classes, channels), math.sqrt(1.0 / channels)))
    fc_bias = graph.constant("fc.bias", np.zeros(num_classes, np.float32))
    logits = graph.op("Gemm", [x, fc_weight, fc_bias], "/fc", transB=1)
    graph.nodes.append(helper.make_node("Identity", [logits], ["output"], name="/Identity_output"))
    inputs = [helper.make_tensor_value_info("input", TensorProto.FLOAT, ["batch", 3, image_size, image_size])]
    outputs = [helper.make_tensor_value_info("output", TensorProto.FLOAT, ["batch", num_classes])]
    return _model(graph, "resnet18", inputs, outputs)


def _linear(graph: GraphBuilder, x: str, scope: str, name: str, fan_in: int, fan_out: int) -> str:
    weight = graph.constant(f"{name}.weight", graph.normal((fan_in, fan_out), math.sqrt(1.0 / fan_in)))
    bias = graph.constant(f"{name}.bias", np.zeros(fan_out, np.float32))
    return graph.op("Add", [graph.op("MatMul", [x, weight], scope), bias], scope)


def _layer_norm(graph: GraphBuilder, x: str, scope: str, name: str, hidden: int) -> str:
    gamma = graph.constant(f"{name}.weight", np.ones(hidden, np.float32))
    beta = graph.constant(f"{name}.bias", np.zeros(hidden, np.float32))
    return graph.op("LayerNormalization", [x, gamma, beta], scope, axis=-1, epsilon=1e-12)


def _gelu(graph: GraphBuilder, x: str, scope: str) -> str:
    # x * 0.5 * (1 + erf(x / sqrt(2))), as the PyTorch exporter writes GELU before opset 20
    sqrt2 = graph.constant(f"{scope}/sqrt2", np.array(math.sqrt(2.0), np.float32))
    one = graph.constant(f"{scope}/one", np.array(1.0, np.float32))
    half = graph.constant(f"{scope}/half", np.array(0.5, np.float32))
    erf = graph.op("Erf", [graph.op("Div", [x, sqrt2], scope)], scope)
    return graph.op("Mul", [graph.op("Mul", [x, graph.op("Add", [erf, one], scope)], scope), half], f"{scope}/Mul_1")


def _legacy_shape(graph: GraphBuilder, x: str, scope: str, split: int = 1) -> str:
    """The shape [batch, sequence, ...] computed at run time, as the legacy (TorchScript) exporter wrote it:
    Shape -> Gather -> Unsqueeze -> Concat, with the trailing sizes derived from x's static last dimension
    (Gather -> Div) instead of constants. Folding removes the static part; the batch and sequence parts stay."""
    shape = graph.op("Shape", [x], scope)
    count = len(graph.nodes)

    def gathered(axis: int) -> str:
        index = graph.constant(f"{scope}/axis{axis}_{count}", np.array(axis, np.int64))
        return graph.node("Gather", [shape, index], f"{scope}/Gather_{axis}_{count}", axis=0)[0]

    def unsqueezed(value: str, label: str) -> str:
        axes = graph.constant(f"{scope}/{label}_axes_{count}", np.array([0], np.int64))
        return graph.node("Unsqueeze", [value, axes], f"{scope}/Unsqueeze_{label}_{count}")[0]

    parts = [unsqueezed(gathered(0), "batch"), unsqueezed(gathered(1), "sequence")]
    last = gathered(2)
    if split > 1:
        heads = graph.constant(f"{scope}/heads_{count}", np.array(split, np.int64))
        parts += [unsqueezed(heads, "heads"),
                  unsqueezed(graph.node("Div", [last, heads], f"{scope}/Div_{count}")[0], "head_dim")]
    else:
        parts.append(unsqueezed(last, "hidden"))
    return graph.op("Concat", parts, scope, axis=0)


def transformer_encoder(layers: int = 2, hidden: int = 256, heads: int = 4, ffn: int = 1024, vocab: int = 1000,
                        max_positions: int = 512, seed: int = 0, legacy_shapes: bool = False) -> onnx.ModelProto:
    """BERT-style encoder: inputs `input_ids`, `attention_mask` (int64 [batch, sequence]), output
    `last_hidden_state` [batch, sequence, hidden]. `legacy_shapes` computes every reshape target at run time
    from Shape/Gather/Unsqueeze/Concat chains, as old exporters did (what folding and simplification remove)."""
    graph = GraphBuilder(seed)
    head_dim = hidden // heads
    word = graph.constant("embeddings.word_embeddings.weight", graph.normal((vocab, hidden), 0.02))
    position = graph.constant("embeddings.position_embeddings.weight", graph.normal((max_positions, hidden), 0.02))
    # position ids: Range(0, sequence length), the shape subgraph exporters write
    shape = graph.op("Shape", ["input_ids"], "/embeddings")
    seq_len = graph.op("Gather", [shape, graph.constant("/embeddings/axis1", np.array(1, np.int64))],
                       "/embeddings", axis=0)
    positions = graph.op("Range", [graph.constant("/embeddings/start", np.array(0, np.int64)), seq_len,
                                   graph.constant("/embeddings/delta", np.array(1, np.int64))], "/embeddings")
    x = graph.op("Add", [graph.op("Gather", [word, "input_ids"], "/embeddings/word_embeddings"),
                         graph.op("Gather", [position, positions], "/embeddings/position_embeddings")], "/embeddings")
    x = _layer_norm(graph, x, "/embeddings/LayerNorm", "embeddings.LayerNorm", hidden)
    # additive mask [batch, 1, 1, sequence]: 0 where attended, -10000 where masked
    mask = graph.op("Cast", ["attention_mask"], "/mask", to=TensorProto.FLOAT)
    mask = graph.op("Unsqueeze", [mask, graph.constant("/mask/axes", np.array([1, 2], np.int64))], "/mask")
    mask = graph.op("Sub", [graph.constant("/mask/one", np.array(1.0, np.float32)), mask], "/mask")
    mask = graph.op("Mul", [mask, graph.constant("/mask/min", np.array(-10000.0, np.float32))], "/mask")
    split_heads = None if legacy_shapes else graph.constant("/attention/split_shape",
                                                            np.array([0, 0, heads, head_dim], np.int64))
    merge_heads = None if legacy_shapes else graph.constant("/attention/merge_shape",
                                                            np.array([0, 0, hidden], np.int64))
    scale = graph.constant("/attention/scale", np.array(math.sqrt(head_dim), np.float32))
    for index in range(layers):
        name = f"encoder.layer.{index}"
        scope = f"/encoder/layer.{index}"

        def project(which: str, permutation: list[int], x=x, name=name, scope=scope) -> str:
            y = _linear(graph, x, f"{scope}/attention/self/{which}", f"{name}.attention.self.{which}", hidden, hidden)
            target = _legacy_shape(graph, y, f"{scope}/attention/self/{which}/shape", split=heads) \
                if legacy_shapes else split_heads
            y = graph.op("Reshape", [y, target], f"{scope}/attention/self/{which}")
            return graph.op("Transpose", [y], f"{scope}/attention/self/{which}", perm=permutation)

        query, key, value = project("query", [0, 2, 1, 3]), project("key", [0, 2, 3, 1]), project("value", [0, 2, 1, 3])
        attention = f"{scope}/attention/self"
        scores = graph.op("Div", [graph.op("MatMul", [query, key], attention), scale], attention)
        probabilities = graph.op("Softmax", [graph.op("Add", [scores, mask], attention)], attention, axis=-1)
        context = graph.op("Transpose", [graph.op("MatMul", [probabilities, value], f"{attention}/MatMul_1")],
                           attention, perm=[0, 2, 1, 3])
        target = _legacy_shape(graph, x, f"{attention}/merge_shape") if legacy_shapes else merge_heads
        context = graph.op("Reshape", [context, target], attention)
        y = _linear(graph, context, f"{scope}/attention/output/dense", f"{name}.attention.output.dense", hidden, hidden)
        x = _layer_norm(graph, graph.op("Add", [y, x], f"{scope}/attention/output"),
                        f"{scope}/attention/output/LayerNorm", f"{name}.attention.output.LayerNorm", hidden)
        y = _linear(graph, x, f"{scope}/intermediate/dense", f"{name}.intermediate.dense", hidden, ffn)
        y = _gelu(graph, y, f"{scope}/intermediate/intermediate_act_fn")
        y = _linear(graph, y, f"{scope}/output/dense", f"{name}.output.dense", ffn, hidden)
        x = _layer_norm(graph, graph.op("Add", [y, x], f"{scope}/output"), f"{scope}/output/LayerNorm",
                        f"{name}.output.LayerNorm", hidden)
    graph.nodes.append(helper.make_node("Identity", [x], ["last_hidden_state"], name="/Identity_output"))
    inputs = [helper.make_tensor_value_info(name, TensorProto.INT64, ["batch", "sequence"])
              for name in ("input_ids", "attention_mask")]
    outputs = [helper.make_tensor_value_info("last_hidden_state", TensorProto.FLOAT, ["batch", "sequence", hidden])]
    return _model(graph, "transformer_encoder", inputs, outputs)


def _qdq(graph: GraphBuilder, x: str, scope: str, scale: float = 0.05) -> str:
    """A QuantizeLinear/DequantizeLinear pair (INT8, symmetric), as QAT exporters write them."""
    scale_name = graph.constant(f"{scope}/scale", np.array(scale, np.float32))
    zero = graph.constant(f"{scope}/zero_point", np.array(0, np.int8))
    quantized = graph.op("QuantizeLinear", [x, scale_name, zero], scope)
    return graph.op("DequantizeLinear", [quantized, scale_name, zero], scope)


def _quantized_conv(graph: GraphBuilder, x: str, scope: str, channels: int) -> str:
    weight = graph.normal((channels, channels, 3, 3), math.sqrt(2.0 / (channels * 9)))
    scale = float(np.abs(weight).max() / 127.0)
    weight_int8 = graph.constant(f"{scope}.weight_quantized", np.round(weight / scale).astype(np.int8))
    weight_scale = graph.constant(f"{scope}.weight_scale", np.array(scale, np.float32))
    weight_zero = graph.constant(f"{scope}.weight_zero_point", np.array(0, np.int8))
    weight_fp = graph.op("DequantizeLinear", [weight_int8, weight_scale, weight_zero], f"{scope}/weight")
    return graph.op("Conv", [_qdq(graph, x, f"{scope}/input"), weight_fp], scope, kernel_shape=[3, 3], pads=[1] * 4)


def resnet_qat_block(quantize_residual: bool = True, quantize_pooling: bool = True, unpaired_quantize: bool = False,
                     channels: int = 16, seed: int = 0) -> onnx.ModelProto:
    """A ResNet basic block with Q/DQ as pytorch-quantization exports it, in the variants of the TREx QAT
    walk-through: without Q/DQ on the residual input of the Add, and without Q/DQ before global average
    pooling. `unpaired_quantize` adds a QuantizeLinear with no DequantizeLinear after it (an export bug)."""
    graph = GraphBuilder(seed)
    y = graph.op("Relu", [_quantized_conv(graph, "input", "/conv1", channels)], "/relu1")
    y = _quantized_conv(graph, y, "/conv2", channels)
    identity = _qdq(graph, "input", "/residual") if quantize_residual else "input"
    y = graph.op("Relu", [graph.op("Add", [y, identity], "/add")], "/relu2")
    if quantize_pooling:
        y = _qdq(graph, y, "/avgpool/input")
    y = graph.op("GlobalAveragePool", [y], "/avgpool")
    outputs = [helper.make_tensor_value_info("output", TensorProto.FLOAT, ["batch", channels, 1, 1])]
    graph.nodes.append(helper.make_node("Identity", [y], ["output"], name="/Identity_output"))
    if unpaired_quantize:
        scale = graph.constant("/stray/scale", np.array(0.1, np.float32))
        zero = graph.constant("/stray/zero_point", np.array(0, np.int8))
        stray = graph.op("QuantizeLinear", [y, scale, zero], "/stray")
        graph.nodes.append(helper.make_node("Identity", [stray], ["stray_quantized"], name="/Identity_stray"))
        outputs.append(helper.make_tensor_value_info("stray_quantized", TensorProto.INT8, ["batch", channels, 1, 1]))
    inputs = [helper.make_tensor_value_info("input", TensorProto.FLOAT, ["batch", channels, 8, 8])]
    return _model(graph, "resnet_qat_block", inputs, outputs)


def _model(graph: GraphBuilder, name: str, inputs: list, outputs: list) -> onnx.ModelProto:
    onnx_graph = helper.make_graph(graph.nodes, name, inputs, outputs, initializer=graph.initializers)
    model = helper.make_model(onnx_graph, producer_name="trtkit-examples",
                              opset_imports=[helper.make_opsetid("", OPSET)])
    model.ir_version = IR_VERSION
    onnx.checker.check_model(model, full_check=True)
    return model


SMALL = {"resnet18": {"width": 16, "image_size": 64, "num_classes": 10},
         "transformer_encoder": {"layers": 2, "hidden": 64, "heads": 4, "ffn": 128, "vocab": 100, "max_positions": 128}}


def plant_cancellations(model: onnx.ModelProto, after: list[str], offset: float = 300.0) -> onnx.ModelProto:
    """`model` (changed in place) with `+ offset - offset` on each tensor named in `after`: a precision hazard for
    the accuracy checks to find, since a conversion to FP16 rounds those tensors to FP16's spacing at `offset`
    (0.25 at 300; BF16's is 2). One tensor's nodes are named /planted/Add and /planted/Sub, several
    /planted<N>/Add and /planted<N>/Sub."""
    graph = model.graph
    graph.initializer.append(numpy_helper.from_array(np.array(offset, np.float32), "/planted/offset"))
    for number, tensor in enumerate(after):
        scope = "/planted" if len(after) == 1 else f"/planted{number}"
        added, subtracted = f"{scope}/Add_output_0", f"{scope}/Sub_output_0"
        for node in graph.node:
            node.input[:] = [subtracted if name == tensor else name for name in node.input]
        index = next(position for position, node in enumerate(graph.node) if tensor in node.output)
        graph.node.insert(index + 1, helper.make_node("Add", [tensor, "/planted/offset"], [added],
                                                      name=f"{scope}/Add"))
        graph.node.insert(index + 2, helper.make_node("Sub", [added, "/planted/offset"], [subtracted],
                                                      name=f"{scope}/Sub"))
    return model


def write_examples(folder: str | Path, small: bool = False) -> dict[str, Path]:
    """Write both example models into `folder`; `small` makes tiny variants for fast tests."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    paths = {}
    for name, factory in (("resnet18", resnet18), ("transformer_encoder", transformer_encoder)):
        model = factory(**(SMALL[name] if small else {}))
        paths[name] = folder / f"{name}{'_small' if small else ''}.onnx"
        onnx.save(model, str(paths[name]))
    return paths


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", default="build/models", help="output folder")
    parser.add_argument("--small", action="store_true", help="tiny variants for fast tests")
    arguments = parser.parse_args()
    for name, path in write_examples(arguments.out, arguments.small).items():
        print(f"{name}: {path}")


if __name__ == "__main__":
    main()
