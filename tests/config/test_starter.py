"""`trtkit config init`: a starter config read from a model, which validates as written."""

import re
import typing
from contextlib import contextmanager
from pathlib import Path

import yaml
from pydantic import BaseModel

from trtkit.config.loader import load_config, parse_yaml, validate_config
from trtkit.config.models import (
    CompareConfig,
    ConvertConfig,
    LintConfig,
    PipelineConfig,
    ProfileConfig,
    QuantizeConfig,
)
from trtkit.config.starter import guess_range, starter_config


def test_init_on_cnn_makes_a_batch_profile(example_models, run_cli, tmp_path):
    target = tmp_path / "cnn.yaml"
    result = run_cli("config", "init", example_models["resnet18"], "-o", target)
    assert result.exit_code == 0, result.stderr
    config = load_config(target)
    assert config.resolve(config.model).resolve() == example_models["resnet18"].resolve()
    profile = config.build.profiles["default"]
    assert profile.min == {"input": (1, 3, 64, 64)}
    assert profile.max["input"][1:] == (3, 64, 64) and profile.max["input"][0] > 1
    text = target.read_text()
    assert "#   input: float32 [batch, 3, 64, 64]  dynamic: batch" in text


def test_init_on_transformer_covers_every_dynamic_input(example_models, run_cli):
    result = run_cli("config", "init", example_models["transformer_encoder"])
    assert result.exit_code == 0, result.stderr
    data = yaml.safe_load(result.stdout)
    profile = data["build"]["profiles"]["default"]
    assert set(profile["min"]) == {"input_ids", "attention_mask"}
    assert "#   input_ids: int64 [batch, sequence]  dynamic: batch, sequence" in result.stdout


def test_init_refuses_to_overwrite(example_models, run_cli, tmp_path):
    target = tmp_path / "keep.yaml"
    target.write_text("mine: true\n")
    result = run_cli("config", "init", example_models["resnet18"], "-o", target)
    assert result.exit_code == 2
    assert "already exists" in result.stderr and "--force" in result.stderr
    assert target.read_text() == "mine: true\n"
    assert run_cli("config", "init", example_models["resnet18"], "-o", target, "--force").exit_code == 0
    assert "build:" in target.read_text()


def test_init_on_missing_and_corrupt_models(run_cli, tmp_path):
    missing = run_cli("config", "init", tmp_path / "nope.onnx")
    assert missing.exit_code == 3 and "does not exist" in missing.stderr
    corrupt = tmp_path / "corrupt.onnx"
    corrupt.write_bytes(b"\x08\x07garbage that is not protobuf" * 10)
    result = run_cli("config", "init", corrupt)
    assert result.exit_code == 3
    assert "not a readable ONNX model" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


def test_guess_range_by_dimension_name():
    assert guess_range(3, 1) == (3, 3, 3)
    assert guess_range("batch", 0) == (1, 1, 8)
    assert guess_range("sequence", 1) == (1, 128, 512)
    assert guess_range("height", 2) == (224, 224, 224)
    assert guess_range(None, 0) == (1, 1, 8)


# The starter's values and allowed-values comments come from the config models (issue 21: defaults declared once).

def _starter_text(model: Path) -> str:
    from trtkit.io.onnx_model import graph_inputs, load_onnx

    return starter_config(model, None, graph_inputs(load_onnx(model)))


def _written_keys(text: str) -> dict[str, dict[str, object]]:
    """The uncommented keys the starter writes, per section ("" for the top level), as YAML reads them."""
    data = yaml.safe_load(text)
    written: dict[str, dict[str, object]] = {"": {}}
    for key, value in data.items():
        if isinstance(value, dict):
            written[key] = value
        else:
            written[""][key] = value
    return written


def test_every_value_the_starter_writes_is_the_models_default(example_models):
    text = _starter_text(example_models["transformer_encoder"])
    loaded = validate_config(*parse_yaml(text, "starter"))
    default = PipelineConfig()
    written = _written_keys(text)
    compared = 0
    for section, keys in written.items():
        model = PipelineConfig if section == "" else type(getattr(default, section))
        for key in keys:
            assert key in model.model_fields, f"{section}.{key} is not a field of {model.__name__}"
            if (section, key) in (("", "model"), ("build", "profiles")):
                continue  # read from the ONNX model, not defaults
            expected = getattr(default if section == "" else getattr(default, section), key)
            actual = getattr(loaded if section == "" else getattr(loaded, section), key)
            assert actual == expected, f"{section}.{key}: starter writes {actual!r}, the default is {expected!r}"
            compared += 1
    assert compared == 16  # workdir, backend, 3 convert, 1 build, 6 profile, 1 lint, 2 compare, 1 run


@contextmanager
def _patched_default(model: type[BaseModel], key: str, **field_attributes: object):
    """`model`'s field `key` with another default for the duration (the models are rebuilt around it)."""
    info = model.model_fields[key]
    saved = {name: getattr(info, name) for name in field_attributes}
    try:
        for name, value in field_attributes.items():
            setattr(info, name, value)
        model.model_rebuild(force=True)
        PipelineConfig.model_rebuild(force=True)
        yield
    finally:
        for name, value in saved.items():
            setattr(info, name, value)
        model.model_rebuild(force=True)
        PipelineConfig.model_rebuild(force=True)


def test_the_starter_follows_a_changed_model_default(example_models):
    before = _starter_text(example_models["resnet18"])
    with (_patched_default(ProfileConfig, "iterations", default=25),
          _patched_default(ProfileConfig, "percentiles", default_factory=lambda: [50.0, 99.5]),
          _patched_default(ProfileConfig, "warmup", default="1.5s"),
          _patched_default(CompareConfig, "max_regression", default="2.5%")):
        text = _starter_text(example_models["resnet18"])
        loaded = validate_config(*parse_yaml(text, "starter"))
    assert "  iterations: 25\n" in text and "  percentiles: [50, 99.5]\n" in text
    assert "  warmup: 1.5s\n" in text and "  max_regression: 2.5%\n" in text
    assert loaded.profile.iterations == 25 and loaded.profile.percentiles == [50.0, 99.5]
    assert loaded.profile.warmup == 1.5 and loaded.compare.max_regression == 2.5
    assert "  iterations: 25\n" not in before and _starter_text(example_models["resnet18"]) == before  # restored


def test_allowed_values_comments_are_the_literal_choices(example_models):
    text = _starter_text(example_models["resnet18"])
    fields = {"backend": (PipelineConfig, "backend"), "precision": (ConvertConfig, "precision"),
              "quantize": (QuantizeConfig, "mode"), "fail_on": (LintConfig, "fail_on")}
    listed = {match.group(1): match.group(2).split(" | ")
              for match in re.finditer(r"(\w+): .*?#\s*([\w-]+(?: \| [\w-]+)+)", text)}
    assert set(listed) == set(fields)
    for key, (model, field) in fields.items():
        annotation = model.model_fields[field].annotation
        # flattened independently of the starter: Literal, or a union of Literals (fail_on)
        parts = typing.get_args(annotation) if typing.get_origin(typing.get_args(annotation)[0]) else (annotation,)
        assert listed[key] == [value for part in parts for value in typing.get_args(part)], key
