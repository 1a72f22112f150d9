"""Sets of files replaced together: the commit marker readers refuse, stale temporaries of killed writers, and
write errors (full disk, read-only, permissions) as one-line exit-3 errors."""

from __future__ import annotations

import errno
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from trtkit.errors import InputFileError, UsageError
from trtkit.io import atomic
from trtkit.io.atomic import check_set_complete, commit_marker, staged_writes, write_text_atomic

REPO = Path(__file__).resolve().parents[2]
# a writer of a two-file set, as build writes its engine and metadata; TRTKIT_FAULT_INJECT kills it
WRITER = """
import sys
from trtkit.io.atomic import staged_writes
folder, tag = sys.argv[1], sys.argv[2]
with staged_writes(marker=folder + "/m.engine") as stage:
    stage(folder + "/m.engine", "engine " + tag)
    stage(folder + "/m.engine.build.metadata.json", "metadata " + tag)
"""


def _write_set(folder: Path, tag: str, fault: str | None = None) -> int:
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    env.pop(atomic.FAULT_INJECT_ENV, None)
    if fault:
        env[atomic.FAULT_INJECT_ENV] = fault
    return subprocess.run([sys.executable, "-c", WRITER, str(folder), tag], env=env, timeout=60).returncode


def _dead_pid() -> int:
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    return child.pid


def _contents(folder: Path) -> dict[str, str]:
    return {path.name: path.read_text() for path in sorted(folder.iterdir())}


def test_a_set_killed_between_its_renames_is_refused_until_written_again(tmp_path, monkeypatch):
    assert _write_set(tmp_path, "old") == 0
    assert _contents(tmp_path) == {"m.engine": "engine old", "m.engine.build.metadata.json": "metadata old"}
    assert _write_set(tmp_path, "new", fault="rename:1") == -9  # killed after the engine's rename
    assert (tmp_path / "m.engine").read_text() == "engine new"
    assert (tmp_path / "m.engine.build.metadata.json").read_text() == "metadata old"
    with pytest.raises(InputFileError) as refused:
        check_set_complete(tmp_path / "m.engine")
    assert "are a mix of two builds" in refused.value.one_line()
    assert refused.value.one_line().endswith("rerun trtkit build to write them again")
    leftovers = [path.name for path in tmp_path.glob(".m.engine.build.metadata.json.*.tmp")]
    assert len(leftovers) == 1  # the metadata that was never renamed
    monkeypatch.setattr(atomic, "_STARTED", time.time())  # as a later process: the killed one's files are older
    assert _write_set(tmp_path, "again") == 0
    check_set_complete(tmp_path / "m.engine")
    assert _contents(tmp_path) == {"m.engine": "engine again", "m.engine.build.metadata.json": "metadata again"}


@pytest.mark.parametrize("fault", ["staged:1", "rename:2"])
def test_a_set_killed_before_or_after_all_renames_is_whole(tmp_path, fault):
    assert _write_set(tmp_path, "old") == 0
    assert _write_set(tmp_path, "new", fault=fault) == -9
    tag = "old" if fault.startswith("staged") else "new"
    assert {name: text for name, text in _contents(tmp_path).items() if not name.startswith(".")} == {
        "m.engine": f"engine {tag}", "m.engine.build.metadata.json": f"metadata {tag}"}
    # after its last rename the killed commit left its marker, which stats show was fully done: not refused
    assert commit_marker(tmp_path / "m.engine").exists() == (tag == "new")
    check_set_complete(tmp_path / "m.engine")


def test_stale_temporaries_of_dead_writers_are_removed_and_no_others(tmp_path, monkeypatch):
    target = tmp_path / "m.engine"
    dead, alive = _dead_pid(), os.getppid()
    stale = [tmp_path / f".m.engine.{dead}.k2j_x9.tmp", tmp_path / f".m.engine.{dead}.abc.tmp"]
    (tmp_path / f".m.engine.{dead}.abc.tmp").mkdir()  # a convert's staging folder
    stale[0].write_bytes(b"half an engine")
    kept = [tmp_path / f".m.engine.{alive}.q1w2e3.tmp",  # a running writer's
            tmp_path / f".other.engine.{dead}.q1w2e3.tmp",  # another target's
            tmp_path / ".m.engine.notes.tmp"]  # not a name trtkit gives
    for path in kept:
        path.write_bytes(b"x")
    monkeypatch.setattr(atomic, "_STARTED", time.time() + 1)
    write_text_atomic(target, "engine")
    assert not any(path.exists() for path in stale)
    assert all(path.exists() for path in kept)
    fresh = tmp_path / f".m.engine.{dead}.fresh1.tmp"  # newer than this process: a pid reused since, never touched
    fresh.write_bytes(b"x")
    monkeypatch.setattr(atomic, "_STARTED", time.time() - 60)
    write_text_atomic(target, "engine")
    assert fresh.exists()


def test_a_directory_among_the_targets_lands_none_of_the_set(tmp_path):
    (tmp_path / "m.engine").mkdir()
    metadata = tmp_path / "m.engine.build.metadata.json"
    metadata.write_text("old")
    with pytest.raises(UsageError, match=r"m.engine exists and is not a regular file \(a directory\)"):
        with staged_writes(marker=tmp_path / "m.engine") as stage:
            stage(metadata, "new")
            stage(tmp_path / "m.engine", b"engine")
    assert metadata.read_text() == "old"
    assert sorted(path.name for path in tmp_path.iterdir()) == ["m.engine", "m.engine.build.metadata.json"]
    assert not commit_marker(tmp_path / "m.engine").exists()


