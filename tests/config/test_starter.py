"""`trtkit config init`: a starter config read from a model, which validates as written."""

import yaml

from trtkit.config.loader import load_config
from trtkit.config.starter import guess_range


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
