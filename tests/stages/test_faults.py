"""Faults: `convert`, `build`, `report` and `run` killed (SIGKILL) at every step of their commits, a full disk and
a read-only file system under every writing command, and failed commands. After each, every output holds the
complete old set, the complete new set, or nothing; a reader refuses a mix; a later run cleans what a kill left."""

from __future__ import annotations

import contextlib
import errno
import hashlib
import json
import os
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import SMALL_CNN_PIPELINE, run_subprocess
from trtkit.errors import BackendUnavailableError, InputFileError
from trtkit.io.atomic import FAULT_INJECT_ENV

pytest.importorskip("tensorrt_rtx", reason="TensorRT-RTX is not installed (pip install 'trtkit[rtx]')")
KILLED = -9
A100 = "trt8/resnet18-a100"


def _hashes(folder: Path) -> dict[str, str]:
    """The visible files of a folder (hidden ones are trtkit's temporaries and markers) and their SHA-256."""
    return {path.name: hashlib.sha256(path.read_bytes()).hexdigest() for path in sorted(folder.iterdir())
            if path.is_file() and not path.name.startswith(".")}


def _temporaries(folder: Path) -> list[str]:
    return sorted(path.name for path in folder.rglob(".*.tmp"))


def _killed(*args: str | Path, fault: str) -> None:
    result = run_subprocess(*map(str, args), env={FAULT_INJECT_ENV: fault})
    assert result.exit_code == KILLED, (fault, result.exit_code, result.stderr[-1000:])


def _build(config: Path, engine: Path, max_batch: int, fault: str | None = None) -> None:
    args = ("build", "--config", config, "-o", engine, "--set", f"build.profiles.small.max=input:{max_batch}x3x64x64")
    if fault:
        _killed(*args, fault=fault)
    else:
        result = run_subprocess(*map(str, args))
        assert result.exit_code == 0, result.stderr[-2000:]


def _reader_refuses(graph: Path) -> str | None:
    """The one-line error a reader gives for the engine's artifacts, or None when it reads them."""
    from trtkit.plan.loader import load

    try:
        load([graph])
    except InputFileError as error:
        return error.one_line()
    except BackendUnavailableError:
        pass  # an engine without its artifacts is read by TensorRT on a GPU: not here
    return None


@pytest.fixture
def pipeline(example_models, tmp_path) -> Path:
    config = tmp_path / "pipeline.yaml"
    config.write_text(SMALL_CNN_PIPELINE.format(model=example_models["resnet18"]) + "workdir: work\n")
    return config


