"""Every fixture file either parses or is rejected with a specific one-line error (exit 3).

The tests enumerate the fixtures folder, so a new file is covered without new code."""

import pytest

from tests.conftest import FIXTURES
from trtkit.errors import EXIT_BAD_INPUT, InputFileError
from trtkit.plan.artifacts import read_artifact


def _fixture_files():
    return sorted(path for path in FIXTURES.rglob("*") if path.is_file() and path.name != "PROVENANCE.md")


# Files that are not valid artifacts: the reason must say so specifically.
REJECTED = {
    "trt11_IEngineInspector_migration_doc_excerpt.md": "is not an artifact trtkit knows",
    "trt11_io_tensors_doc_example.TRUNCATED.snippet.json": "is not valid JSON (line 25",
    "trt8.2ea_pointwise_matmul_detailed.EXCERPT_TRUNCATED.json": "is not valid JSON (line 41",
}
KIND_BY_FOLDER = {"calibration_cache": "calibration-cache", "times": "export-times", "profile": "export-profile",
                  "polygraphy": "polygraphy", "logs": "trtexec-log"}
KIND_BY_SUFFIX = {".graph.json": "inspector-json", ".profile.json": "export-profile", ".timing.json": "export-times",
                  ".profile.metadata.json": "profile-metadata", ".build.metadata.json": "build-metadata",
                  ".engine.metadata.json": "device-properties"}


@pytest.mark.parametrize("path", _fixture_files(), ids=lambda path: str(path.relative_to(FIXTURES)))
def test_every_fixture_parses_or_is_rejected_in_one_line(path):
    if path.name in REJECTED:
        with pytest.raises(InputFileError) as caught:
            read_artifact(path)
        assert caught.value.exit_code == EXIT_BAD_INPUT
        line = caught.value.one_line()
        assert REJECTED[path.name] in line and "\n" not in line
        return
    artifact = read_artifact(path)
    folder = path.relative_to(FIXTURES).parts[0]
    expected = next((kind for suffix, kind in KIND_BY_SUFFIX.items() if path.name.endswith(suffix)), None)
    if folder == "logs" and "iprofiler" in path.name:
        expected = "iprofiler-text"
    expected = expected or KIND_BY_FOLDER.get(folder)
    if folder == "layer_info":
        assert artifact.kind in ("inspector-json", "inspector-text", "layer-records")
    elif expected:
        assert artifact.kind == expected


def test_fixture_folder_is_enumerated():
    assert len(_fixture_files()) > 80


def test_missing_empty_and_unknown_files(tmp_path):
    with pytest.raises(InputFileError, match="does not exist"):
        read_artifact(tmp_path / "nope.json")
    empty = tmp_path / "empty.json"
    empty.write_text("  \n")
    with pytest.raises(InputFileError, match="is empty"):
        read_artifact(empty)
    other = tmp_path / "notes.txt"
    other.write_text("hello world\n")
    with pytest.raises(InputFileError, match="not an artifact trtkit knows"):
        read_artifact(other)
    unknown_json = tmp_path / "x.json"
    unknown_json.write_text('{"hello": 1}')
    with pytest.raises(InputFileError, match="is JSON but not an artifact"):
        read_artifact(unknown_json)


def test_content_decides_not_the_name(fixtures_dir, tmp_path):
    source = fixtures_dir / "trt8" / "resnet18-a100" / "fp16" / "resnet.onnx.engine.profile.json"
    renamed = tmp_path / "whatever.txt"
    renamed.write_bytes(source.read_bytes())
    assert read_artifact(renamed).kind == "export-profile"


def test_real_rtx_engine_and_onnx_are_recognised(rtx_builds, example_models):
    assert read_artifact(rtx_builds["resnet18"].engine).kind == "engine"
    assert read_artifact(example_models["resnet18"]).kind == "onnx"
    assert read_artifact(rtx_builds["resnet18"].log).kind == "inspector-text"
