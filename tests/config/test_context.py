"""StageContext.for_config: the context of a pipeline config resolves like the config itself."""

from __future__ import annotations

from trtkit.config.context import StageContext, StageEvents
from trtkit.config.loader import load_config


def test_for_config_resolves_relative_paths_against_the_config_folder(tmp_path, monkeypatch):
    folder = tmp_path / "project" / "configs"
    folder.mkdir(parents=True)
    config = folder / "pipeline.yaml"
    config.write_text("model: ../models/m.onnx\nworkdir: out\nbackend: tensorrt-rtx\n"
                      "convert:\n  data: feeds.npz\n")
    monkeypatch.chdir(tmp_path)  # not the config's folder
    settings = load_config(config)
    context = StageContext.for_config(settings)
    assert context.base_dir == folder == settings.base_dir
    assert context.resolve("feeds.npz") == folder / "feeds.npz" == settings.resolve("feeds.npz")
    assert context.resolve(settings.model) == tmp_path / "project" / "models" / "m.onnx"
    assert context.resolve(tmp_path / "elsewhere.npz") == tmp_path / "elsewhere.npz"  # absolute stays
    assert context.workdir == folder / "out" and settings.engine_path().parent == context.workdir
    assert context.backend == "tensorrt-rtx"
    assert context.events == StageEvents()


def test_without_a_config_file_the_context_is_the_current_directory(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    context = StageContext.for_config(load_config(None))
    assert context.base_dir == tmp_path and context.workdir == tmp_path / "trtkit-out"
    assert (context.backend, context.resolve("x.onnx")) == ("auto", tmp_path / "x.onnx")


def test_first_opt_shapes_is_the_build_section_s(tmp_path):
    config = tmp_path / "p.yaml"
    config.write_text("build:\n  profiles:\n    small:\n      min: input:1x3x8x8\n      opt: input:2x3x8x8\n"
                      "      max: input:4x3x8x8\n    large:\n      min: input:8x3x8x8\n      opt: input:8x3x8x8\n"
                      "      max: input:8x3x8x8\n")
    settings = load_config(config)
    assert settings.build.first_opt_shapes() == {"input": (2, 3, 8, 8)} == settings.first_opt_shapes()
    assert load_config(None).build.first_opt_shapes() is None