def test_build_killed_at_every_step_leaves_the_old_set_the_new_set_or_a_refused_mix(pipeline, tmp_path, run_cli):
    old = tmp_path / "old"
    _build(pipeline, old / "m.engine", 4)
    old_hashes = _hashes(old)
    assert sorted(old_hashes) == ["m.engine", "m.engine.build.log", "m.engine.build.metadata.json",
                                  "m.engine.graph.json"]
    states = {}
    for fault in ("staged:1", "rename:1", "rename:2", "rename:3", "rename:4"):  # 4 files: rename:4 is the last
        folder = tmp_path / fault.replace(":", "")
        shutil.copytree(old, folder)
        _build(pipeline, folder / "m.engine", 8, fault=fault)
        now = _hashes(folder)
        assert sorted(now) == sorted(old_hashes), fault  # no member lost, none added
        metadata = json.loads((folder / "m.engine.build.metadata.json").read_text())
        new_metadata = metadata["effective_config"]["build"]["profiles"]["small"]["max"] == "input:8x3x64x64"
        is_old = now == old_hashes
        is_new = new_metadata and all(now[name] != old_hashes[name] for name in now)
        refused = _reader_refuses(folder / "m.engine.graph.json")
        if is_old or is_new:
            assert refused is None, (fault, refused)
        else:  # a mix of the two builds: every reader refuses it, on one line, saying what to do
            assert refused is not None and "are a mix of two builds" in refused, (
                fault, [name for name in now if now[name] == old_hashes[name]], new_metadata, refused)
            assert refused.endswith("rerun trtkit build to write them again")
        states[fault] = "old" if is_old else "new" if is_new else "refused"
    assert states == {"staged:1": "old", "rename:1": "refused", "rename:2": "refused", "rename:3": "refused",
                      "rename:4": "new"}
    mixed = tmp_path / "rename2"
    for args in (("inspect", mixed / "m.engine.graph.json"), ("lint", mixed), ("compare", mixed, old),
                 ("report", mixed, "-o", tmp_path / "r.html")):
        result = run_cli(*args)
        assert result.exit_code == 3 and result.stderr.count("\n") == 1, (args, result.stderr)
        assert "are a mix of two builds" in result.stderr
    assert not (tmp_path / "r.html").exists()
    # the next build of the same engine cleans what the killed ones left and writes a whole set
    leftovers = tmp_path / "staged1"
    assert len(_temporaries(leftovers)) == 4  # engine, log, graph, metadata: written, never renamed
    for folder in (leftovers, mixed):
        _build(pipeline, folder / "m.engine", 8)
        assert _temporaries(folder) == [] and not (folder / ".m.engine.commit").exists()
        assert _reader_refuses(folder / "m.engine.graph.json") is None


def _onnx_state(model: Path) -> tuple[str, list[int]]:
    """The model's SHA-256 and its input's shape, read with its external data (which must all be there)."""
    import onnx

    loaded = onnx.load(str(model), load_external_data=True)
    onnx.checker.check_model(loaded)
    dims = [dim.dim_value or -1 for dim in loaded.graph.input[0].type.tensor_type.shape.dim]
    return hashlib.sha256(model.read_bytes()).hexdigest(), dims


def test_convert_killed_at_every_step_leaves_a_whole_model(example_models, tmp_path):
    import onnx

    source = tmp_path / "source" / "cnn.onnx"
    source.parent.mkdir()
    onnx.save(onnx.load(str(example_models["resnet18"])), str(source), save_as_external_data=True,
              all_tensors_to_one_file=True, location="cnn.onnx.data", size_threshold=0)
    old = tmp_path / "old"
    assert run_subprocess("convert", source, "-o", old / "c.onnx", "--no-verify").exit_code == 0
    old_hash, old_dims = _onnx_state(old / "c.onnx")
    [old_data] = [path.name for path in old.glob("c.onnx.*.data")]
    new_args = ("--no-verify", "--shapes", "input:2x3x64x64")
    states = {}
    for fault in ("staged:1", "rename:1", "rename:2"):  # rename:1 the new weights, rename:2 the model
        folder = tmp_path / fault.replace(":", "")
        shutil.copytree(old, folder)
        _killed("convert", source, "-o", folder / "c.onnx", *new_args, fault=fault)
        model_hash, dims = _onnx_state(folder / "c.onnx")
        states[fault] = "old" if (model_hash, dims) == (old_hash, old_dims) else "new" if dims[0] == 2 else "?"
        # a second run cleans the temporaries and the weights no model refers to
        assert run_subprocess("convert", source, "-o", folder / "c.onnx", *new_args).exit_code == 0
        assert _onnx_state(folder / "c.onnx")[1][0] == 2 and _temporaries(folder) == []
        assert old_data not in {path.name for path in folder.iterdir()}
        assert len(list(folder.glob("*.data"))) == 1
    assert states == {"staged:1": "old", "rename:1": "old", "rename:2": "new"}