def test_folders_made_for_a_set_that_failed_are_removed(tmp_path):
    with pytest.raises(ValueError):
        with staged_writes() as stage:
            stage(tmp_path / "a" / "b" / "x.json", "{}")
            raise ValueError("the model did not load")
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("code, words", [(errno.ENOSPC, "No space left on device; free space"),
                                         (errno.EROFS, "Read-only file system; the file system is read-only"),
                                         (errno.EACCES, "Permission denied; check the folder")])
def test_a_refused_rename_is_one_line_exit_3(run_cli, tmp_path, monkeypatch, code, words):
    output = tmp_path / "schema.json"
    output.write_text("the old schema")

    def refuse(source, target):
        raise OSError(code, os.strerror(code), str(source))

    monkeypatch.setattr(os, "replace", refuse)
    result = run_cli("config", "schema", "-o", output, "--force")  # --force: the old file is not trtkit's schema
    assert result.exit_code == 3, result.stderr
    assert result.stderr.count("\n") == 1 and f"error: cannot write {output}: {words}" in result.stderr
    assert output.read_text() == "the old schema" and sorted(tmp_path.iterdir()) == [output]


def test_a_write_a_library_makes_itself_is_one_line_exit_3(run_cli, example_models, tmp_path, monkeypatch):
    import onnx

    def full(model, path, *args, **kwargs):
        raise OSError(errno.ENOSPC, "No space left on device", str(path))

    monkeypatch.setattr(onnx, "save", full)
    output = tmp_path / "out" / "m.onnx"
    result = run_cli("convert", example_models["resnet18"], "-o", output, "--no-verify")
    assert result.exit_code == 3, result.stderr
    assert result.stderr == f"error: cannot write {output}: No space left on device; free space on that disk, " \
                            "or write somewhere else\n"
    assert list(tmp_path.iterdir()) == []


def test_any_write_the_file_system_refuses_is_one_line_exit_3(run_cli, example_models, tmp_path, monkeypatch):
    import onnx

    def read_only(model, *args, **kwargs):  # a library's own scratch file, outside trtkit's writers
        raise OSError(errno.EROFS, "Read-only file system", "/tmp/onnx-shape-inference.onnx")

    monkeypatch.setattr(onnx.shape_inference, "infer_shapes", read_only)
    result = run_cli("convert", example_models["resnet18"], "-o", tmp_path / "m.onnx", "--no-verify")
    assert result.exit_code == 3, result.stderr
    assert result.stderr == "error: cannot write /tmp/onnx-shape-inference.onnx: Read-only file system; the file " \
                            "system is read-only: write somewhere else\n"


def test_scratch_folders_of_killed_converts_are_removed(run_cli, example_models, tmp_path, monkeypatch):
    import tempfile

    dead = _dead_pid()
    stale = Path(tempfile.gettempdir()) / f"trtkit-convert-{dead}.k2j_x9"
    stale.mkdir()
    (stale / "before_autocast.onnx").write_bytes(b"a copy of a large model")
    monkeypatch.setattr(atomic, "_STARTED", time.time() + 1)
    result = run_cli("convert", example_models["resnet18"], "-o", tmp_path / "m.onnx", "--no-verify")
    assert result.exit_code == 0, result.stderr
    assert not stale.exists()


def test_a_measurement_without_layer_times_drops_the_earlier_runs_layers(fixtures_dir, tmp_path):
    from trtkit.plan.loader import load
    from trtkit.stages.profile import write_measurement

    measured = fixtures_dir / "trt8" / "resnet18-a100" / "fp32"
    engine = tmp_path / "resnet.onnx.engine"
    for suffix in (".graph.json", ".profile.json", ".timing.json", ".profile.metadata.json"):
        (tmp_path / f"{engine.name}{suffix}").write_bytes((measured / f"resnet.onnx.engine{suffix}").read_bytes())
    assert any(layer.timing is not None for layer in load([tmp_path]).plans[0].layers)  # the earlier run's
    timing = (measured / "resnet.onnx.engine.timing.json").read_text()
    metadata = (measured / "resnet.onnx.engine.profile.metadata.json").read_text()
    written = write_measurement(engine, timing, None, metadata)
    assert [path.name for path in written] == ["resnet.onnx.engine.timing.json",
                                               "resnet.onnx.engine.profile.metadata.json"]
    assert sorted(path.name for path in tmp_path.iterdir()) == [
        "resnet.onnx.engine.graph.json", "resnet.onnx.engine.profile.metadata.json", "resnet.onnx.engine.timing.json"]
    assert all(layer.timing is None for layer in load([tmp_path]).plans[0].layers)



def test_a_second_writer_waits_for_a_commit_in_progress(tmp_path):
    # writer A stops after renaming its engine (holding the set half-replaced); writer B commits meanwhile. B
    # must wait for A, or A's metadata would land beside B's engine with no marker left to say so.
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    first = subprocess.Popen([sys.executable, "-c", WRITER, str(tmp_path), "A"],
                             env={**env, atomic.FAULT_INJECT_ENV: "rename:1:stop"})
    deadline = time.time() + 60
    while Path(f"/proc/{first.pid}/stat").read_text().split(")")[-1].split()[0] != "T":
        assert time.time() < deadline and first.poll() is None
        time.sleep(0.02)
    assert (tmp_path / "m.engine").read_text() == "engine A"
    second = subprocess.Popen([sys.executable, "-c", WRITER, str(tmp_path), "B"], env=env)
    time.sleep(1.0)  # time enough for B to stage and try to commit
    os.kill(first.pid, signal.SIGCONT)
    assert first.wait(timeout=60) == 0 and second.wait(timeout=60) == 0
    assert _contents(tmp_path) == {"m.engine": "engine B", "m.engine.build.metadata.json": "metadata B"}
