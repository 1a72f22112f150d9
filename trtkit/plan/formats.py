"""Tensor format strings of IEngineInspector and trtexec, reduced to a data type and a layout.

TensorRT 8.2-10.x writes one `Format/Datatype` string in several forms: long ("Channel major FP16
format where channel % 8 == 0"), short type-only ("Half", Myelin and 10.x), "N/A due to dynamic
shapes". TensorRT 11 splits it into `Format` ("Row major linear FP32 format (kLINEAR)") and `DataType`.
"""

from __future__ import annotations

import re
from functools import lru_cache

# Data type spellings -> canonical precision names, and their sizes in bits.
_DTYPE_ALIASES = {
    "fp32": "FP32", "float": "FP32", "float32": "FP32", "kfloat": "FP32",
    "fp16": "FP16", "half": "FP16", "float16": "FP16", "khalf": "FP16",
    "bf16": "BF16", "bfloat16": "BF16", "kbf16": "BF16",
    "fp8": "FP8", "fp8e4m3": "FP8", "float8": "FP8", "kfp8": "FP8", "e4m3": "FP8",
    "fp4": "FP4", "fp4e2m1": "FP4", "kfp4": "FP4", "e2m1": "FP4", "nvfp4": "FP4",
    "int8": "INT8", "kint8": "INT8",
    "int4": "INT4", "kint4": "INT4",
    "int16": "INT16",
    "int32": "INT32", "kint32": "INT32",
    "int64": "INT64", "kint64": "INT64",
    "uint8": "UINT8", "kuint8": "UINT8",
    "uint16": "UINT16", "uint32": "UINT32", "uint64": "UINT64",
    "bool": "BOOL", "kbool": "BOOL",
    "double": "FP64", "fp64": "FP64",
    "e8m0": "E8M0", "ke8m0": "E8M0",
}
DTYPE_BITS = {"FP64": 64, "FP32": 32, "FP16": 16, "BF16": 16, "FP8": 8, "FP4": 4, "INT64": 64, "INT32": 32,
              "INT16": 16, "INT8": 8, "INT4": 4, "UINT64": 64, "UINT32": 32, "UINT16": 16, "UINT8": 8, "BOOL": 8,
              "E8M0": 8}
# Types a network computes in; FP32 and TF32 count as full precision, the rest as reduced.
FLOAT_TYPES = ("FP32", "FP16", "BF16", "FP8", "FP4")
REDUCED_PRECISIONS = ("FP16", "BF16", "FP8", "FP4", "INT8", "INT4")
QUANTIZED_TYPES = ("INT8", "INT4", "FP8", "FP4")

_DTYPE_TOKEN = re.compile(
    r"\b(FP32|FP16|BF16|BFloat16|FP8|FP4|Int8|INT8|Int4|INT4|Int16|Int32|INT32|Int64|INT64|UInt8|UINT8|"
    r"UInt16|UInt32|UInt64|Bool|BOOL|Float|Half|Double|E8M0)\b")
_WIDE = {"two": 2, "four": 4, "eight": 8, "sixteen": 16, "thirty-two": 32}
_VECTOR_RE = re.compile(r"(two|four|eight|sixteen|thirty-two) wide channel vectorized", re.IGNORECASE)
_CHANNEL_RE = re.compile(r"channel\s*(%|==)\s*(\d+)")
_KFORMAT_RE = re.compile(r"\((k[A-Z0-9_]+)\)")
UNKNOWN_DYNAMIC = "N/A due to dynamic shapes"


@lru_cache(maxsize=256)
def canonical_dtype(text: str | None) -> str | None:
    """FP32/FP16/BF16/INT8/... from any spelling TensorRT uses (`Half`, `kHALF`, `DataType.HALF`)."""
    if not text:
        return None
    key = text.strip().lower().replace("datatype.", "").replace(" ", "").replace("_", "")
    return _DTYPE_ALIASES.get(key)


def dtype_bytes(dtype: str | None) -> float:
    """Bytes per element (0.5 for 4-bit types); 0 when unknown."""
    return DTYPE_BITS.get(dtype or "", 0) / 8


@lru_cache(maxsize=4096)
def parse_format(text: str | None) -> tuple[str | None, str | None]:
    """(data type, layout) of a format string; layout is a short name such as LINEAR, HWC8, CHW32."""
    if not text or text.strip() == UNKNOWN_DYNAMIC or text.strip().lower() in ("none", "unknown format"):
        return None, None
    kformat = _KFORMAT_RE.search(text)
    dtype_match = _DTYPE_TOKEN.search(text)
    dtype = canonical_dtype(dtype_match.group(1)) if dtype_match else None
    layout = kformat.group(1)[1:] if kformat else _layout(text)
    return dtype, layout


def _layout(text: str) -> str | None:
    lowered = text.lower()
    vector = _VECTOR_RE.search(lowered)
    if vector:
        return f"CHW{_WIDE[vector.group(1)]}" + ("_3D" if "3 spatial" in lowered else "")
    if lowered.startswith("channel major"):
        channel = _CHANNEL_RE.search(lowered)
        base = f"HWC{channel.group(2)}" if channel else "HWC"
        return base + ("_3D" if "3 spatial" in lowered else "")
    if lowered.startswith("row major"):
        return "LINEAR"
    if _DTYPE_TOKEN.fullmatch(text.strip()):
        return None  # short type-only form carries no layout
    return None
