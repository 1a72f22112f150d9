"""Every lint rule fires where it should and stays quiet where it should not, on the real fixtures and
on generated ONNX models (a rule test that uses an edited real record says so)."""

import copy
import json

import onnx
import pytest
from make_models import resnet_qat_block
from onnx import TensorProto, helper

from trtkit.analysis.lint import LintContext, all_rules, resolve_settings, run_lint
from trtkit.analysis.summary import summarize
from trtkit.config.loader import load_config_for_lint, parse_yaml, validate_config
from trtkit.config.models import RuleSettings
from trtkit.plan.inspector import parse_inspector_json
from trtkit.plan.loader import load
from trtkit.plan.model import EnginePlan

A100 = "trt8/resnet18-a100"


def _rules_fired(context, **params):
    settings = resolve_settings(all_rules(), overrides={rule: RuleSettings(params=values)
                                                        for rule, values in params.items()})
    findings, _, _ = run_lint(context, settings)
    return findings


def engine_findings(fixtures_dir, *paths, rule=None, **params):
    [plan] = load([fixtures_dir / path for path in paths]).plans
    context = LintContext("10", plan=plan, summary=summarize(plan))
    findings = _rules_fired(context, **({rule: params} if params else {}))
    return [finding for finding in findings if rule is None or finding.rule == rule]


def onnx_findings(model, rule, target="10", config=None, path="model.onnx"):
    context = LintContext(target, model=model, model_path=path, config=config, only={"onnx"})
    return [finding for finding in _rules_fired(context) if finding.rule == rule]


def config_findings(text, rule, target="10", model=None, file="pipeline.yaml"):
    data, sources = parse_yaml(text, file)
    config = validate_config(data, sources)
    context = LintContext(target, model=model, config=config, config_path=file, config_sources=sources,
                          only={"config"})
    return [finding for finding in _rules_fired(context) if finding.rule == rule]


# ---- engine rules --------------------------------------------------------------------------------

@pytest.mark.parametrize("rule, fires_on, quiet_on", [
    ("engine-conv-not-tensor-core", "qat", "qat-residual-qgap"),
    ("engine-qconv-float-output", "qat", "qat-residual-qgap"),
    ("engine-channels-not-aligned", "fp16", "fp32"),
    ("engine-reformat-converts-type", "fp16", "fp32"),
    ("engine-unfused-qdq", "qat", "qat-residual-qgap"),
    ("engine-residual-add-unquantized", "qat", "qat-residual-qgap"),
    ("engine-pooling-unquantized", "qat", "qat-residual-qgap"),
    ("engine-reformat-share", "qat", "fp32"),
    ("engine-precision-island", "qat", "fp16"),
    ("engine-gemm-alignment", "qat", "fp16"),
    ("engine-profiler-overhead", "qat-residual", "fp16"),
])
def test_engine_rule_on_a100_fixtures(fixtures_dir, rule, fires_on, quiet_on):
    assert engine_findings(fixtures_dir, f"{A100}/{fires_on}", rule=rule)
    assert not engine_findings(fixtures_dir, f"{A100}/{quiet_on}", rule=rule)


def test_conv_not_tensor_core_names_the_kernel(fixtures_dir):
    [finding] = engine_findings(fixtures_dir, f"{A100}/qat", rule="engine-conv-not-tensor-core")
    assert finding.location.name == "conv1.weight + QuantizeLinear_7 + Conv_9"
    assert "icudnn_int8x4" in finding.message


def test_channels_not_aligned_finds_the_rgb_stem(fixtures_dir):
    [finding] = engine_findings(fixtures_dir, f"{A100}/fp16", rule="engine-channels-not-aligned")
    assert finding.location.name == "Conv_0 + Relu_1" and "input channels 3" in finding.message


def test_names_only_plan(fixtures_dir):
    findings = engine_findings(fixtures_dir, "layer_info/trt8.4.1_mnist_names_only.layers.json")
    assert [finding.rule for finding in findings] == ["engine-names-only"]
    assert not engine_findings(fixtures_dir, f"{A100}/fp16", rule="engine-names-only")


