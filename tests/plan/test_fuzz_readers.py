"""Seeded fuzzing of every reader through the CLI: real fixtures (plan JSON, profile, timing, metadata, trtexec
logs, layer text, Polygraphy JSON, calibration caches, YAML configs, ONNX bytes) are mutated (truncated, types
flipped, fields nulled or deleted, wrong nesting, random bytes) and read by inspect, lint, compare, report and
config validate in this process.

Each case must end with a documented exit code (0 where the mutation left a valid file), one `error:` line
without a traceback, nothing written in the input folder or the working directory, in bounded time and memory.
"""

from __future__ import annotations

import json
import os
import random
import resource
import shutil
import time
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.conftest import FIXTURES, REPO

SEED = int(os.environ.get("TRTKIT_FUZZ_SEED", "18"))
CASES_PER_SEED = int(os.environ.get("TRTKIT_FUZZ_CASES_PER_SEED", "20"))  # more for a longer hunt
SECONDS_PER_CASE = 5.0
RESNET = FIXTURES / "trt8" / "resnet18-a100" / "fp16"
ENGINE = "resnet.onnx.engine"


@dataclass(frozen=True)
class SeedFile:
    """A real artifact to mutate: how it is named in the input folder, its kind of content, and the commands
    that read it. `companions` puts the rest of the engine's TREx files beside it."""

    name: str
    content: bytes
    form: str  # json | text | bytes
    commands: tuple[str, ...]
    companions: bool = False


def _timing_head(count: int = 24) -> bytes:
    # the real --exportTimes file, cut to its first iterations: the same shape, a fraction of the reading time
    return json.dumps(json.loads((RESNET / f"{ENGINE}.timing.json").read_text())[:count], indent=1).encode()


def _tiny_onnx() -> bytes:
    import numpy as np
    from onnx import TensorProto, helper, numpy_helper

    weight = numpy_helper.from_array(np.ones((4, 3, 3, 3), dtype=np.float32), "w")
    graph = helper.make_graph(
        [helper.make_node("Conv", ["x", "w"], ["c"], name="conv", pads=[1, 1, 1, 1]),
         helper.make_node("Relu", ["c"], ["y"], name="relu")],
        "tiny", [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 3, 8, 8])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, 4, 8, 8])], [weight])
    return helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)]).SerializeToString()


def _seeds() -> list[SeedFile]:
    read = lambda path: path.read_bytes()  # noqa: E731
    engine_commands = ("inspect", "lint", "compare", "report")
    logs, layer_info = FIXTURES / "logs", FIXTURES / "layer_info"
    return [
        SeedFile(f"{ENGINE}.graph.json", read(RESNET / f"{ENGINE}.graph.json"), "json", engine_commands, True),
        SeedFile(f"{ENGINE}.profile.json", read(RESNET / f"{ENGINE}.profile.json"), "json", engine_commands, True),
        SeedFile(f"{ENGINE}.timing.json", _timing_head(), "json", engine_commands, True),
        SeedFile(f"{ENGINE}.profile.metadata.json", read(RESNET / f"{ENGINE}.profile.metadata.json"), "json",
                 engine_commands, True),
        SeedFile(f"{ENGINE}.build.metadata.json", read(RESNET / f"{ENGINE}.build.metadata.json"), "json",
                 engine_commands, True),
        SeedFile("device.metadata.json", read(RESNET / f"{ENGINE}.metadata.json"), "json", ("inspect",)),
        SeedFile("mnist.layers.json", read(layer_info / "trt10.14.1_mnist_detailed.layers.json"), "json",
                 ("inspect", "lint")),
        SeedFile("mnist.engine_info.txt", read(layer_info / "trt10.14.1_mnist_fp16_oneline.engine_info.txt"), "text",
                 ("inspect", "lint")),
        SeedFile("profile.trtexec.log", read(logs / "trt10.14.1_mnist_dumpProfile.trtexec.log"), "text",
                 ("inspect", "lint")),
        SeedFile("layers.trtexec.log", read(logs / "trt10.14.1_mnist_dumpLayerInfo_skipInference.trtexec.log"), "text",
                 ("inspect", "compare")),
        SeedFile("interleaved.trtexec.log",
                 read(logs / "trt8.6.1_h100_yolov11s_fp16_nohup_interleaved_line.trtexec.log"), "text", ("inspect",)),
        SeedFile("iprofiler.txt", read(logs / "trt8.4_mnist_iprofiler_output.txt"), "text", ("inspect",)),
        SeedFile("results.json", read(FIXTURES / "polygraphy" / "trt8.6_polygraphy_run_save_results.runresults.json"),
                 "json", ("inspect",)),
        SeedFile("replay.json", read(FIXTURES / "polygraphy" / "trt8.6_polygraphy_debug_replay.json"), "json",
                 ("inspect",)),
        SeedFile("calibration.cache",
                 read(FIXTURES / "calibration_cache" / "trt10.3.0_entropy2_trafficcamnet_deepstream.calib.txt"), "text",
                 ("inspect",)),
        SeedFile("resnet18.yaml", read(REPO / "configs" / "resnet18.yaml"), "text", ("config",)),
        SeedFile("transformer.yaml", read(REPO / "configs" / "transformer_encoder.yaml"), "text", ("config",)),
        SeedFile("model.onnx", _tiny_onnx(), "bytes", ("inspect", "lint")),
    ]


