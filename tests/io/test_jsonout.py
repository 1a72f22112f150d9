import json
from dataclasses import dataclass
from pathlib import Path

from trtkit import __version__
from trtkit.io.jsonout import document, dumps, write_json


@dataclass
class Point:
    x: float
    path: Path


def test_document_header():
    doc = document("lint", {"findings": []})
    assert list(doc)[:2] == ["schema", "trtkit_version"]
    assert doc["schema"] == "trtkit/lint/v1" and doc["trtkit_version"] == __version__


def test_non_finite_numbers_become_null_and_objects_serialize():
    text = dumps({"a": float("nan"), "b": [float("inf"), 1.5], "p": Point(2.0, Path("/x"))})
    assert json.loads(text) == {"a": None, "b": [None, 1.5], "p": {"x": 2.0, "path": "/x"}}


def test_write_json_is_readable(tmp_path):
    path = write_json(tmp_path / "out.json", document("doctor", {"ok": True}))
    assert json.loads(path.read_text())["ok"] is True
