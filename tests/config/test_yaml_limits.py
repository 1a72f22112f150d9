"""Hostile YAML configs (issue 18, items 3, 13 and 15): each is refused on one line with exit 2 (3 for a special
file), in well under a second, and never reaches the internal-error exit 70."""

from __future__ import annotations

import os
import threading
import time
from pathlib import Path

import pytest

from tests.conftest import run_subprocess


def _billion_laughs(levels: int) -> str:
    """Each level an alias list of ten of the level below: 10**levels values from a few hundred bytes."""
    lines = ["a0: &a0 [x, x, x, x, x, x, x, x, x, x]"]
    lines += [f"a{level}: &a{level} [{', '.join([f'*a{level - 1}'] * 10)}]" for level in range(1, levels + 1)]
    return "\n".join([*lines, f"name: *a{levels}", ""])


HOSTILE = {
    # a million values: 13 s before the limit, 9 levels (a billion) ran out of memory
    "billion-laughs": (_billion_laughs(5), "expands to more than 100,000 values"),
    "deep-flow-nesting": ("name: " + "[" * 10_000 + "]" * 10_000 + "\n", "nesting depth"),
    "deep-block-nesting": ("".join(f"{'  ' * depth}k{depth}:\n" for depth in range(200)) + f"{'  ' * 200}x\n",
                           "nested more than 64 levels"),
    "huge-integer": ("name: " + "9" * 5000 + "\n", "an integer of 5000 characters"),
    "python-tag": ("name: !!python/name:os.system x\n", "unsupported YAML tag !!python/name:os.system"),
    "include-tag": ("workdir: !include other.yaml\n", "unsupported YAML tag !include"),
    "self-referring-alias": ("name: &a [*a]\n", "refers to the node that contains it"),
    "merge-key": ("base: &b {precision: fp16}\nconvert:\n  <<: *b\n", "merge keys (<<) are not supported"),
    "over-1-MiB": ("# padding\n" * 120_000 + "name: x\n", "larger than 1 MiB"),
}


@pytest.mark.parametrize("case", HOSTILE)
def test_hostile_yaml_is_refused_quickly_on_one_line(run_cli, tmp_path, case):
    text, expected = HOSTILE[case]
    config = tmp_path / "pipeline.yaml"
    config.write_text(text)
    for command in (["config", "validate", config], ["config", "show", config], ["lint", config]):
        start = time.perf_counter()
        result = run_cli(*command)
        elapsed = time.perf_counter() - start
        lines = result.stderr.strip().splitlines()
        if command[0] == "lint":  # lint reports a config that does not load as a finding: exit 1 (a failed check)
            assert result.exit_code in (1, 2) and expected in result.stdout + result.stderr, result
        else:
            assert result.exit_code == 2, (command, result)
            assert len(lines) == 1 and expected in lines[0], lines
        assert elapsed < 2.0, (command, elapsed)


@pytest.mark.parametrize("value, expected", [
    ("9" * 5000, "an integer of 5000 characters"),
    ("!include other.yaml", "unsupported YAML tag !include"),
    ("&a [*a]", "refers to the node that contains it"),
    ("x" * (2 << 20), "larger than 1 MiB"),
])
def test_hostile_override_values_are_refused(run_cli, tmp_path, value, expected):
    config = tmp_path / "pipeline.yaml"
    config.write_text("model: m.onnx\n")
    result = run_cli("config", "validate", config, "--set", f"name={value}")
    assert result.exit_code == 2 and result.stderr.count("\n") == 1 and expected in result.stderr, result


def test_aliases_within_the_limits_still_work(run_cli, tmp_path):
    config = tmp_path / "pipeline.yaml"
    config.write_text("model: m.onnx\nconvert:\n  verify:\n    tolerances:\n"
                      "      fp16: &loose {atol: 0.05, rtol: 0.01}\ncompare:\n  tolerances:\n    fp16: *loose\n")
    result = run_cli("config", "show", config, "--json")
    assert result.exit_code == 0, result.stderr
    assert result.json()["compare"]["tolerances"]["fp16"]["atol"] == 0.05


def test_override_that_is_not_yaml_stays_text(run_cli, tmp_path):
    config = tmp_path / "pipeline.yaml"
    config.write_text("model: m.onnx\n")
    result = run_cli("config", "show", config, "--set", "workdir=[out", "--json")
    assert result.exit_code == 0, result.stderr
    assert result.json()["workdir"] == "[out"


@pytest.mark.parametrize("name", ["../../x", "/tmp/x", "a/b", "a\\b", "..", ".", "", " ", "a\0b"])
def test_artifact_name_must_be_a_file_name(run_cli, tmp_path, name):
    config = tmp_path / "pipeline.yaml"
    config.write_text("model: m.onnx\n")
    from_override = run_cli("config", "validate", config, "--set", f"name={name}")
    assert from_override.exit_code == 2 and from_override.stderr.count("\n") == 1, from_override
    assert "name:" in from_override.stderr
    if "\0" not in name:
        config.write_text(f"model: m.onnx\nname: {name!r}\n".replace("\\\\", "\\"))
        from_file = run_cli("config", "validate", config)
        assert from_file.exit_code == 2 and "pipeline.yaml:2: name:" in from_file.stderr, from_file


def test_plain_names_are_accepted(run_cli, tmp_path):
    config = tmp_path / "pipeline.yaml"
    config.write_text("model: m.onnx\nname: resnet18.v2-int8_a\n")
    assert run_cli("config", "validate", config).exit_code == 0


def test_name_outside_workdir_writes_nothing_there(run_cli, tmp_path, example_models):
    """`run` with `--set name=../escaped` stops at validation: no engine or report beside the work directory."""
    config = tmp_path / "cfg" / "pipeline.yaml"
    config.parent.mkdir()
    config.write_text(f"model: {example_models['resnet18']}\nbackend: tensorrt-rtx\nworkdir: out\n"
                      "run:\n  stages: [build]\n")
    before = sorted(tmp_path.rglob("*"))
    for name in ("../escaped", str(tmp_path / "abs")):
        result = run_cli("run", config, "--set", f"name={name}")
        assert result.exit_code == 2 and "not a plain file name" in result.stderr, result
    assert sorted(tmp_path.rglob("*")) == before


@pytest.mark.parametrize("special", ["fifo", "/dev/zero", "directory"])
def test_config_that_is_not_a_regular_file_is_refused_without_hanging(tmp_path, special):
    if special == "fifo":
        path = tmp_path / "pipeline.yaml"
        os.mkfifo(path)  # no writer: reading it would block forever
    elif special == "directory":
        path = tmp_path / "configs"
        path.mkdir()
    else:
        path = Path(special)
    for command in (["config", "validate", path], ["run", path]):
        result = run_subprocess(*command)  # its 120 s timeout fails the test if it hangs
        assert result.exit_code == 3, (command, result)
        [line] = result.stderr.strip().splitlines()
        assert "is not a regular file" in line, line


def test_fifo_config_is_refused_in_process_within_a_second(run_cli, tmp_path):
    fifo = tmp_path / "pipeline.yaml"
    os.mkfifo(fifo)
    results: list = []
    worker = threading.Thread(target=lambda: results.append(run_cli("config", "validate", fifo)), daemon=True)
    worker.start()
    worker.join(timeout=5)
    if worker.is_alive():  # unblock the reader so the test process can end
        with open(fifo, "w"):
            pass
        worker.join(timeout=5)
        pytest.fail("config validate blocked on a FIFO")
    assert results[0].exit_code == 3 and "not a regular file (a FIFO)" in results[0].stderr
