"""Operators the TensorRT ONNX parser supports, per TensorRT major version.

Built from onnx-tensorrt's operator support document, docs/operators.md
(https://github.com/onnx/onnx-tensorrt/blob/<commit>/docs/operators.md):
- TensorRT 8: branch 8.6-GA, commit ee0b139bc68567a89618c1d84dcd461cc144aad4 ("TensorRT 8.6 supports operators
  up to Opset 17");
- TensorRT 10: branch 10.1-GA, commit 96e781103cfc4adf4a6bb557e94bac8e693f6f4c ("TensorRT 10.0 supports
  operators in the inclusive range of opset 9 to opset 20").
No TensorRT 11 or TensorRT-RTX table was published there when this was written: both use the 10.x table.
Operators of other domains are not in the tables: they need a plugin.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class ParserSupport:
    source: str
    min_opset: int
    max_opset: int
    supported: frozenset[str]
    unsupported: frozenset[str]


_COMMON = (
    "Abs Acos Acosh Add And ArgMax ArgMin Asin Asinh Atan Atanh AveragePool BatchNormalization Cast Ceil Celu Clip "
    "Concat Constant ConstantOfShape Conv ConvTranspose Cos Cosh CumSum DepthToSpace DequantizeLinear Div Dropout "
    "Einsum Elu Equal Erf Exp Expand EyeLike Flatten Floor Gather GatherElements GatherND Gemm GlobalAveragePool "
    "GlobalLpPool GlobalMaxPool Greater GreaterOrEqual GridSample GroupNormalization GRU HardSwish HardSigmoid "
    "Identity If ImageScaler InstanceNormalization IsInf IsNaN LayerNormalization LeakyRelu Less LessOrEqual Log "
    "LogSoftmax Loop LRN LSTM LpNormalization LpPool MatMul Max MaxPool Mean MeanVarianceNormalization Min Mod Mul "
    "Neg NonMaxSuppression NonZero Not OneHot Or Pad ParametricSoftplus Pow PRelu QuantizeLinear RandomNormal "
    "RandomNormalLike RandomUniform RandomUniformLike Range Reciprocal ReduceL1 ReduceL2 ReduceLogSum "
    "ReduceLogSumExp ReduceMax ReduceMean ReduceMin ReduceProd ReduceSum ReduceSumSquare Relu Reshape Resize "
    "ReverseSequence RNN RoiAlign Round ScaledTanh Scan Scatter ScatterElements ScatterND Selu Shape Shrink Sigmoid "
    "Sign Sin Sinh Size Slice Softmax Softplus Softsign SpaceToDepth Split Sqrt Squeeze Sub Sum Tan Tanh "
    "ThresholdedRelu Tile TopK Transpose Trilu Unsqueeze Upsample Where Xor"
).split()
_UNSUPPORTED_COMMON = (
    "Bernoulli BitShift BlackmanWindow Compress ConcatFromSequence ConvInteger DFT Det DynamicQuantizeLinear "
    "HammingWindow HannWindow MatMulInteger MaxRoiPool MaxUnpool MelWeightMatrix Multinomial "
    "NegativeLogLikelihoodLoss Optional OptionalGetElement OptionalHasElement QLinearConv QLinearMatMul STFT "
    "SequenceAt SequenceConstruct SequenceEmpty SequenceErase SequenceInsert SequenceLength SequenceMap "
    "SoftmaxCrossEntropyLoss SplitToSequence StringNormalizer TfIdfVectorizer Unique"
).split()

TENSORRT_8 = ParserSupport(
    source="onnx-tensorrt 8.6-GA docs/operators.md (ee0b139b)", min_opset=7, max_opset=17,
    supported=frozenset(_COMMON), unsupported=frozenset(_UNSUPPORTED_COMMON + ["Hardmax"]),
)
TENSORRT_10 = ParserSupport(
    source="onnx-tensorrt 10.1-GA docs/operators.md (96e78110)", min_opset=9, max_opset=20,
    supported=frozenset(_COMMON + ["CastLike", "DeformConv", "Gelu", "Hardmax", "Mish"]),
    unsupported=frozenset(_UNSUPPORTED_COMMON + ["AffineGrid", "BitwiseAnd", "BitwiseNot", "BitwiseOr", "BitwiseXor",
                                                 "Col2Im", "CenterCropPad", "ImageDecoder", "RegexFullMatch",
                                                 "StringConcat", "StringSplit"]),
)


def parser_support(target: str) -> ParserSupport:
    """The table for a lint target: "8", "10", "11" or "rtx" (the last two use the 10.x table)."""
    from trtkit.backends.version import TensorRTVersion

    version = TensorRTVersion.parse(target)
    return TENSORRT_8 if version is not None and not version.rtx and 7 <= version.major <= 9 else TENSORRT_10


def table_stand_in(target: str) -> str | None:
    """For a target without its own operator table, a note saying which table stood in (None when it has one):
    a clean operator check against another version's table is not a check of this version's parser."""
    from trtkit.backends.version import TensorRTVersion

    version = TensorRTVersion.parse(target)
    if version is not None and not version.rtx and version.major in (8, 10):
        return None
    support = parser_support(target)
    name = "TensorRT-RTX" if target == "rtx" else f"TensorRT {target}"
    return (f"no ONNX operator table for {name}: operators and opsets were checked against "
            f"{support.source} (opsets {support.min_opset}-{support.max_opset})")
