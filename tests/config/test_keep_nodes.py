"""Adding a found keep list to an existing pipeline config: the convert: section gains it with its comments,
everything else (other sections, comments) stays as written, and an earlier keep list is merged."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import yaml

from trtkit.config.keep_nodes import add_keep_fp32_nodes
from trtkit.config.loader import load_config
from trtkit.errors import UsageError

REPO = Path(__file__).resolve().parents[2]
WHY = ["trtkit debug precision: kept so the conversion meets its tolerances"]


def test_existing_example_config_keeps_its_text_and_gains_the_list(tmp_path):
    config = tmp_path / "resnet18.yaml"
    shutil.copy(REPO / "configs" / "resnet18.yaml", config)
    before = config.read_text()
    merged = add_keep_fp32_nodes(config, ["/layer1/layer1\\.0/Add$"], "fp16", WHY, {"/layer1/layer1\\.0/Add$": "0.1"})
    assert merged == ["/layer1/layer1\\.0/Add$"]
    after = config.read_text()
    settings = load_config(config)
    assert settings.convert.keep_fp32_nodes == merged and settings.convert.precision == "fp16"
    assert settings.convert.simplify and settings.convert.fold_constants  # the section's other keys are still there
    for line in before.splitlines():
        if "precision:" not in line:
            assert line in after  # every other line, comments included, is kept
    assert "# trtkit debug precision: kept so" in after and "'/layer1/layer1\\.0/Add$'  # 0.1" in after
    again = add_keep_fp32_nodes(config, ["/fc/Gemm$", "/layer1/layer1\\.0/Add$"], "fp16", WHY)
    assert again == ["/layer1/layer1\\.0/Add$", "/fc/Gemm$"]
    assert load_config(config).convert.keep_fp32_nodes == again


def test_flow_list_is_merged_and_a_missing_section_is_added(tmp_path):
    flow = tmp_path / "flow.yaml"
    flow.write_text("model: m.onnx\nconvert:\n  precision: bf16\n  keep_fp32_nodes: [a, b]\n  simplify: false\n"
                    "build:\n  workspace: 1GiB\n")
    assert add_keep_fp32_nodes(flow, ["c$"], "fp16", WHY) == ["a", "b", "c$"]
    settings = load_config(flow)
    assert settings.convert.precision == "fp16" and settings.convert.simplify is False
    assert settings.build.workspace == 2**30
    plain = tmp_path / "plain.yaml"
    plain.write_text("model: m.onnx  # the model\n")
    add_keep_fp32_nodes(plain, ["x$"], "fp16", WHY)
    assert load_config(plain).convert.keep_fp32_nodes == ["x$"] and "# the model" in plain.read_text()


def test_a_section_it_cannot_edit_is_left_alone(tmp_path):
    flow = tmp_path / "flow.yaml"
    flow.write_text("convert: {precision: fp16}\n")
    with pytest.raises(UsageError, match="flow style"):
        add_keep_fp32_nodes(flow, ["x$"], "fp16", WHY)
    assert flow.read_text() == "convert: {precision: fp16}\n"
    broken = tmp_path / "broken.yaml"
    broken.write_text("convert: [\n")
    with pytest.raises(UsageError, match="not valid YAML"):
        add_keep_fp32_nodes(broken, ["x$"], "fp16", WHY)
    assert yaml.safe_load(flow.read_text()) == {"convert": {"precision": "fp16"}}
