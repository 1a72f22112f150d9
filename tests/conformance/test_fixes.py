"""What the conformance check found, fixed: each on the real bindings of the versions concerned (in a
subprocess), or on TensorRT-RTX natively."""

from __future__ import annotations

import json
import textwrap

import pytest

from tests.conformance.conftest import BY_NAME, TARGETS, Target, prepared
from trtkit.config.migrate import migrate

TEN = [target for target in TARGETS if target.major == 10]


def run_code(target: Target, code: str) -> str:
    """Run `code` where `import tensorrt` is `target`; its stdout (it must succeed)."""
    done = prepared(target).run("-c", textwrap.dedent(code))
    assert done.returncode == 0, done.stderr[-3000:]
    return done.stdout


@pytest.mark.parametrize("target", TEN, ids=[target.name for target in TEN])
def test_migrated_layer_precisions_set_data_type_members_on_10x(target: Target) -> None:
    """`--layerPrecisions=conv1:fp32,fc:fp16` (migrated for 10.x) sets DataType.FLOAT and HALF: it raised
    AttributeError (DataType has no FP32, FP16) on every 10.x."""
    migration = migrate("trtexec --onnx=m.onnx --fp16 --layerPrecisions=conv1:fp32,fc:fp16 "
                        "--layerOutputTypes=fc:fp16", target="10")
    build = json.dumps(migration.data["build"])
    output = run_code(target, f"""
        import json, tensorrt as trt
        from trtkit.backends.trt_builder import _weak_typing
        from trtkit.config.models import BuildConfig

        class Layer:  # the network's layers: what trtkit sets on them is what is checked
            def __init__(self, name):
                self.name, self.num_outputs, self.outputs, self.precision = name, 1, {{}}, None
            def set_output_type(self, index, dtype):
                self.outputs[index] = dtype

        class Network:
            layers = [Layer("conv1"), Layer("fc"), Layer("relu")]
            num_layers = 3
            def get_layer(self, index):
                return self.layers[index]

        class Config:
            flags = []
            def set_flag(self, flag):
                assert isinstance(flag, trt.BuilderFlag)
                self.flags.append(flag.name)

        network, config = Network(), Config()
        _weak_typing(trt, network, config, BuildConfig(**json.loads({build!r})))
        conv1, fc, relu = network.layers
        assert conv1.precision is trt.DataType.FLOAT and fc.precision is trt.DataType.HALF, (conv1.precision,)
        assert fc.outputs == {{0: trt.DataType.HALF}} and relu.precision is None and relu.outputs == {{}}
        print(sorted(config.flags))
    """)
    assert output.split() == ["['FP16',", "'TF32']"]


def validate(target: Target, build: dict) -> dict:
    """validate_options of `build` on `target`'s real module: {"warnings": [...]} or {"refused": one line}."""
    code = f"""
        import json, {target.module} as trt
        from trtkit.config.models import BuildConfig
        from trtkit.errors import UsageError
        from trtkit.stages.build import validate_options
        try:
            print(json.dumps({{"warnings": validate_options(BuildConfig(**{build!r}), {target.backend!r}, trt)}}))
        except UsageError as error:
            print(json.dumps({{"refused": error.one_line(), "exit": error.exit_code}}))
    """
    return json.loads(run_code(target, code))


def test_layer_types_are_refused_on_a_strongly_typed_network() -> None:
    """TensorRT's STRONGLY_TYPED flag: "Setting layer precision and layer output types is not allowed" (the
    binding's own enum documentation, checked here): the build is refused before parsing."""
    doc = run_code(BY_NAME["10.16"], "import tensorrt as trt; print(trt.NetworkDefinitionCreationFlag.__doc__)")
    assert "Setting layer precision and layer output types is not allowed" in doc
    refused = validate(BY_NAME["10.16"], {"strongly_typed": True, "layer_output_types": {"fc": "fp16"}})
    assert refused["exit"] == 2 and refused["refused"].startswith("build.layer_output_types: a strongly typed "
                                                                  "network (build.strongly_typed)")
    assert validate(BY_NAME["10.16"], {"layer_output_types": {"fc": "fp16"}}) == {"warnings": [
        "build.layer_output_types: Deprecated in TensorRT 10.12 (Superseded by strong typing); set the types in "
        "the model with convert"]}


def test_hardware_compatibility_is_checked_member_by_member() -> None:
    """10.8's HardwareCompatibilityLevel has only NONE and AMPERE_PLUS: same_compute_capability is refused before
    the build (exit 2, naming what it has) instead of an AttributeError in configure; 10.13 has it."""
    refused = validate(BY_NAME["10.8"], {"hardware_compatibility": "same_compute_capability"})
    assert refused == {"refused": "build.hardware_compatibility: TensorRT 10 (10.8.0.43) has no "
                                  "same_compute_capability; this version has: none, ampere_plus", "exit": 2}
    assert validate(BY_NAME["10.13"], {"hardware_compatibility": "same_compute_capability"}) == {"warnings": []}


