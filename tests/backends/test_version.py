"""One TensorRT version type: the strings of installed modules, plans, trtexec logs and lint targets read alike."""

from __future__ import annotations

import pytest

import trtkit
from tests.conftest import FIXTURES
from trtkit.backends.version import TensorRTVersion, lint_target_strongly_typed

LOGS = FIXTURES / "logs"


@pytest.mark.parametrize(("log", "expected", "target"), [
    ("trt10.14.1_mnist_onnx_default.trtexec.log", TensorRTVersion(10, 14, 1), "10"),
    ("trt8.4.1_mnist_fp16_build_and_run.trtexec.log", TensorRTVersion(8, 4, 1), "8"),
    ("trt10.3.0_orin_rtmpose_fp16_build_and_run.trtexec.log", TensorRTVersion(10, 3, 0), "10"),
])
def test_the_version_a_trtexec_log_names(log: str, expected: TensorRTVersion, target: str) -> None:
    version = TensorRTVersion.parse(trtkit.load_plan(LOGS / log).tensorrt_version)
    assert version == expected and version.lint_target == target and not version.strongly_typed_only


def test_versions_of_modules_plans_and_lint_targets() -> None:
    assert TensorRTVersion.parse("11.0.0.114") == TensorRTVersion(11, 0, 0)
    assert TensorRTVersion.parse("11").strongly_typed_only and TensorRTVersion.parse("11").lint_target == "11"
    rtx = TensorRTVersion.parse("1.2.0.54 (TensorRT-RTX)")
    assert rtx == TensorRTVersion(1, 2, 0, rtx=True) and rtx.lint_target == "rtx" and rtx.strongly_typed_only
    assert str(rtx) == "1.2.0 (TensorRT-RTX)" and TensorRTVersion(8, 6, 1) < TensorRTVersion(10, 0, 0)
    for unknown in (None, "", "rtx", "unknown"):
        assert TensorRTVersion.parse(unknown) is None
    assert [lint_target_strongly_typed(target) for target in ("8", "10", "10.8", "11", "rtx", "?")] == [
        False, False, False, True, True, False]


def test_the_installed_tensorrt_rtx() -> None:
    trt = pytest.importorskip("tensorrt_rtx", reason="TensorRT-RTX is not installed (pip install 'trtkit[rtx]')")
    from trtkit.backends.tensorrt import probe

    version = TensorRTVersion.parse(trt.__version__, rtx=True)
    assert version is not None and version.strongly_typed_only and version.lint_target == "rtx"
    assert probe("tensorrt-rtx").major == version.major
