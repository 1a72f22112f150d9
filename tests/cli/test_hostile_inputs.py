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


def _special(tmp_path: Path, kind: str, name: str) -> Path:
    """A FIFO, directory, socket or character device (a copy of /dev/full's node, never written) at `name`."""
    import socket
    import stat

    path = tmp_path / name
    if kind == "fifo":
        os.mkfifo(path)
    elif kind == "directory":
        path.mkdir()
    elif kind == "socket":
        server = socket.socket(socket.AF_UNIX)
        server.bind(str(path))
        server.close()  # the socket file stays
    else:
        try:
            os.mknod(path, stat.S_IFCHR | 0o600, os.stat("/dev/full").st_rdev)
        except (PermissionError, OSError) as error:
            pytest.skip(f"cannot make a device node here: {error}")
    return path


def _kind(path: Path) -> int:
    return os.lstat(path).st_mode & 0o170000


SPECIAL_KINDS = ["fifo", "directory", "socket", "device"]


@pytest.mark.parametrize("kind", SPECIAL_KINDS)
@pytest.mark.parametrize("command", ["report", "lint", "migrate", "config-schema", "config-init", "convert",
                                     "build"])
def test_output_that_is_not_a_regular_file_is_refused(run_cli, fixtures_dir, example_models, tmp_path, kind,
                                                      command):
    out = tmp_path / "out"
    out.mkdir()
    target = _special(out, kind, {"build": "m.engine", "convert": "m.onnx"}.get(command, "result"))
    model = example_models["resnet18"]
    args = {"report": ["report", fixtures_dir / "trt8/resnet18-a100/fp16", "-o", target],
            "lint": ["lint", model, "--format", "json", "-o", target],
            "migrate": ["migrate", "trtexec --onnx=m.onnx", "-o", target, "--force"],
            "config-schema": ["config", "schema", "-o", target],
            "config-init": ["config", "init", model, "-o", target, "--force"],
            "convert": ["convert", model, "-o", target, "--no-verify"],
            "build": ["build", model, "--backend", "tensorrt-rtx", "--shapes", "input:1x3x64x64", "-o", target]
            }[command]
    before = sorted(out.iterdir())
    mode = _kind(target)
    result = run_cli(*args)
    assert result.exit_code == 2, result
    [line] = result.stderr.strip().splitlines()
    assert "exists and is not a regular file" in line and str(target) in line, line
    assert _kind(target) == mode and sorted(out.iterdir()) == before  # untouched, nothing beside it


def test_build_refuses_a_companion_that_is_not_a_regular_file(run_cli, example_models, tmp_path):
    fifo = _special(tmp_path, "fifo", "m.engine.build.log")
    result = run_cli("build", example_models["resnet18"], "--backend", "tensorrt-rtx", "--shapes",
                     "input:1x3x64x64", "-o", tmp_path / "m.engine")
    assert result.exit_code == 2 and "build log" in result.stderr and "a FIFO" in result.stderr, result
    assert sorted(tmp_path.iterdir()) == [fifo]


@pytest.mark.parametrize("kind", SPECIAL_KINDS)
def test_atomic_writes_never_replace_a_special_file(tmp_path, kind):
    from trtkit.errors import UsageError
    from trtkit.io.atomic import staged_writes, write_text_atomic

    target = _special(tmp_path, kind, "target")
    mode = _kind(target)
    with pytest.raises(UsageError, match="not a regular file"):
        write_text_atomic(target, "text")
    with pytest.raises(UsageError, match="not a regular file"), staged_writes() as stage:
        stage(tmp_path / "first.json", "{}")
        stage(target, "text")
    assert _kind(target) == mode and sorted(tmp_path.iterdir()) == [target]


def test_run_refuses_a_special_file_in_place_of_its_engine(run_cli, example_models, tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    fifo = _special(out, "fifo", "m.engine")
    config = tmp_path / "pipeline.yaml"
    config.write_text(f"model: {example_models['resnet18']}\nname: m\nbackend: tensorrt-rtx\nworkdir: out\n"
                      "run:\n  stages: [build]\nbuild:\n  profiles:\n    p:\n      min: input:1x3x64x64\n"
                      "      opt: input:1x3x64x64\n      max: input:1x3x64x64\n")
    result = run_cli("run", config)
    assert result.exit_code == 2, result
    assert "not a regular file (a FIFO)" in " ".join(result.stderr.split())
    assert _kind(fifo) == 0o010000  # still a FIFO


def _odd_model(folder: Path, kind: str) -> Path:
    """A zero-byte file, a graph with a cycle, a rank-0 (scalar) input, or weights whose external file is gone."""
    import numpy as np
    import onnx
    from onnx import TensorProto, helper, numpy_helper

    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{kind}.onnx"
    vector = [helper.make_tensor_value_info("x", TensorProto.FLOAT, [4])], \
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, [4])]
    if kind == "zero-byte":
        path.write_bytes(b"")
        return path
    if kind == "cyclic":
        graph = helper.make_graph([helper.make_node("Relu", ["b"], ["a"], name="first"),
                                   helper.make_node("Relu", ["a"], ["b"], name="second"),
                                   helper.make_node("Add", ["x", "a"], ["y"], name="out")], "cyclic", *vector)
    elif kind == "rank-0":
        graph = helper.make_graph([helper.make_node("Relu", ["x"], ["y"])], "scalar",
                                  [helper.make_tensor_value_info("x", TensorProto.FLOAT, [])],
                                  [helper.make_tensor_value_info("y", TensorProto.FLOAT, [])])
    else:
        weight = numpy_helper.from_array(np.ones(4, np.float32), "weight")
        graph = helper.make_graph([helper.make_node("Add", ["x", "weight"], ["y"])], "weights", *vector, [weight])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)], ir_version=9)
    if kind == "missing-external-data":
        onnx.save(model, str(path), save_as_external_data=True, location=f"{kind}.onnx.data", size_threshold=0)
        (folder / f"{kind}.onnx.data").unlink()
    else:
        onnx.save(model, str(path))
    return path


