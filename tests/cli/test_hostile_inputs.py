"""Hostile and odd inputs through the CLI (issue 18, items 1, 2, 14 and 15): external data outside the model's
folder, outputs onto things that are not regular files, special input files, and inputs that used to reach the
internal-error exit 70. Each is one line on stderr with exit 2 or 3, and nothing is written."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from tests.conftest import run_subprocess


def _files(root: Path) -> dict[str, bytes]:
    return {str(path.relative_to(root)): path.read_bytes() for path in sorted(root.rglob("*"))
            if path.is_file() and not path.is_symlink()}


def _escaping_model(example: Path, root: Path, how: str) -> Path:
    """The example model with its weights in external data that lies outside its folder: `root/secret.data`,
    named as `../../secret.data`, by absolute path, or through a symlink inside the folder."""
    import onnx

    folder = root / "a" / "b"
    folder.mkdir(parents=True)
    model = onnx.load(str(example))
    onnx.save(model, str(folder / "m.onnx"), save_as_external_data=True, all_tensors_to_one_file=True,
              location="m.onnx.data", size_threshold=0)
    shutil.move(folder / "m.onnx.data", root / "secret.data")
    location = {"dotdot": "../../secret.data", "absolute": str(root / "secret.data"), "symlink": "link.data"}[how]
    if how == "symlink":
        (folder / "link.data").symlink_to(root / "secret.data")
    model = onnx.load(str(folder / "m.onnx"), load_external_data=False)
    for tensor in model.graph.initializer:
        for entry in tensor.external_data:
            if entry.key == "location":
                entry.value = location
    onnx.save(model, str(folder / "m.onnx"))
    return folder / "m.onnx"


ESCAPES = ["dotdot", "absolute", "symlink"]


@pytest.mark.parametrize("how", ESCAPES)
@pytest.mark.parametrize("command", ["convert", "build", "inspect", "lint", "compare", "run"])
def test_external_data_outside_the_model_folder_is_refused(run_cli, example_models, tmp_path, how, command):
    model = _escaping_model(example_models["resnet18"], tmp_path, how)
    out = tmp_path / "out"
    out.mkdir()
    config = tmp_path / "pipeline.yaml"
    config.write_text(f"model: {model}\nbackend: tensorrt-rtx\nworkdir: {out}\n"
                      "build:\n  profiles:\n    p:\n      min: input:1x3x64x64\n      opt: input:1x3x64x64\n"
                      "      max: input:2x3x64x64\n")
    args = {"convert": ["convert", model, "-o", out / "converted.onnx"],
            "build": ["build", model, "--config", config, "-o", out / "m.engine"],
            "inspect": ["inspect", model, "--json"], "lint": ["lint", model],
            "compare": ["compare", model, example_models["resnet18"]], "run": ["run", config]}[command]
    before = _files(tmp_path)
    result = run_cli(*args)
    assert result.exit_code == 3, result
    lines = result.stderr.strip().splitlines()
    if command == "run":  # run lists its stages too, in a table that wraps the message
        lines = [" ".join(result.stderr.split())]
    [line] = [line for line in lines if "outside the model's folder" in line]
    assert len(lines) == 1, lines
    location = {"dotdot": "'../../secret.data'", "absolute": f"'{tmp_path / 'secret.data'}'",
                "symlink": "'link.data'"}[how]
    assert "tensor '" in line and location in line, line
    secret = (tmp_path / "secret.data").read_bytes()
    after = _files(tmp_path)
    created = {name: data for name, data in after.items() if name not in before}
    assert not any(secret[:4096] in data for data in created.values()), sorted(created)
    if command != "run":  # run keeps its manifest of what each stage did; no model or engine is written
        assert not created, sorted(created)
    else:
        assert set(created) <= {"out/trtkit.manifest.json", "out/.trtkit.lock"}, sorted(created)


def test_external_data_inside_the_folder_still_loads(run_cli, example_models, tmp_path):
    import onnx

    folder = tmp_path / "m"
    folder.mkdir()
    (folder / "weights").mkdir()
    onnx.save(onnx.load(str(example_models["resnet18"])), str(folder / "m.onnx"), save_as_external_data=True,
              location="weights/m.data", size_threshold=0)
    result = run_cli("inspect", folder / "m.onnx", "--json")
    assert result.exit_code == 0, result.stderr
    assert result.json()["models"][0]["external_data_files"] == ["weights/m.data"]
