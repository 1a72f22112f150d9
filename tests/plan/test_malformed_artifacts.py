"""Corrupt artifacts are errors, not empty engines: every reader checks the shape it relies on, and a
malformed file is exit 3 naming the file and the JSON path, in every command that reads it."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

QAT = "trt8/mobilenet-qat"
ENGINE = "mobilenet.qat.onnx.engine"
COMMANDS = (("inspect",), ("lint",), ("report", "--no-graph", "-o", "{out}"))


def _graph(fixtures_dir: Path) -> dict:
    return json.loads((fixtures_dir / QAT / f"{ENGINE}.graph.json").read_text())


def _run_everywhere(run_cli, path: Path, tmp_path: Path) -> list:
    results = []
    for command in COMMANDS:
        args = [part.replace("{out}", str(tmp_path / "report.html")) for part in command]
        results.append(run_cli(args[0], path, *args[1:]))
    return results


def _assert_bad_input(results, *needles: str) -> None:
    for result in results:
        assert result.exit_code == 3, (result.exit_code, result.stdout[-300:], result.stderr)
        line = result.stderr.strip()
        assert "\n" not in line and "Traceback" not in line and "internal error" not in line
        for needle in needles:
            assert needle in line, line


# ---- inspector JSON (.graph.json) ------------------------------------------------------------------

def _corrupt_plans(fixtures_dir: Path) -> dict[str, tuple[object, str]]:
    """Each corruption, and the JSON path the error must name."""
    def layer_edit(index: int, key: str, value: object) -> dict:
        document = _graph(fixtures_dir)
        document["Layers"][index][key] = value
        return document

    graph = _graph(fixtures_dir)
    graph["Layers"][3]["Inputs"][0]["Dimensions"] = ["a", "b"]
    names = _graph(fixtures_dir)
    names["Bindings"] = [7]
    return {
        "layers-null": ({"Layers": None}, "Layers is null"),
        "layers-string": ({"Layers": "abc"}, 'Layers is a string ("abc")'),
        "layers-empty": ({"Layers": [], "Bindings": []}, "Layers is empty"),
        "layer-object-empty": ({"Layers": [{}]}, "Layers[0] has no Name"),
        "layer-number": ({"Layers": ["conv", 5]}, "Layers[1] is an int (5)"),
        "inputs-int": (layer_edit(3, "Inputs", 5), "Layers[3].Inputs is an int (5)"),
        "input-string": (layer_edit(3, "Inputs", ["x"]), "Layers[3].Inputs[0] is a string"),
        "name-int": (layer_edit(2, "Name", 12), "Layers[2].Name is an int (12)"),
        "metadata-list": (layer_edit(2, "Metadata", [1]), "Layers[2].Metadata is a list"),
        "dimensions-strings": (graph, "Layers[3].Inputs[0].Dimensions is a list"),
        "binding-int": (names, "Bindings[0] is an int (7)"),
        "kernel-objects": (layer_edit(0, "Kernel", [{"x": 1}]), "Layers[0].Kernel is a list, expected a list of int"),
        "groups-string": (layer_edit(0, "Groups", "1"), "Layers[0].Groups is a string"),
    }


@pytest.mark.parametrize("case", ["layers-null", "layers-string", "layers-empty", "layer-object-empty",
                                  "layer-number", "inputs-int", "input-string", "name-int", "metadata-list",
                                  "dimensions-strings", "binding-int", "kernel-objects", "groups-string"])
def test_corrupt_plan_json_is_exit_3_with_the_json_path(run_cli, fixtures_dir, tmp_path, case):
    document, where = _corrupt_plans(fixtures_dir)[case]
    path = tmp_path / f"{ENGINE}.graph.json"
    path.write_text(json.dumps(document))
    _assert_bad_input(_run_everywhere(run_cli, path, tmp_path), path.name, where)
    assert not (tmp_path / "report.html").exists()


def test_corrupt_plan_in_compare_is_exit_3(run_cli, fixtures_dir, tmp_path):
    path = tmp_path / f"{ENGINE}.graph.json"
    path.write_text(json.dumps({"Layers": None}))
    result = run_cli("compare", fixtures_dir / QAT / f"{ENGINE}.graph.json", path)
    _assert_bad_input([result], "Layers is null")


# ---- companions beside a good plan: profile, timing, metadata --------------------------------------

def _beside_good_plan(fixtures_dir: Path, tmp_path: Path, suffix: str, content: object) -> Path:
    folder = tmp_path / "engine"
    folder.mkdir()
    shutil.copy(fixtures_dir / QAT / f"{ENGINE}.graph.json", folder)
    (folder / f"{ENGINE}{suffix}").write_text(json.dumps(content))
    return folder


COMPANIONS = {
    "profile-count-string": (".profile.json", [{"count": "x"}, {"name": "a", "averageMs": 1.0}], "[0].count"),
    "profile-name-int": (".profile.json", [{"count": 5}, {"name": 3, "averageMs": 1.0}], "[1].name is an int"),
    "profile-average-string": (".profile.json", [{"count": 5}, {"name": "a", "averageMs": "fast"}],
                               "[1].averageMs is a string"),
    "profile-no-records": (".profile.json", [{"count": 5}], "holds no layer records"),
    "timing-latency-string": (".timing.json", [{"latencyMs": "1", "computeMs": 1.0}], "[0].latencyMs is a string"),
    "timing-record-int": (".timing.json", [{"latencyMs": 1.0, "computeMs": 1.0}, 4], "[1] is an int (4)"),
    "timing-nan": (".timing.json", [{"latencyMs": 1.0, "computeMs": 1.0},
                                    {"latencyMs": float("nan"), "computeMs": 1.0}],
                   "[1].latencyMs is nan, expected a finite number"),
    "profile-metadata-int": (".profile.metadata.json", {"performance_summary": 5}, "performance_summary is an int"),
    "profile-metadata-figures": (".profile.metadata.json", {"performance_summary": {"Latency": ["a", 1, 2, 3]}},
                                 "performance_summary.Latency[0] is a string"),
    "profile-metadata-device": (".profile.metadata.json",
                                {"performance_summary": {}, "device_information": [1]}, "device_information is a list"),
    "build-metadata-options": (".build.metadata.json", {"build_options": ["fp16"]}, "build_options is a list"),
}


@pytest.mark.parametrize("case", sorted(COMPANIONS))
def test_bad_companion_beside_a_good_plan_is_exit_3(run_cli, fixtures_dir, tmp_path, case):
    suffix, content, where = COMPANIONS[case]
    folder = _beside_good_plan(fixtures_dir, tmp_path, suffix, content)
    _assert_bad_input(_run_everywhere(run_cli, folder, tmp_path), f"{ENGINE}{suffix}", where)
    result = run_cli("compare", fixtures_dir / QAT / f"{ENGINE}.graph.json", folder)
    _assert_bad_input([result], where)


def test_bad_device_properties_are_exit_3(run_cli, tmp_path):
    path = tmp_path / "device.json"
    path.write_text(json.dumps([{"ComputeCapability": [8, 0], "Name": ["A100"]}]))
    _assert_bad_input([run_cli("inspect", path)], "[0].Name is a list")


def test_binary_bytes_in_a_json_file_are_exit_3(run_cli, fixtures_dir, tmp_path):
    # a NUL byte sent the file to the ONNX reader, which reads *.json as ONNX's JSON form (found by the fuzz test);
    # a .json of binary data is now called what it is
    path = tmp_path / "resnet.onnx.engine.metadata.json"
    path.write_bytes((fixtures_dir / "trt8/resnet18-a100/fp16/resnet.onnx.engine.metadata.json").read_bytes()
                     .replace(b'"', b"\x00", 1))
    _assert_bad_input([run_cli("inspect", path)], "holds binary data, not JSON")


@pytest.mark.parametrize(("edit", "where"), [
    (lambda document: document["lst"][0].__setitem__(0, True), "lst[0] is a list"),
    (lambda document: document["lst"][0][1].__setitem__(0, "x"), "lst[0][1][0] is a string"),
    (lambda document: document["lst"][0][1][0].__setitem__("outputs", [1]), ".outputs is a list"),
])
def test_corrupt_polygraphy_results_are_exit_3(run_cli, fixtures_dir, tmp_path, edit, where):
    # found by the fuzz test: these were AttributeErrors (exit 70) in inspect
    document = json.loads((fixtures_dir / "polygraphy/trt8.6_polygraphy_run_save_results.runresults.json").read_text())
    edit(document)
    path = tmp_path / "results.json"
    path.write_text(json.dumps(document))
    _assert_bad_input([run_cli("inspect", path)], "results.json", where)


def test_empty_polygraphy_feed_is_not_an_artifact(run_cli, tmp_path):
    # `[{}]` was read as a Polygraphy inputs file with no tensors, and inspect exited 0
    path = tmp_path / "x.json"
    path.write_text("[{}]")
    _assert_bad_input([run_cli("inspect", path), run_cli("lint", path)], "x.json")


def test_good_fixtures_still_load(run_cli, fixtures_dir):
    result = run_cli("inspect", fixtures_dir / QAT, "--json")
    assert result.exit_code == 0, result.stderr
    assert [len(plan["layers"]) > 0 for plan in result.json()["plans"]] == [True, True]


def test_lint_of_an_engine_without_layers_is_not_a_pass(run_cli, fixtures_dir):
    # the documentation's I/O-only fragment reads as an engine with no layers: lint said "passed: 0 errors"
    result = run_cli("lint", fixtures_dir / "docs/trt10_bindings_doc_example.snippet.json")
    assert result.exit_code == 2 and "passed" not in result.stdout
    assert result.stderr.startswith("error: nothing to lint") and "no layers" in result.stderr