def test_a_build_refused_on_10_8_exits_2_with_one_line(example_models, tmp_path) -> None:
    config = tmp_path / "hardware.yaml"
    config.write_text("build:\n  hardware_compatibility: same_compute_capability\n")
    engine = tmp_path / "m.engine"
    done = prepared(BY_NAME["10.8"]).run("-m", "trtkit", "build", str(example_models["resnet18"]), "--backend",
                                         "tensorrt", "--config", str(config), "-o", str(engine))
    assert done.returncode == 2, done.stderr
    assert done.stderr.strip().splitlines() == ["error: build.hardware_compatibility: TensorRT 10 (10.8.0.43) has no "
                                                "same_compute_capability; this version has: none, ampere_plus"]
    assert not engine.exists()


@pytest.mark.parametrize("name", ["11.0", "11.4", "rtx"])
def test_tf32_is_accepted_on_strongly_typed_only_versions(name: str) -> None:
    """BuilderFlag.TF32 is the one precision flag 11.x and TensorRT-RTX keep (strongly typed networks compute FP32
    layers in TF32 when allowed): build.precision [tf32] is accepted there, the others refused."""
    assert validate(BY_NAME[name], {"precision": ["tf32"]}) == {"warnings": []}
    refused = validate(BY_NAME[name], {"precision": ["tf32", "fp16"]})
    assert refused["exit"] == 2 and "build.precision fp16 is gone" in refused["refused"]


def test_tf32_engine_builds_on_tensorrt_rtx(run_cli, example_models, tmp_path) -> None:
    config = tmp_path / "tf32.yaml"
    config.write_text("backend: tensorrt-rtx\nbuild:\n  precision: [tf32]\n  profiles:\n    p:\n"
                      "      min: input:1x3x64x64\n      opt: input:1x3x64x64\n      max: input:1x3x64x64\n")
    result = run_cli("build", example_models["resnet18"], "--config", config, "-o", tmp_path / "tf32.engine")
    assert result.exit_code == 0, result.stderr
    assert (tmp_path / "tf32.engine").stat().st_size > 0


def test_refusals_suggest_settings_convert_accepts() -> None:
    """The refusal of a weak-typing precision on a strongly typed build names convert settings that validate
    (it suggested `convert.precision: int8`, which convert.precision does not accept)."""
    import re

    from trtkit.config.models import BuildConfig, ConvertConfig

    precisions = [value for [value] in (sample for sample in _precision_values(BuildConfig)) if value != "tf32"]
    assert precisions
    for precision in precisions:
        line = validate(BY_NAME["rtx"], {"precision": [precision]})["refused"]
        settings = dict(re.findall(r"convert\.([\w.]+): (\w+)", line))
        assert settings, line
        section: dict = {}
        for key, value in settings.items():
            if key.startswith("quantize."):
                section.setdefault("quantize", {})[key.split(".", 1)[1]] = value
            else:
                section[key] = value
        ConvertConfig(**section)  # raises on a value convert does not accept


def _precision_values(model) -> list[list[str]]:
    import typing

    [literal] = typing.get_args(model.model_fields["precision"].annotation)
    return [[value] for value in typing.get_args(literal)]


def test_deprecated_weak_typing_calls_warn_with_tensorrt_s_own_reason() -> None:
    """ILayer.set_output_type / precision are deprecated from 10.12 (superseded by strong typing) and the
    calibration calls from 10.1: the build warns with the replacement; 10.8 has no warning for layer types."""
    late = validate(BY_NAME["10.16"], {"layer_precisions": {"fc": "fp16"}, "precision": ["fp16"]})["warnings"]
    assert late == ["build.layer_precisions: Deprecated in TensorRT 10.12 (Superseded by strong typing); keep "
                    "layers in FP32 with convert.keep_fp32_nodes"]
    assert validate(BY_NAME["10.8"], {"layer_precisions": {"fc": "fp16"}, "precision": ["fp16"]}) == {"warnings": []}
    calibration = validate(BY_NAME["10.8"], {"calibration": {}, "precision": ["int8"]})["warnings"]
    assert calibration == ["build.calibration: Deprecated in TensorRT 10.1 (Superseded by explicit quantization); "
                           "quantize in the model with convert.quantize"]


class _WithoutRuntime:
    """TensorRT-RTX with `Runtime` taken away: an API error in the engine-inspector path."""

    def __init__(self, module):
        self._module = module

    def __getattr__(self, name: str):
        if name == "Runtime":
            raise AttributeError("module 'tensorrt_rtx' has no attribute 'Runtime'")
        return getattr(self._module, name)


def test_graph_document_does_not_hide_api_errors(rtx_builds, monkeypatch) -> None:
    """_graph_document fell back to the log listing on any exception (contextlib.suppress(Exception)), so a
    wrong call there went unnoticed; now only an engine TensorRT cannot load here falls back."""
    trt = pytest.importorskip("tensorrt_rtx")
    from trtkit.backends import cuda
    from trtkit.stages.build import _graph_document

    build = next(iter(rtx_builds.values()))
    serialized, log = build.engine.read_bytes(), build.log.read_text()
    # a GPU here (the CPU machines have none): the runtime is asked, and cannot load the engine
    monkeypatch.setattr(cuda, "probe_cuda", lambda: cuda.CudaProbe(gpus=[cuda.GpuInfo(0, "a GPU", "8.6", 1 << 30)]))
    document, source = _graph_document(serialized, log, trt)  # a real runtime that cannot load it here
    assert document is not None and document["Layers"] and source.startswith("builder log layer listing")
    with pytest.raises(AttributeError, match="Runtime"):
        _graph_document(serialized, log, _WithoutRuntime(trt))
