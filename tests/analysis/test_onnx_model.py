"""ONNX model summaries: opsets, dynamic inputs, operators, parameters by type, external data."""

from collections import Counter

import onnx
import pytest

from trtkit.analysis.onnx_model import summarize_onnx


def test_summary_matches_the_model(example_models):
    path = example_models["resnet18"]
    model = onnx.load(str(path))
    summary = summarize_onnx(path)
    assert summary.opsets == {"ai.onnx": 17} and summary.ir_version == 8
    assert dict(summary.op_histogram) == dict(Counter(node.op_type for node in model.graph.node))
    elements = sum(int(onnx.numpy_helper.to_array(init).size) for init in model.graph.initializer)
    assert summary.parameter_count == elements
    [float_group] = [group for group in summary.parameters if group.dtype == "float32"]
    assert float_group.bytes == 4 * float_group.elements
    [spec] = summary.inputs
    assert spec.name == "input" and spec.dims == ("batch", 3, 64, 64) and spec.dynamic_axes == [0]


def test_external_data_is_counted_without_loading_it(example_models, tmp_path):
    model = onnx.load(str(example_models["transformer_encoder"]))
    target = tmp_path / "encoder.onnx"
    onnx.save(model, str(target), save_as_external_data=True, all_tensors_to_one_file=True, location="weights.bin",
              size_threshold=1024)
    summary = summarize_onnx(target)
    assert summary.external_data_files == ["weights.bin"]
    assert summary.external_data_bytes == pytest.approx((tmp_path / "weights.bin").stat().st_size, rel=0.01)
    assert summary.file_bytes < summary.external_data_bytes