# ---- mutations ------------------------------------------------------------------------------------

_ODD_VALUES = (None, 0, -1, 7, 2**70, 1.5, -1e308, True, "", "abc", "NaN", [], [1, "x"], {}, {"Name": 1}, [[[]]],
               "\x1e\x1f", "ü" * 3)


def _json_nodes(value, path=()):
    yield path, value
    if isinstance(value, dict):
        for key, child in value.items():
            yield from _json_nodes(child, (*path, key))
    elif isinstance(value, list):
        for index, child in enumerate(value[:12]):  # the first records are enough; keeps the walk short
            yield from _json_nodes(child, (*path, index))


def _set(document, path, value):
    if not path:
        return value
    parent = document
    for key in path[:-1]:
        parent = parent[key]
    parent[path[-1]] = value
    return document


def _delete(document, path):
    if not path:
        return None
    parent = document
    for key in path[:-1]:
        parent = parent[key]
    del parent[path[-1]]
    return document


def mutate_json(content: bytes, rng: random.Random) -> bytes:
    document = json.loads(content)
    nodes = list(_json_nodes(document))
    path, value = rng.choice(nodes[1:] or nodes)
    operation = rng.choice(("replace", "replace", "delete", "wrap", "unwrap", "null"))
    if operation == "replace":
        document = _set(document, path, rng.choice(_ODD_VALUES))
    elif operation == "null":
        document = _set(document, path, None)
    elif operation == "delete":
        document = _delete(document, path)
    elif operation == "wrap":
        document = _set(document, path, [value] if rng.random() < 0.5 else {"value": value})
    elif isinstance(value, (list, dict)) and value:
        inner = list(value.values())[0] if isinstance(value, dict) else value[0]
        document = _set(document, path, inner)
    else:
        document = _set(document, path, str(value))
    return json.dumps(document).encode()


def mutate_text(content: bytes, rng: random.Random) -> bytes:
    lines = content.decode("utf-8", errors="replace").split("\n")
    for _ in range(rng.randint(1, 4)):
        index = rng.randrange(len(lines))
        operation = rng.choice(("delete", "duplicate", "digits", "cut", "garbage", "indent"))
        if operation == "delete":
            del lines[index]
        elif operation == "duplicate":
            lines.insert(index, lines[index])
        elif operation == "digits":
            lines[index] = "".join(rng.choice("xX-.9e") if char.isdigit() else char for char in lines[index])
        elif operation == "cut":
            lines[index] = lines[index][:rng.randint(0, max(0, len(lines[index]) - 1))]
        elif operation == "garbage":
            lines[index] = rng.choice(("[", "{", "]]", ": :", "- -", "!!binary x", "&a", "*a", "'", '"', "\t"))
        else:
            lines[index] = "  " + lines[index]
        if not lines:
            lines = [""]
    return "\n".join(lines).encode()


