"""The config models: defaults, round trips through `config show`, and the JSON Schema."""

import json

import pytest
import yaml

from trtkit.config.loader import load_config, parse_yaml, validate_config
from trtkit.config.models import PipelineConfig


def test_profile_defaults_match_tensorrt_11_trtexec():
    profile = PipelineConfig().profile
    assert (profile.cuda_graph, profile.spin_wait, profile.transfers) == (True, True, False)
    assert profile.warmup == pytest.approx(0.2) and profile.duration == pytest.approx(3.0)


def test_trtexec_defaults_file_says_what_the_models_default_to():
    # configs/trtexec-defaults.yaml spells out trtexec's defaults; the models claim the same ones for profile:
    from tests.conftest import REPO

    written = yaml.safe_load((REPO / "configs" / "trtexec-defaults.yaml").read_text())
    loaded, default = load_config(REPO / "configs" / "trtexec-defaults.yaml"), PipelineConfig()
    assert written["profile"] and written["backend"] == default.backend
    for key in written["profile"]:
        assert getattr(loaded.profile, key) == getattr(default.profile, key), key


def test_data_spec_accepts_a_path_shorthand():
    config = validate_config(*parse_yaml("convert:\n  data: calib.npz\n", "p.yaml"))
    assert str(config.convert.data.path) == "calib.npz" and config.convert.data.seed == 0


def test_data_spec_ranges_must_be_ordered():
    from trtkit.errors import ConfigError

    with pytest.raises(ConfigError, match="low 5.0 above high 1.0"):
        validate_config(*parse_yaml("profile:\n  data: {ranges: {x: [5, 1]}}\n", "p.yaml"))


def test_compute_capabilities_read_from_yaml_floats():
    config = validate_config(*parse_yaml("build:\n  compute_capabilities: [8.6, 12.0]\n", "p.yaml"))
    assert config.build.compute_capabilities == ["8.6", "12.0"]


@pytest.mark.parametrize("name", ["resnet18.yaml", "transformer_encoder.yaml", "trtexec-defaults.yaml"])
def test_effective_config_round_trips(name, run_cli, tmp_path):
    from tests.conftest import REPO

    source = REPO / "configs" / name
    shown = run_cli("config", "show", source, "--set", "build.workspace=3GiB")
    assert shown.exit_code == 0, shown.stderr
    copy = source.parent / f".roundtrip-{name}"
    try:
        copy.write_text(shown.stdout)
        again = load_config(copy)
    finally:
        copy.unlink()
    original = load_config(source, ["build.workspace=3GiB"])
    assert again.model_dump() == original.model_dump()
    assert yaml.safe_load(shown.stdout)["build"]["workspace"] == "3GiB"


def test_schema_is_valid_and_accepts_shipped_configs(run_cli):
    jsonschema = pytest.importorskip("jsonschema")
    from tests.conftest import REPO

    result = run_cli("config", "schema")
    assert result.exit_code == 0
    schema = json.loads(result.stdout)
    jsonschema.Draft202012Validator.check_schema(schema)
    validator = jsonschema.Draft202012Validator(schema)
    for path in sorted((REPO / "configs").glob("*.yaml")):
        errors = list(validator.iter_errors(yaml.safe_load(path.read_text())))
        assert not errors, f"{path.name}: {errors[0].message}"
    assert list(validator.iter_errors({"biuld": {}})), "the schema must reject unknown sections"