@pytest.mark.parametrize("kind, expected", [
    ("zero-byte", "is not an ONNX model (an empty file)"),
    ("cyclic", "the graph has a cycle through node(s) first, second"),
    ("missing-external-data", "tensor 'weight' keeps its data in 'missing-external-data.onnx.data', which is not "
                              "beside the model"),
])
def test_broken_models_are_bad_input_in_convert_and_run(run_cli, tmp_path, kind, expected):
    model = _odd_model(tmp_path / "models", kind)
    converted = run_cli("convert", model, "-o", tmp_path / "out" / "converted.onnx")
    assert converted.exit_code == 3, converted
    [line] = converted.stderr.strip().splitlines()
    assert expected in line, line
    assert not (tmp_path / "out").exists()
    config = tmp_path / "pipeline.yaml"
    config.write_text(f"model: {model}\nbackend: tensorrt-rtx\nworkdir: work\n")
    ran = run_cli("run", config)
    assert ran.exit_code == 3 and expected in " ".join(ran.stderr.split()), ran
    assert "internal error" not in ran.stderr


def test_rank_0_model_converts_and_runs(run_cli, tmp_path):
    """A scalar input is a valid model (it reached exit 70: random data for it was a numpy scalar, not an array)."""
    model = _odd_model(tmp_path / "models", "rank-0")
    converted = run_cli("--json", "convert", model, "-o", tmp_path / "out" / "converted.onnx")
    assert converted.exit_code == 0, converted.stderr
    assert converted.json()["passed"] is True
    config = tmp_path / "pipeline.yaml"
    config.write_text(f"model: {model}\nbackend: tensorrt-rtx\nworkdir: work\nrun:\n  stages: [convert, build]\n")
    ran = run_cli("run", config)
    assert ran.exit_code == 0, ran.stderr
    assert (tmp_path / "work" / "rank-0.engine").is_file()


NOT_UTF8 = os.fsdecode(b"m\xff")  # a byte that is no UTF-8: Python carries it as a lone surrogate (PEP 383)


def test_report_on_non_utf8_file_names(run_cli, fixtures_dir, tmp_path):
    engine = tmp_path / f"engine-{NOT_UTF8}"
    engine.mkdir()
    for path in (fixtures_dir / "trt8/resnet18-a100/fp16").iterdir():
        shutil.copy(path, engine / path.name.replace("resnet", f"res{NOT_UTF8}net"))
    for graph in ("--graph", "--no-graph"):
        output = tmp_path / f"report-{NOT_UTF8}{graph}.html"
        result = run_cli("report", engine, "-o", output, graph)
        assert result.exit_code == 0, result
        assert "resm\ufffdnet.onnx.engine" in output.read_text(encoding="utf-8")  # U+FFFD for the odd byte


def test_build_and_convert_on_a_non_utf8_model_path(run_cli, example_models, tmp_path):
    model = tmp_path / f"{NOT_UTF8}.onnx"
    shutil.copy(example_models["resnet18"], model)
    built = run_cli("build", model, "--backend", "tensorrt-rtx", "--shapes", "input:1x3x64x64",
                    "-o", tmp_path / "out" / "m.engine")
    assert built.exit_code == 3, built
    [line] = built.stderr.strip().splitlines()
    assert "is not valid UTF-8" in line and "rename" in line
    converted = run_cli("convert", model, "-o", tmp_path / "out" / "m.onnx")  # onnxruntime verifies it
    assert converted.exit_code == 3 and "is not valid UTF-8" in converted.stderr, converted
    assert not (tmp_path / "out").exists()
    assert run_cli("convert", model, "-o", tmp_path / "out" / "m.onnx", "--no-verify").exit_code == 0


def test_migrate_unbalanced_quote_is_a_usage_error(run_cli):
    result = run_cli("migrate", "trtexec --onnx=\"model.onnx --fp16")
    assert result.exit_code == 2, result
    [line] = result.stderr.strip().splitlines()
    assert "no closing quotation" in line


@pytest.mark.parametrize("special", ["directory", "fifo", "/dev/zero"])
def test_migrate_log_that_is_not_a_regular_file(tmp_path, special):
    if special == "directory":
        log = tmp_path / "logs"
        log.mkdir()
    elif special == "fifo":
        log = tmp_path / "trtexec.log"
        os.mkfifo(log)  # no writer: reading would block forever
    else:
        log = Path(special)  # reading would never end
    result = run_subprocess("migrate", "--log", log)
    assert result.exit_code == 3, result
    [line] = result.stderr.strip().splitlines()
    assert "is not a regular file" in line, line


@pytest.mark.parametrize("command", ["run", "sweep"])
def test_workdir_that_is_a_file(run_cli, example_models, tmp_path, command):
    (tmp_path / "taken").write_text("not a folder")
    config = tmp_path / "pipeline.yaml"
    config.write_text(f"model: {example_models['resnet18']}\nbackend: tensorrt-rtx\nworkdir: taken\n"
                      "sweep:\n  axes:\n    convert.precision: [fp32, fp16]\n")
    result = run_cli(command, config)
    assert result.exit_code == 2, result
    [line] = result.stderr.strip().splitlines()
    assert "is not a directory" in line and "taken" in line, line
    assert (tmp_path / "taken").read_text() == "not a folder"
