"""Third-party noise stays off the terminal: the TensorRT parser's own stderr lines, Model Optimizer's timestamped
warnings, onnxruntime's calibration prints and tqdm bars are shown only with -v (a build keeps them in its log).
Real runs in a child process, whose stderr is read as a user's terminal would show it."""

from __future__ import annotations

import importlib.util
import logging
import os
import sys

import pytest
from onnx import TensorProto, helper, save

from tests.conftest import run_subprocess
from trtkit.backends.quiet import third_party_output

needs_rtx = pytest.mark.skipif(importlib.util.find_spec("tensorrt_rtx") is None, reason="needs TensorRT-RTX")
needs_modelopt = pytest.mark.skipif(importlib.util.find_spec("modelopt") is None, reason="needs Model Optimizer")


def test_native_and_python_output_go_to_the_sink():
    logger = logging.getLogger("trtkit.tests.library")  # a library logging to stderr, as Model Optimizer does
    handler = logging.StreamHandler(sys.stderr)
    logger.addHandler(handler)
    sink: list[str] = []
    try:
        with third_party_output(sink):
            os.write(2, b"native stderr line\n")
            os.write(1, b"native stdout line\n")
            print("python print")
            logger.warning("library warning")
    finally:
        logger.removeHandler(handler)
    assert {"python print", "library warning", "native stderr line", "native stdout line"} <= set(sink)
    assert handler.stream is sys.stderr  # given back


def test_disabled_lets_everything_through(capfd):
    sink: list[str] = []
    with third_party_output(sink, enabled=False):
        os.write(2, b"shown with -v\n")
    assert sink == [] and "shown with -v" in capfd.readouterr().err


@pytest.fixture
def string_model(tmp_path):
    """A model TensorRT cannot parse (a STRING input): its parser prints a raw line on stderr by itself."""
    graph = helper.make_graph([helper.make_node("StringNormalizer", ["x"], ["y"], name="normalize")], "strings",
                              [helper.make_tensor_value_info("x", TensorProto.STRING, [4])],
                              [helper.make_tensor_value_info("y", TensorProto.STRING, None)])
    path = tmp_path / "strings.onnx"
    save(helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)]), str(path))
    return path


@needs_rtx
def test_build_keeps_the_parser_s_raw_lines_off_the_terminal(string_model, tmp_path):
    result = run_subprocess("build", string_model, "-o", tmp_path / "strings.engine")
    assert result.exit_code == 3
    assert "Unsupported ONNX data type" not in result.stderr
    assert "ONNX parser errors" in result.stderr and result.stderr.strip().splitlines()[-1].startswith("error: ")
    verbose = run_subprocess("-v", "build", string_model, "-o", tmp_path / "strings.engine")
    assert verbose.exit_code == 3 and "Unsupported ONNX data type" in verbose.stderr


NOISE = ("Collecting tensor data", "it/s]", "Finding optimal threshold", "Number of tensors", "[modelopt]",
         "WARNING:root:")


@needs_modelopt
def test_quantize_shows_only_trtkit_s_own_lines(example_models, tmp_path):
    result = run_subprocess("convert", example_models["resnet18"], "--quantize", "int8", "-o", tmp_path / "q.onnx")
    assert result.exit_code == 0, result.stderr
    assert not [marker for marker in NOISE if marker in result.stderr], result.stderr
    assert "calibration uses random data" in result.stderr  # trtkit's own warning is kept
    assert "Steps" in result.stdout


@needs_modelopt
def test_fp16_conversion_hides_model_optimizer_warnings(example_models, tmp_path):
    result = run_subprocess("convert", example_models["transformer_encoder"], "--precision", "fp16",
                            "-o", tmp_path / "t.onnx")
    assert result.exit_code == 0, result.stderr
    assert not [marker for marker in NOISE if marker in result.stderr], result.stderr
