"""The pipeline config owns its artifact paths: build, profile, convert and run of one config agree on them."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from tests.conftest import SMALL_CNN_PIPELINE
from trtkit.config.loader import load_config


def write_config(folder: Path, text: str) -> Path:
    config = folder / "c.yaml"
    config.write_text(text)
    return config


def test_every_command_derives_the_same_paths(tmp_path: Path) -> None:
    settings = load_config(write_config(tmp_path, "model: nets/cnn.onnx\nworkdir: out\nconvert:\n  precision: fp16\n"
                                                  "build:\n  profiles:\n    p:\n      min: x:1x3\n      opt: x:2x3\n"
                                                  "      max: x:4x3\n"))
    other = tmp_path / "other.onnx"
    assert settings.engine_path() == settings.engine_path(other) == tmp_path / "out" / "cnn.engine"
    assert settings.profiled_engine_path() == settings.engine_path()
    assert settings.converted_path(other) == tmp_path / "out" / "cnn.fp16.onnx"
    assert settings.first_opt_shapes() == {"x": (2, 3)}
    quantized = load_config(None, ["convert.quantize.mode=int8", "build.output=e/x.engine", "profile.engine=p.engine"])
    assert quantized.converted_path(other) == Path.cwd() / "trtkit-out" / "other.int8.onnx"
    assert quantized.engine_path(other) == Path.cwd() / "e" / "x.engine"
    assert quantized.profiled_engine_path() == Path.cwd() / "p.engine"
    assert quantized.first_opt_shapes() is None


def test_profile_finds_the_engine_build_wrote_for_another_model(run_cli, example_models, tmp_path: Path) -> None:
    """`build other.onnx --config c.yaml` then `profile --config c.yaml`: the same engine (it was other.engine
    for build and the config model's engine for profile)."""
    pytest.importorskip("tensorrt_rtx", reason="TensorRT-RTX is not installed (pip install 'trtkit[rtx]')")
    other = tmp_path / "other.onnx"
    shutil.copy(example_models["resnet18"], other)
    config = write_config(tmp_path, SMALL_CNN_PIPELINE.format(model=example_models["resnet18"]) + "workdir: out\n")
    built = run_cli("build", other, "--config", config, "--json")
    assert built.exit_code == 0, built.stderr
    engine = tmp_path / "out" / f"{example_models['resnet18'].stem}.engine"
    assert built.json()["engine"] == str(engine) and engine.is_file()
    profiled = run_cli("profile", "--config", config, "--json")
    assert "does not exist" not in profiled.stderr
    if profiled.exit_code != 0:  # no GPU here: the engine was found, then refused for want of a runtime
        assert profiled.exit_code == 4, profiled.stderr
    else:
        assert profiled.json()["engine"] == str(engine)