def test_myelin_share_threshold(fixtures_dir):
    paths = ["layer_info/trt8.6.1_controlnet_sd_fp16_myelin_plugin.layers.json",
             "profile/trt8.6.1_controlnet_sd_fp16_myelin_plugin.profile.json"]
    assert not engine_findings(fixtures_dir, *paths, rule="engine-myelin-share")  # 38.9% < 50%
    [finding] = engine_findings(fixtures_dir, *paths, rule="engine-myelin-share", max_percent=30.0)
    assert "38.9%" in finding.message


def test_dominant_layer_threshold(fixtures_dir):
    assert not engine_findings(fixtures_dir, f"{A100}/fp16", rule="engine-dominant-layer")
    [finding] = engine_findings(fixtures_dir, f"{A100}/fp16", rule="engine-dominant-layer", max_percent=10.0)
    assert finding.location.name == "Conv_0 + Relu_1"


def test_slice_converting_type(fixtures_dir):
    # No fixture has a Slice layer: take the real FP32 -> FP16 input reformat of the A100 FP16 engine and relabel
    # it as a Slice; this tests the rule's logic, not TensorRT.
    raw = json.loads((fixtures_dir / f"{A100}/fp16/resnet.onnx.engine.graph.json").read_text())
    record = copy.deepcopy(raw["Layers"][0])
    record.update(LayerType="Slice", ParameterType="Slice", Name="slice_0")
    plan = EnginePlan("edited", layers=parse_inspector_json({"Layers": [record]}).layers)
    context = LintContext("10", plan=plan, summary=summarize(plan))
    assert [f.rule for f in _rules_fired(context) if f.rule == "engine-slice-converts-type"]
    same = copy.deepcopy(raw["Layers"][4])  # a real NoOp reformat that keeps FP16
    same.update(LayerType="Slice", ParameterType="Slice")
    plan = EnginePlan("edited", layers=parse_inspector_json({"Layers": [same]}).layers)
    context = LintContext("10", plan=plan, summary=summarize(plan))
    assert not [f for f in _rules_fired(context) if f.rule == "engine-slice-converts-type"]


def test_walkthrough_hazards_drop_at_each_step(fixtures_dir):
    """The TREx ResNet-18 QAT walk-through: Q/DQ on the residual connections, then on global average pooling."""
    hazards = ("engine-residual-add-unquantized", "engine-pooling-unquantized", "engine-unfused-qdq")
    counts = {}
    for variant in ("qat", "qat-residual", "qat-residual-qgap"):
        findings = engine_findings(fixtures_dir, f"{A100}/{variant}")
        counts[variant] = {rule: sum(f.rule == rule for f in findings) for rule in hazards}
        counts[variant]["all"] = len(findings)
    assert counts["qat"]["engine-residual-add-unquantized"] == 8  # every residual Add of ResNet-18
    assert counts["qat-residual"]["engine-residual-add-unquantized"] == 1  # the last block, before pooling
    assert counts["qat-residual"]["engine-pooling-unquantized"] == 1  # global average pooling
    assert all(value == 0 for key, value in counts["qat-residual-qgap"].items() if key != "all")
    assert counts["qat"]["all"] > counts["qat-residual"]["all"] > counts["qat-residual-qgap"]["all"]


# ---- ONNX rules ----------------------------------------------------------------------------------

def _model(nodes, inputs, outputs, opset=17, domains=()):
    graph = helper.make_graph(nodes, "test", inputs, outputs)
    opsets = [helper.make_opsetid("", opset), *(helper.make_opsetid(domain, 1) for domain in domains)]
    model = helper.make_model(graph, opset_imports=opsets)
    model.ir_version = 8
    return model


def _vector(name, elem=TensorProto.FLOAT, dims=(4,)):
    return helper.make_tensor_value_info(name, elem, list(dims))


