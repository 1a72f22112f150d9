"""Backends: TensorRT and TensorRT-RTX, the CUDA driver, onnxruntime. Imported lazily."""