def mutate_bytes(content: bytes, rng: random.Random) -> bytes:
    data = bytearray(content)
    operation = rng.choice(("truncate", "flip", "insert", "random"))
    if operation == "truncate":
        return bytes(data[:rng.randrange(1, len(data))])
    if operation == "flip":
        for _ in range(rng.randint(1, 8)):
            data[rng.randrange(len(data))] = rng.randrange(256)
        return bytes(data)
    if operation == "insert":
        position = rng.randrange(len(data))
        return bytes(data[:position]) + rng.randbytes(rng.randint(1, 64)) + bytes(data[position:])
    return rng.randbytes(rng.randint(1, 2048))


def mutate(seed: SeedFile, rng: random.Random) -> bytes:
    choice = rng.random()
    if seed.form == "json" and choice < 0.6:
        return mutate_json(seed.content, rng)
    if seed.form == "text" and choice < 0.6:
        return mutate_text(seed.content, rng)
    if choice < 0.75:  # truncated anywhere: an interrupted copy
        return seed.content[:rng.randrange(1, len(seed.content))]
    return mutate_bytes(seed.content, rng)


@dataclass(frozen=True)
class Case:
    seed: SeedFile
    command: str
    content: bytes


def _cases() -> list[Case]:
    rng = random.Random(SEED)
    cases = []
    for seed in _seeds():
        for _ in range(CASES_PER_SEED):
            cases.append(Case(seed, rng.choice(seed.commands), mutate(seed, rng)))
    return cases


CASES = _cases()


# ---- the contract ---------------------------------------------------------------------------------

ALLOWED = {"inspect": {0, 3}, "lint": {0, 1, 2, 3}, "compare": {0, 1, 3}, "report": {0, 3}, "config": {0, 2, 3}}
MAX_RSS_BYTES = 3 * 2**30  # the test process's peak memory: a reader that blows up on a small file would pass it


def _snapshot(folder: Path) -> dict[str, tuple[int, int]]:
    return {str(path.relative_to(folder)): (path.stat().st_size, path.stat().st_mtime_ns)
            for path in folder.rglob("*")}


def _arguments(case: Case, target: Path) -> list[str]:
    if case.command == "config":
        return ["config", "validate", str(target)]
    if case.command == "report":  # written beside the input folder, where the user asked
        return ["report", str(target.parent), "--no-graph", "-o", str(target.parent.parent / "report.html")]
    if case.command == "compare":
        return ["compare", "--baseline", str(RESNET), str(target.parent if case.seed.companions else target),
                "--allow-missing-data"]
    return [case.command, str(target.parent if case.seed.companions else target)]


@pytest.mark.parametrize("number", range(len(CASES)), ids=lambda number: f"case{number}")
def test_mutated_input_fails_cleanly(run_cli, tmp_path, monkeypatch, number):
    case = CASES[number]
    inputs = tmp_path / "inputs"
    inputs.mkdir()
    if case.seed.companions:
        for companion in RESNET.glob(f"{ENGINE}.*"):
            if companion.name != case.seed.name and not companion.name.endswith(".timing.json"):
                shutil.copy(companion, inputs / companion.name)
    target = inputs / case.seed.name
    target.write_bytes(case.content)
    workdir = tmp_path / "cwd"
    workdir.mkdir()
    monkeypatch.chdir(workdir)
    before = _snapshot(inputs)
    started = time.perf_counter()
    result = run_cli(*_arguments(case, target))
    elapsed = time.perf_counter() - started

    context = f"{case.seed.name} via {case.command}: exit {result.exit_code}, stderr {result.stderr[-600:]!r}"
    assert result.exit_code in ALLOWED[case.command], context
    assert "Traceback" not in result.stderr and "internal error" not in result.stderr, context
    errors = [line for line in result.stderr.splitlines() if line.startswith("error:")]
    if result.exit_code in (2, 3, 4):
        assert errors, context
        if case.command != "config":  # config validate lists every problem, one line each
            assert len(errors) == 1, context
        assert all(line.startswith(("error:", "warning:")) or not line.strip()
                   for line in result.stderr.splitlines()), context
    assert _snapshot(inputs) == before, f"the input folder changed: {context}"
    assert not any(workdir.iterdir()), f"files written in the working directory: {context}"
    assert elapsed < SECONDS_PER_CASE, f"{elapsed:.1f} s: {context}"
    assert resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024 < MAX_RSS_BYTES, context
    if result.exit_code != 0:
        assert not (tmp_path / "report.html").exists(), f"a failed report left its file: {context}"
