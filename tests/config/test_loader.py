"""Config loading: every problem is one line with the key path and the YAML line (or the --set)."""

from pathlib import Path

import pytest

from trtkit.config.loader import allowed_keys, load_config, parse_yaml, validate_config
from trtkit.errors import ConfigError, InputFileError, UsageError


def problems(text: str, overrides=()) -> list[str]:
    with pytest.raises(ConfigError) as caught:
        data, sources = parse_yaml(text, "pipeline.yaml")
        from trtkit.config.loader import apply_overrides
        apply_overrides(data, list(overrides), sources)
        validate_config(data, sources)
    return caught.value.lines()


def test_misspelled_section_names_line_and_suggestion():
    assert problems("model: m.onnx\nbiuld:\n  workspace: 2GiB\n") == [
        "pipeline.yaml:2: biuld: unknown key at the top level; did you mean 'build'?"]


def test_wrong_type_names_path_line_and_expected_form():
    assert problems("model: m.onnx\nbuild:\n  workspace: lots\n") == [
        "pipeline.yaml:3: build.workspace: expected a size such as 4GiB, 512MiB or a number of bytes, got 'lots'"]


def test_bad_shape_names_profile_key_and_line():
    text = ("build:\n  profiles:\n    p0:\n      min: input:1x3xAx224\n"
            "      opt: input:1x3x224x224\n      max: input:1x3x224x224\n")
    assert problems(text) == ["pipeline.yaml:4: build.profiles.p0.min: input 'input': expected a shape such as "
                              "1x3x224x224, got '1x3xAx224'"]


def test_min_above_max_is_rejected_at_the_profile():
    text = ("build:\n  profiles:\n    p0:\n      min: input:8x3x224x224\n"
            "      opt: input:4x3x224x224\n      max: input:4x3x224x224\n")
    [line] = problems(text)
    assert line.startswith("pipeline.yaml:3: build.profiles.p0: input 'input': need min <= opt <= max")


def test_profile_inputs_must_match():
    [line] = problems("build:\n  profiles:\n    p:\n      min: a:1\n      opt: a:1\n      max: b:1\n")
    assert "must name the same inputs" in line


def test_unknown_nested_key_suggests_sibling():
    assert problems("build:\n  dla:\n    cor: 1\n") == [
        "pipeline.yaml:3: build.dla.cor: unknown key in build.dla; did you mean 'core'?"]


def test_unknown_key_without_close_match_lists_valid_keys():
    [line] = problems("lint:\n  zzzz: 1\n")
    assert line.startswith("pipeline.yaml:2: lint.zzzz: unknown key in lint; valid keys: fail_on, enable, disable")


def test_bad_choice_suggests_the_nearest():
    [line] = problems("backend: tensorrt_rtx\n")
    assert line.startswith("pipeline.yaml:1: backend: Input should be 'auto', 'tensorrt' or 'tensorrt-rtx'")
    assert line.endswith("did you mean 'tensorrt-rtx'?")


def test_list_items_are_located():
    assert problems("build:\n  precision:\n    - fp16\n    - int9\n")[0].startswith(
        "pipeline.yaml:4: build.precision[1]: Input should be")


def test_missing_required_key_points_at_its_section():
    assert problems("convert:\n  quantize:\n    method: max\n") == [
        "pipeline.yaml:2: convert.quantize.mode: required key is missing; add it"]


def test_several_problems_are_all_reported():
    assert len(problems("biuld: {}\nprofile:\n  warmup: 200\n")) == 2


def test_duplicate_keys_are_an_error():
    assert problems("build: {}\nbuild: {}\n") == ["pipeline.yaml:2: build: duplicate key; keep one of them"]


def test_invalid_yaml_names_the_line():
    [line] = problems("build:\n  - a\n b: c\n")
    assert line.startswith("pipeline.yaml:3: not valid YAML")


def test_top_level_must_be_a_mapping():
    assert problems("- a\n") == ["pipeline.yaml:1: the top level must be a mapping of sections (model, build, ...)"]


def test_empty_file_is_all_defaults(tmp_path):
    path = tmp_path / "empty.yaml"
    path.write_text("")
    config = load_config(path)
    assert config.backend == "auto" and config.profile.cuda_graph and not config.profile.transfers


def test_overrides_set_typed_values():
    config = load_config(None, ["build.workspace=2GiB", "build.precision=[fp16]", "profile.cuda_graph=false",
                                "profile.warmup=50ms"])
    assert config.build.workspace == 2 * 2**30
    assert config.build.precision == ["fp16"]
    assert config.profile.cuda_graph is False
    assert config.profile.warmup == pytest.approx(0.05)


def test_override_errors_name_the_override():
    assert problems("build: {}\n", ["build.workspace=lots"]) == [
        "--set build.workspace=lots: build.workspace: expected a size such as 4GiB, 512MiB or a number of bytes, "
        "got 'lots'"]
    assert problems("", ["build.worksp=1GiB"]) == [
        "--set build.worksp=1GiB: build.worksp: unknown key in build; did you mean 'workspace'?"]


def test_override_needs_key_and_value(tmp_path):
    with pytest.raises(UsageError, match="expected KEY=VALUE"):
        load_config(None, ["build.workspace"])
    path = tmp_path / "p.yaml"
    path.write_text("backend: auto\n")
    with pytest.raises(UsageError, match="backend is a value, not a section"):
        load_config(path, ["backend.x=1"])


def test_missing_file_is_an_input_error(tmp_path):
    with pytest.raises(InputFileError, match="does not exist"):
        load_config(tmp_path / "nope.yaml")


def test_relative_paths_resolve_against_the_config_folder(tmp_path):
    (tmp_path / "sub").mkdir()
    path = tmp_path / "sub" / "p.yaml"
    path.write_text("model: ../models/m.onnx\n")
    config = load_config(path)
    assert config.resolve(config.model) == (tmp_path / "models" / "m.onnx").resolve()
    assert config.artifact_name == "m"


def test_allowed_keys_walks_dicts_and_optionals():
    assert "min" in allowed_keys(("build", "profiles", "any_name"))
    assert "mode" in allowed_keys(("convert", "quantize"))
    assert "seed" in allowed_keys(("convert", "quantize", "calibration"))


def test_shipped_configs_validate():
    configs = sorted((Path(__file__).resolve().parents[2] / "configs").glob("*.yaml"))
    assert configs, "no shipped configs found"
    for path in configs:
        load_config(path)
