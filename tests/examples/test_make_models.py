"""The example models pass the ONNX checker and run in onnxruntime at several dynamic sizes."""

import numpy as np
import onnx
import pytest
from make_models import resnet18, transformer_encoder


def _session(path):
    import onnxruntime

    return onnxruntime.InferenceSession(str(path), providers=["CPUExecutionProvider"])


def test_cnn_is_resnet18_shaped(example_models):
    model = onnx.load(str(example_models["resnet18"]))
    onnx.checker.check_model(model, full_check=True)
    ops = [node.op_type for node in model.graph.node]
    assert ops.count("Conv") == 20  # stem + 16 block convolutions + 3 downsample projections
    assert ops.count("Add") == 8  # one residual add per basic block
    assert ops.count("BatchNormalization") == 20 and "GlobalAveragePool" in ops and "Gemm" in ops
    assert model.graph.input[0].type.tensor_type.shape.dim[0].dim_param == "batch"


@pytest.mark.parametrize("batch", [1, 3])
def test_cnn_runs_at_any_batch(example_models, batch):
    session = _session(example_models["resnet18"])
    images = np.random.default_rng(0).random((batch, 3, 64, 64), dtype=np.float32)
    [logits] = session.run(None, {"input": images})
    assert logits.shape == (batch, 10) and np.isfinite(logits).all() and logits.std() > 0


def test_transformer_has_the_expected_operators(example_models):
    model = onnx.load(str(example_models["transformer_encoder"]))
    onnx.checker.check_model(model, full_check=True)
    ops = {node.op_type for node in model.graph.node}
    assert {"MatMul", "Softmax", "LayerNormalization", "Erf", "Gather", "Range"} <= ops
    dims = [[d.dim_param for d in value.type.tensor_type.shape.dim] for value in model.graph.input]
    assert dims == [["batch", "sequence"], ["batch", "sequence"]]


@pytest.mark.parametrize("batch, sequence", [(1, 7), (2, 33)])
def test_transformer_runs_and_masks(example_models, batch, sequence):
    session = _session(example_models["transformer_encoder"])
    rng = np.random.default_rng(1)
    ids = rng.integers(0, 100, (batch, sequence), dtype=np.int64)
    mask = np.ones((batch, sequence), np.int64)
    [hidden] = session.run(None, {"input_ids": ids, "attention_mask": mask})
    assert hidden.shape == (batch, sequence, 64) and np.isfinite(hidden).all()
    # masking the last token changes what the first token attends to
    mask[:, -1] = 0
    [masked] = session.run(None, {"input_ids": ids, "attention_mask": mask})
    assert not np.allclose(hidden[:, 0], masked[:, 0])


def test_full_size_models_are_the_real_architectures():
    cnn = resnet18()
    weights = sum(int(np.prod(init.dims)) for init in cnn.graph.initializer if "running" not in init.name)
    assert 11_000_000 < weights < 12_000_000  # ResNet-18 has 11.7M parameters
    encoder = transformer_encoder()
    assert sum(node.op_type == "Softmax" for node in encoder.graph.node) == 2