def test_unsupported_ops_by_version(example_models):
    unique = _model([helper.make_node("Unique", ["x"], ["y"], name="uniq")], [_vector("x")], [_vector("y")])
    [finding] = onnx_findings(unique, "onnx-unsupported-op")
    assert "Unique is not supported by the TensorRT 10 ONNX parser" in finding.message
    assert finding.location.name == "uniq"
    gelu = _model([helper.make_node("Gelu", ["x"], ["y"])], [_vector("x")], [_vector("y")], opset=20)
    assert not onnx_findings(gelu, "onnx-unsupported-op", target="10")
    assert "not in the TensorRT 8 parser's operator table" in onnx_findings(gelu, "onnx-unsupported-op", "8")[0].message
    custom = _model([helper.make_node("MyOp", ["x"], ["y"], domain="com.example")], [_vector("x")], [_vector("y")],
                    domains=("com.example",))
    assert "needs a TensorRT plugin" in onnx_findings(custom, "onnx-unsupported-op")[0].message
    for path in example_models.values():
        assert not onnx_findings(onnx.load(str(path)), "onnx-unsupported-op")


def test_opset_range():
    model = _model([helper.make_node("Relu", ["x"], ["y"])], [_vector("x")], [_vector("y")], opset=21)
    assert "opset 21 is outside 9-20" in onnx_findings(model, "onnx-opset-range", "10")[0].message
    assert not onnx_findings(_model([helper.make_node("Relu", ["x"], ["y"])], [_vector("x")], [_vector("y")], 17),
                             "onnx-opset-range", "8")


def test_int64(example_models):
    findings = onnx_findings(onnx.load(str(example_models["transformer_encoder"])), "onnx-int64")
    assert {finding.location.name for finding in findings} >= {"input_ids", "attention_mask"}
    assert not onnx_findings(onnx.load(str(example_models["resnet18"])), "onnx-int64")


def test_dynamic_without_profile(example_models, tmp_path, run_cli):
    model = onnx.load(str(example_models["resnet18"]))
    [finding] = onnx_findings(model, "onnx-dynamic-without-profile")
    assert "input input has dynamic batch" in finding.message
    config_file = tmp_path / "p.yaml"
    run_cli("config", "init", example_models["resnet18"], "-o", config_file)
    config, _, _ = load_config_for_lint(config_file)
    assert not onnx_findings(model, "onnx-dynamic-without-profile", config=config)


def test_input_without_shape(example_models):
    for name in ("resnet18", "transformer_encoder"):
        assert not onnx_findings(onnx.load(str(example_models[name])), "onnx-input-without-shape")
    model = onnx.load(str(example_models["transformer_encoder"]))
    model.graph.input[1].type.tensor_type.ClearField("shape")  # attention_mask: rank unknown
    [finding] = onnx_findings(model, "onnx-input-without-shape")
    assert finding.severity == "error" and finding.location.name == "attention_mask"
    # the dynamic-input rule still checks the input whose shape is known
    assert [f.location.name for f in onnx_findings(model, "onnx-dynamic-without-profile")] == ["input_ids"]


@pytest.mark.parametrize("rule, variant", [("onnx-qdq-residual-add", {"quantize_residual": False}),
                                           ("onnx-qdq-unquantized-pooling", {"quantize_pooling": False}),
                                           ("onnx-qdq-unpaired", {"unpaired_quantize": True})])
def test_qdq_placement(rule, variant):
    assert onnx_findings(resnet_qat_block(**variant), rule)
    assert not onnx_findings(resnet_qat_block(), rule)


def test_fp32_model_for_a_reduced_build_under_strong_typing(example_models):
    model = onnx.load(str(example_models["resnet18"]))
    data, sources = parse_yaml("build:\n  precision: [fp16]\n", "p.yaml")
    config = validate_config(data, sources)
    assert onnx_findings(model, "onnx-fp32-for-reduced-build", target="11", config=config)
    assert onnx_findings(model, "onnx-fp32-for-reduced-build", target="rtx", config=config)
    assert not onnx_findings(model, "onnx-fp32-for-reduced-build", target="10", config=config)
    assert not onnx_findings(resnet_qat_block(), "onnx-fp32-for-reduced-build", target="11", config=config)