def test_report_killed_at_every_step_leaves_a_whole_page(fixtures_dir, tmp_path):
    output = tmp_path / "report.html"
    assert run_subprocess("report", fixtures_dir / A100 / "fp32", "-o", output, "--no-graph").exit_code == 0
    old = output.read_bytes()
    _killed("report", fixtures_dir / A100 / "qat", "-o", output, "--no-graph", fault="staged:1")
    assert output.read_bytes() == old
    [temporary] = _temporaries(tmp_path)  # the new page, written and never renamed
    _killed("report", fixtures_dir / A100 / "qat", "-o", output, "--no-graph", fault="rename:1")
    new = output.read_bytes()
    assert new != old and new.rstrip().endswith(b"</html>")
    assert _temporaries(tmp_path) == []  # the second run removed the first one's


def test_run_killed_at_many_points_is_whole_or_refused_and_a_rerun_recovers(pipeline, tmp_path):
    work = tmp_path / "work"
    converted, engine = work / "resnet18_small.fp32.onnx", work / "resnet18_small.engine"
    # a run's renames: the converted model, convert.json, the manifest; once convert is recorded, the manifest,
    # the build's engine, log, graph, metadata. The kills: after the model, after the manifest, between the
    # build's renames, after its last
    refusals = []
    for fault in ("rename:1", "rename:3", "rename:2", "rename:5"):
        _killed("run", pipeline, fault=fault)
        if converted.exists():
            _onnx_state(converted)  # never truncated, never empty
        for document in work.glob("*.json"):
            json.loads(document.read_text())  # every JSON whole
        if engine.exists():
            refused = _reader_refuses(engine.with_name(engine.name + ".graph.json")
                                      if engine.with_name(engine.name + ".graph.json").exists() else engine)
            assert refused is None or "are a mix of two builds" in refused
            refusals.append(refused is not None)
    assert refusals == [True, False]  # an engine and its log without their graph and metadata: refused
    result = run_subprocess("run", pipeline)
    assert result.exit_code in (0, 1), result.stderr[-2000:]
    assert _temporaries(work) == [] and _reader_refuses(engine.with_name(engine.name + ".graph.json")) is None


# ---- full disk, read-only file system -----------------------------------------------------------------


@contextlib.contextmanager
def _tmpfs(folder: Path, options: str) -> Iterator[Path]:
    folder.mkdir()
    if os.geteuid() != 0 or subprocess.run(["mount", "-t", "tmpfs", "-o", options, "tmpfs", str(folder)],
                                           capture_output=True).returncode != 0:
        pytest.skip("mounting a small tmpfs needs root (CAP_SYS_ADMIN)")
    try:
        yield folder
    finally:
        subprocess.run(["umount", "-l", str(folder)], check=False)


@pytest.fixture
def full_disk(tmp_path) -> Iterator[Path]:
    """A folder on a file system with no space left (files can be created, not written)."""
    with _tmpfs(tmp_path / "full", "size=128k") as folder:
        fd = os.open(folder / "filler", os.O_WRONLY | os.O_CREAT)
        try:
            while True:
                os.write(fd, b"\0" * 4096)
        except OSError as error:
            assert error.errno == errno.ENOSPC
        finally:
            os.close(fd)
        yield folder


@pytest.fixture
def read_only(tmp_path) -> Iterator[Path]:
    with _tmpfs(tmp_path / "ro", "ro,size=128k") as folder:
        yield folder


def _writing_commands(folder: Path, fixtures: Path, model: Path, pipeline: Path) -> dict[str, list]:
    config = folder.parent / f"{folder.name}.yaml"
    config.write_text(pipeline.read_text().replace("workdir: work", f"workdir: {folder / 'work'}"))
    return {
        "config schema": ["config", "schema", "-o", folder / "schema.json"],
        "report": ["report", fixtures / A100 / "qat", "-o", folder / "r.html", "--no-graph"],
        "lint": ["lint", fixtures / A100 / "qat", "--json", "-o", folder / "lint.json"],
        "migrate": ["migrate", "trtexec --onnx=model.onnx --fp16", "-o", folder / "c.yaml"],
        "convert": ["convert", model, "-o", folder / "m.onnx", "--no-verify"],
        "build": ["build", "--config", config, "-o", folder / "m.engine"],
        "run": ["run", config],
    }


