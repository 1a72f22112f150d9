"""`trtkit run` never reports a stage unchanged when its input file changed: a same-size model copied in with the
old modification time kept (cp -p, rsync -t, tar) is hashed again, and the stages that read it run again."""

import os
import shutil

import onnx
from make_models import SMALL, resnet18


def _statuses(result) -> dict[str, str]:
    return {stage["stage"]: stage["status"] for stage in result.json()["outcomes"]}


def test_a_same_size_model_with_the_old_mtime_reruns_convert(run_cli, tmp_path):
    model, retrained = tmp_path / "model.onnx", tmp_path / "retrained.onnx"
    onnx.save(resnet18(**SMALL["resnet18"]), str(model))
    onnx.save(resnet18(**SMALL["resnet18"], seed=1), str(retrained))  # other weights, the same graph and size
    assert model.stat().st_size == retrained.stat().st_size and model.read_bytes() != retrained.read_bytes()
    config = tmp_path / "pipeline.yaml"
    config.write_text(f"model: {model}\nbackend: tensorrt-rtx\nworkdir: work\nrun:\n  stages: [convert]\n")
    first = run_cli("run", config, "--json")
    assert first.exit_code == 0, first.stderr
    assert _statuses(first) == {"convert": "ran"}
    assert _statuses(run_cli("run", config, "--json")) == {"convert": "unchanged"}

    before = model.stat()
    shutil.copyfile(retrained, model)
    os.utime(model, ns=(before.st_atime_ns, before.st_mtime_ns))  # what cp -p or rsync -t leaves
    assert (model.stat().st_size, model.stat().st_mtime_ns) == (before.st_size, before.st_mtime_ns)
    second = run_cli("run", config, "--json")
    # was "unchanged": the manifest trusted size and modification time, and reported the old model's results
    assert _statuses(second) == {"convert": "ran"}, second.stdout
    [converted] = (tmp_path / "work").glob("*.onnx")
    weights = {init.name: init.raw_data for init in onnx.load(str(converted)).graph.initializer}
    original = {init.name: init.raw_data for init in onnx.load(str(retrained)).graph.initializer}
    assert weights.keys() & original.keys() and all(weights[name] == original[name]
                                                     for name in weights.keys() & original.keys())

    os.utime(model)  # touched only: hashed again, the same bytes, nothing to redo
    assert _statuses(run_cli("run", config, "--json")) == {"convert": "unchanged"}