def test_large_constant_threshold(example_models):
    model = onnx.load(str(example_models["resnet18"]))
    assert not onnx_findings(model, "onnx-large-constant")
    context = LintContext("10", model=model, model_path="m.onnx", only={"onnx"})
    findings = [f for f in _rules_fired(context, **{"onnx-large-constant": {"max_mib": 0.5}})
                if f.rule == "onnx-large-constant"]
    assert findings and all("MiB" in finding.message for finding in findings)


def test_missing_shapes(example_models):
    custom = _model([helper.make_node("MyOp", ["x"], ["t"], domain="com.example"),
                     helper.make_node("Relu", ["t"], ["y"])], [_vector("x")], [_vector("y")], domains=("com.example",))
    [finding] = onnx_findings(custom, "onnx-missing-shapes")
    assert finding.location.name == "t"
    assert not onnx_findings(onnx.load(str(example_models["transformer_encoder"])), "onnx-missing-shapes")


# ---- config rules --------------------------------------------------------------------------------

def test_config_invalid_problems_become_findings(tmp_path):
    path = tmp_path / "bad.yaml"
    path.write_text("build:\n  workspace: lots\n")
    config, sources, problems = load_config_for_lint(path)
    context = LintContext("10", config=config, config_path=str(path), config_sources=sources,
                          config_problems=problems, only={"config"})
    [finding] = [f for f in _rules_fired(context) if f.rule == "config-invalid"]
    assert (finding.location.name, finding.location.line) == ("build.workspace", 2)
    good = tmp_path / "good.yaml"
    good.write_text("build:\n  workspace: 1GiB\n")
    config, sources, problems = load_config_for_lint(good)
    context = LintContext("10", config=config, config_path=str(good), config_sources=sources, only={"config"})
    assert not [f for f in _rules_fired(context) if f.rule == "config-invalid"]


def test_removed_in_trt11():
    text = "build:\n  precision: [fp16]\n  calibration:\n    cache: c.cache\n"
    findings = config_findings(text, "config-removed-in-trt11", target="11")
    assert {finding.location.name for finding in findings} == {"build.precision", "build.calibration"}
    precision = next(f for f in findings if f.location.name == "build.precision")
    assert precision.location.line == 2 and "convert.precision" in precision.message
    assert not config_findings(text, "config-removed-in-trt11", target="10")


def test_tf32_is_not_removed_in_trt11():
    """TF32 is the precision flag strongly typed builds keep: lint agrees with build (which accepts it)."""
    assert not config_findings("build:\n  precision: [tf32]\n", "config-removed-in-trt11", target="11")
    assert not config_findings("build:\n  precision: [tf32]\n", "config-removed-in-trt11", target="rtx")
    [finding] = config_findings("build:\n  precision: [tf32, fp16]\n", "config-removed-in-trt11", target="11")
    assert finding.location.name == "build.precision"


def test_meaningless_for_backend():
    text = "backend: tensorrt-rtx\nbuild:\n  timing_cache: t.cache\n  optimization_level: 5\n"
    findings = config_findings(text, "config-meaningless-for-backend", target="rtx")
    assert {f.location.name for f in findings} == {"build.timing_cache", "build.optimization_level"}
    assert not config_findings(text, "config-meaningless-for-backend", target="10")


def test_profile_inputs(example_models):
    model = onnx.load(str(example_models["resnet18"]))
    wrong = ("build:\n  profiles:\n    p:\n      min: {image: 1x3x64x64}\n      opt: {image: 1x3x64x64}\n"
             "      max: {image: 2x3x64x64}\n")
    messages = [f.message for f in config_findings(wrong, "config-profile-inputs", model=model)]
    assert any("'image', which is not an input" in m for m in messages)
    assert any("does not set the dynamic input 'input'" in m for m in messages)
    fixed = ("build:\n  profiles:\n    p:\n      min: {input: 1x3x32x32}\n      opt: {input: 1x3x32x32}\n"
             "      max: {input: 2x3x32x32}\n")
    assert any("fixes it at 64" in f.message for f in config_findings(fixed, "config-profile-inputs", model=model))
    good = fixed.replace("32x32", "64x64")
    assert not config_findings(good, "config-profile-inputs", model=model)