@pytest.mark.parametrize("command", ["config schema", "report", "lint", "migrate", "convert", "build", "run"])
def test_a_full_disk_is_one_line_exit_3_and_leaves_nothing(run_cli, fixtures_dir, example_models, pipeline,
                                                             full_disk, command):
    args = _writing_commands(full_disk, fixtures_dir, example_models["resnet18"], pipeline)[command]
    result = run_cli(*args)
    assert result.exit_code == 3, result.stderr[-2000:]
    [line] = result.stderr.strip().splitlines()  # build's progress display ends with an empty line
    assert line.startswith("error: cannot write") and "No space left on device; free space" in line
    left = sorted(str(path.relative_to(full_disk)) for path in full_disk.rglob("*"))
    assert left == (["filler", "work", "work/.trtkit.lock"] if command == "run" else ["filler"])


@pytest.mark.parametrize("command", ["convert", "build", "report"])
def test_a_read_only_file_system_is_one_line_exit_3(run_cli, fixtures_dir, example_models, pipeline, read_only,
                                                    command):
    args = _writing_commands(read_only, fixtures_dir, example_models["resnet18"], pipeline)[command]
    result = run_cli(*args)
    assert result.exit_code == 3, result.stderr[-2000:]
    [line] = result.stderr.strip().splitlines()
    assert "Read-only file system" in line


# ---- a failed command leaves nothing it made ----------------------------------------------------------


def test_a_convert_that_fails_leaves_no_model(run_cli, example_models, tmp_path):
    import onnx

    model = onnx.load(str(example_models["resnet18"]))
    del model.graph.initializer[0]  # a weight the graph needs
    broken = tmp_path / "broken.onnx"
    onnx.save(model, str(broken))
    result = run_cli("convert", broken, "-o", tmp_path / "out" / "c.onnx")
    assert result.exit_code == 3 and result.stderr.count("\n") == 1, result.stderr
    assert sorted(path.name for path in tmp_path.iterdir()) == ["broken.onnx"]


def test_a_build_onto_a_directory_leaves_nothing(run_cli, pipeline, tmp_path):
    (tmp_path / "m.engine").mkdir()
    before = sorted(path.name for path in tmp_path.iterdir())
    result = run_cli("build", "--config", pipeline, "-o", tmp_path / "m.engine")
    assert result.exit_code == 2 and result.stderr.strip().count("\n") == 0, result.stderr
    assert "m.engine exists and is not a regular file (a directory)" in result.stderr
    assert sorted(path.name for path in tmp_path.iterdir()) == before


def test_a_rebuild_drops_the_old_engines_measurements_and_foreign_metadata_is_refused(pipeline, fixtures_dir,
                                                                                      tmp_path, run_cli):
    engine = tmp_path / "m.engine"
    _build(pipeline, engine, 4)
    measured = fixtures_dir / A100 / "fp32"
    for suffix in (".profile.json", ".timing.json", ".profile.metadata.json"):
        shutil.copy(measured / f"resnet.onnx.engine{suffix}", f"{engine}{suffix}")
    _build(pipeline, engine, 8)
    assert sorted(path.name for path in tmp_path.iterdir() if path.name.startswith("m.engine")) == [
        "m.engine", "m.engine.build.log", "m.engine.build.metadata.json", "m.engine.graph.json"]
    with open(engine, "ab") as handle:  # another engine in its place: the metadata no longer describes it
        handle.write(b"\0" * 16)
    result = run_cli("inspect", f"{engine}.graph.json")
    assert result.exit_code == 3 and result.stderr.count("\n") == 1, result.stderr
    assert "m.engine.build.metadata.json belongs to another engine than" in result.stderr
    assert result.stderr.rstrip().endswith("rebuild it: trtkit build")
