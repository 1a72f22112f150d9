"""The real bindings import as `tensorrt` with the stub libraries, and are the version asked for."""

from __future__ import annotations

from tests.conformance import bindings
from tests.conformance.conftest import Target


def test_each_version_imports_as_tensorrt_and_is_that_version(target: Target) -> None:
    done = target.run("-c", f"import {target.module} as trt, sys; print(trt.__version__); "
                            "print(trt.__file__)")
    assert done.returncode == 0, done.stderr
    version, location = done.stdout.split()
    if target.version is not None:
        assert version == target.version
        assert location.startswith(str(bindings.version_dir(target.version)))  # not some other tensorrt


def test_stubs_export_every_entry_point_the_module_imports(target: Target) -> None:
    if target.version is None:
        return  # TensorRT-RTX imports natively
    module = bindings.version_dir(target.version) / "site" / "tensorrt" / "tensorrt.so"
    needed = set(bindings.undefined_entry_points(module))
    assert {"createInferBuilder_INTERNAL", "createNvOnnxParser_INTERNAL"} <= needed
    exported = set()
    for soname in bindings.needed_libraries(module):
        listing = bindings.subprocess.run(["nm", "-D", "--defined-only", str(module.parents[2] / "lib" / soname)],
                                          capture_output=True, text=True, check=True).stdout
        exported |= {line.split()[-1] for line in listing.splitlines()}
    assert needed <= exported


def test_nothing_executes_inside_tensorrt(target: Target) -> None:
    """The factories return NULL: pybind11 refuses to make a Builder, so no test can pretend TensorRT ran."""
    if target.version is None:
        return
    done = target.run("-c", "import tensorrt as trt\ntry:\n trt.Builder(trt.Logger())\nexcept TypeError as e:\n"
                            " print('refused', e)")
    assert "refused" in done.stdout and "nullptr" in done.stdout, done.stdout + done.stderr


def test_a_version_pip_cannot_download_is_unavailable_not_an_error(tmp_path, monkeypatch) -> None:
    """The fixture skips only when the wheels cannot be had: pip's failure is BindingsUnavailable."""
    import pytest

    monkeypatch.setattr(bindings, "WHEELS", tmp_path)
    with pytest.raises(bindings.BindingsUnavailable, match="pip could not download tensorrt-cu12-bindings==0.0.0.1"):
        bindings.download("0.0.0.1")
