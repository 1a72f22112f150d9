"""A pipeline renamed (`name:`) in the same work directory redoes the stages whose files carry the name: the old
name's records are not "unchanged" for the new name's files (compare's inputs do not carry the name, so its
report was never written and a sweep point was "done" without accuracy). Real conversions of the small CNN."""

from __future__ import annotations

import importlib.util
import json

import pytest

needs_modelopt = pytest.mark.skipif(importlib.util.find_spec("modelopt") is None,
                                    reason="Model Optimizer is not installed (make install)")


@needs_modelopt
def test_renamed_pipeline_writes_the_new_names_artifacts(run_cli, example_models, tmp_path):
    config = tmp_path / "pipeline.yaml"
    body = (f"model: {example_models['resnet18']}\nbackend: tensorrt-rtx\nconvert:\n  precision: fp16\n"
            "compare:\n  tolerances:\n    \"*\": {atol: 0.05, rtol: 0.01}\nrun:\n  stages: [convert, compare]\n")
    config.write_text("name: first\n" + body)
    assert run_cli("run", config).exit_code == 0
    config.write_text("name: second\n" + body)
    result = run_cli("--json", "run", config)
    assert result.exit_code == 0, result.stdout + result.stderr
    statuses = {outcome["stage"]: outcome["status"] for outcome in result.json()["outcomes"]}
    assert statuses == {"convert": "ran", "compare": "ran"}, statuses
    workdir = tmp_path / "trtkit-out"
    assert (workdir / "second.fp16.onnx").is_file()
    assert json.loads((workdir / "second.compare.json").read_text())["outputs"]
