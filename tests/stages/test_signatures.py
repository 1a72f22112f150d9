"""The stage signature convention (trtkit/config/context.py): every stage entry point is called as
`stage(inputs..., section, context=DEFAULT_CONTEXT, *, stage-specific keywords)`, and the context it is given is
the one it uses (its folder, its backend)."""

from __future__ import annotations

import dataclasses
import importlib
import inspect

import pytest
from pydantic import BaseModel

from trtkit.config.context import DEFAULT_CONTEXT, StageContext
from trtkit.config.models import StrictModel

# (stage module, entry point, how many inputs come first, the typed section or options class after them)
ENTRY_POINTS = [
    ("build", "build_engine", 2, "BuildConfig"),
    ("profile", "profile_engine", 1, "ProfileConfig"),
    ("convert", "convert", 2, "ConvertConfig"),
    ("compare", "compare_engines", 2, "CompareConfig"),
    ("compare", "compare_outputs", 2, "CompareConfig"),
    ("layerwise", "compare_layerwise", 2, "CompareConfig"),
    ("debug_precision", "debug_precision", 1, "ConvertConfig"),
    ("inspect", "run_inspect", 1, "InspectOptions"),
    ("lint", "run_lint_paths", 1, "LintOptions"),
]


def _section_class(module, name: str) -> type:
    """The class an annotation names: a config section of trtkit.config.models or the stage module's options."""
    from trtkit.config import models

    return getattr(models, name, None) or getattr(module, name)


@pytest.mark.parametrize(("stage", "function", "inputs", "section"), ENTRY_POINTS,
                         ids=[f"{stage}.{function}" for stage, function, _, _ in ENTRY_POINTS])
def test_each_stage_takes_its_inputs_a_typed_section_then_the_context(stage, function, inputs, section):
    module = importlib.import_module(f"trtkit.stages.{stage}")
    parameters = list(inspect.signature(getattr(module, function)).parameters.values())
    positional = [p for p in parameters if p.kind is inspect.Parameter.POSITIONAL_OR_KEYWORD]
    assert len(positional) == inputs + 2, [p.name for p in parameters]
    assert all(p.default is inspect.Parameter.empty for p in positional[:inputs + 1])  # inputs and section given
    assert positional[inputs].annotation == section
    chosen = _section_class(module, section)
    assert (issubclass(chosen, BaseModel) and issubclass(chosen, StrictModel)) or dataclasses.is_dataclass(chosen)
    context = positional[inputs + 1]
    assert (context.name, context.annotation, context.default) == ("context", "StageContext", DEFAULT_CONTEXT)
    # what is only this stage's comes by keyword; no stage takes the pipeline or a folder or backend of its own
    assert all(p.kind is inspect.Parameter.KEYWORD_ONLY for p in parameters[inputs + 2:])
    assert not {p.name for p in parameters} & {"settings", "base_dir", "backend", "on_phase", "on_step", "on_log",
                                               "while_building"}
    assert "PipelineConfig" not in {p.annotation for p in parameters}


def test_the_default_context_is_the_current_directory_when_the_stage_runs(tmp_path, monkeypatch):
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    monkeypatch.chdir(tmp_path / "a")
    assert DEFAULT_CONTEXT.resolve("data.npz") == tmp_path / "a" / "data.npz"
    monkeypatch.chdir(tmp_path / "b")  # not the folder the default was made in
    assert DEFAULT_CONTEXT.resolve("data.npz") == tmp_path / "b" / "data.npz"
    assert (DEFAULT_CONTEXT.backend, DEFAULT_CONTEXT.workdir.name) == ("auto", "trtkit-out")
    from trtkit.io.output_settings import OUTPUT

    assert DEFAULT_CONTEXT.output is OUTPUT and StageContext().output is OUTPUT


def test_compare_outputs_reads_the_data_relative_to_the_context_folder(example_models, tmp_path, monkeypatch):
    import numpy as np

    from trtkit.config.models import CompareConfig
    from trtkit.errors import InputFileError
    from trtkit.stages.compare import compare_outputs

    folder = tmp_path / "configs"
    folder.mkdir()
    np.savez(folder / "feeds.npz", input=np.random.default_rng(0).standard_normal((1, 3, 64, 64), np.float32))
    monkeypatch.chdir(tmp_path)  # feeds.npz is not here
    section = CompareConfig.model_validate({"data": "feeds.npz"})
    model = example_models["resnet18"]
    result = compare_outputs(model, model, section, StageContext(folder))
    assert result.passed and result.data == f"{folder / 'feeds.npz'} (1 feed(s))"
    with pytest.raises(InputFileError, match="data feeds.npz does not exist"):
        compare_outputs(model, model, section)  # the default context: the current directory


def test_build_uses_the_context_backend(example_models, tmp_path):
    """backend: tensorrt (full TensorRT, absent here) from the context: refused with exit 4 before parsing, where
    the default (auto) builds with TensorRT-RTX."""
    pytest.importorskip("tensorrt_rtx")
    from trtkit.backends.tensorrt import probe
    from trtkit.config.models import BuildConfig
    from trtkit.errors import BackendUnavailableError
    from trtkit.stages.build import build_engine

    if probe("tensorrt").available:
        pytest.skip("full TensorRT is installed here")
    model = example_models["resnet18"]
    shape = "input:1x3x64x64"
    build = BuildConfig.model_validate({"profiles": {"only": {"min": shape, "opt": shape, "max": shape}}})
    with pytest.raises(BackendUnavailableError) as refused:
        build_engine(model, tmp_path / "full.engine", build, StageContext(backend="tensorrt"))
    assert refused.value.exit_code == 4 and not list(tmp_path.glob("full.engine*"))
    result = build_engine(model, tmp_path / "rtx.engine", build, dry_run=True)
    assert result.backend == "tensorrt-rtx" and result.effective_config["backend"] == "auto"
