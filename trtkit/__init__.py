"""trtkit: the ONNX -> TensorRT engine pipeline as one command-line toolchain."""

__version__ = "0.1.0"
