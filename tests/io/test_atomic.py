import os
import stat

import pytest

from trtkit.errors import InputFileError
from trtkit.io.atomic import atomic_open, write_bytes_atomic, write_text_atomic


def test_write_replaces_and_leaves_no_temporary(tmp_path):
    target = tmp_path / "a.json"
    target.write_text("old")
    write_text_atomic(target, "new")
    assert target.read_text() == "new"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.json"]


def test_interrupted_write_keeps_the_old_file(tmp_path):
    target = tmp_path / "model.engine"
    target.write_bytes(b"previous engine")
    with pytest.raises(KeyboardInterrupt):
        with atomic_open(target, "wb") as handle:
            handle.write(b"half of a new eng")
            raise KeyboardInterrupt
    assert target.read_bytes() == b"previous engine"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["model.engine"]


def test_new_file_gets_umask_permissions_and_existing_keeps_its_own(tmp_path):
    fresh = write_bytes_atomic(tmp_path / "fresh.bin", b"x")
    umask = os.umask(0)
    os.umask(umask)
    assert stat.S_IMODE(fresh.stat().st_mode) == 0o666 & ~umask
    kept = tmp_path / "kept.bin"
    kept.write_bytes(b"a")
    kept.chmod(0o640)
    write_bytes_atomic(kept, b"b")
    assert stat.S_IMODE(kept.stat().st_mode) == 0o640


def test_creates_missing_folders(tmp_path):
    assert write_text_atomic(tmp_path / "x" / "y" / "z.txt", "hi").read_text() == "hi"


def test_unwritable_target_is_one_line_input_error(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("")
    with pytest.raises(InputFileError, match="cannot write"):
        write_text_atomic(blocker / "sub" / "z.txt", "hi")


def test_staged_files_land_together_after_the_block(tmp_path):
    from trtkit.io.atomic import staged_writes

    (tmp_path / "a.json").write_text("old a")
    with staged_writes() as stage:
        stage(tmp_path / "a.json", "new a")
        stage(tmp_path / "sub" / "b.json", "new b")
        assert (tmp_path / "a.json").read_text() == "old a"  # nothing lands before the block ends
        assert not (tmp_path / "sub" / "b.json").exists()
    assert (tmp_path / "a.json").read_text() == "new a" and (tmp_path / "sub" / "b.json").read_text() == "new b"
    assert sorted(p.name for p in tmp_path.rglob("*")) == ["a.json", "b.json", "sub"]


def test_an_error_in_the_block_lands_none_of_the_staged_files(tmp_path):
    from trtkit.io.atomic import staged_writes

    (tmp_path / "model.engine.graph.json").write_text("the old graph")
    with pytest.raises(OSError, match="disk full"):
        with staged_writes() as stage:
            stage(tmp_path / "model.engine.graph.json", "a new graph")
            stage(tmp_path / "model.engine.build.metadata.json", "new metadata")
            raise OSError("disk full")  # as when the engine written beside them fails
    assert (tmp_path / "model.engine.graph.json").read_text() == "the old graph"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["model.engine.graph.json"]


def test_an_engine_staged_from_another_thread_lands_only_with_its_companions(tmp_path):
    import concurrent.futures

    from trtkit.io.atomic import staged_writes

    engine, graph = tmp_path / "model.engine", tmp_path / "model.engine.graph.json"
    engine.write_bytes(b"previous engine")
    graph.write_text("previous graph")
    with pytest.raises(ValueError, match="no layer listing"):
        with staged_writes() as stage, concurrent.futures.ThreadPoolExecutor(1) as pool:
            pool.submit(stage, engine, memoryview(b"new engine"))
            raise ValueError("no layer listing")  # as when making the graph fails while the engine is written
    assert (engine.read_bytes(), graph.read_text()) == (b"previous engine", "previous graph")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["model.engine", "model.engine.graph.json"]
    with staged_writes() as stage, concurrent.futures.ThreadPoolExecutor(1) as pool:
        written = pool.submit(stage, engine, memoryview(b"new engine"))
        stage(graph, "new graph")
        written.result()
    assert (engine.read_bytes(), graph.read_text()) == (b"new engine", "new graph")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["model.engine", "model.engine.graph.json"]
