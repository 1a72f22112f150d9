"""The README's commands run as written after the demo's setup (issue 22, item 15): every `trtkit ...` line of its
```bash blocks is run in its block's order, or is listed below with the reason it is not. A command the README
adds is run by default, so a wrong flag or a path that does not match the demo fails here.

The setup is examples/demo.sh's on a copy of the repository's layout: the example models in build/demo/models/
(narrow ones, 16 channels instead of 64, at the full models' 224x224 input so the README's shapes fit), then
`trtkit run configs/resnet18.yaml`, which writes build/demo/resnet18/ as `make demo` does. Each README block runs
in its own folder (build/ and configs/ linked in), with stand-ins for the two files the README calls "your model"
and "your config"."""

from __future__ import annotations

import glob
import importlib.util
import re
import shlex
import shutil
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from tests.conftest import REPO

needs_pipeline = pytest.mark.skipif(
    importlib.util.find_spec("tensorrt_rtx") is None or importlib.util.find_spec("modelopt") is None,
    reason="needs TensorRT-RTX and Model Optimizer (make install)")

# README commands not run here, each with why (the reviewed list: a command leaves it only by running here)
NOT_RUN = {
    "trtkit migrate --log build.trtexec.log -o pipeline.yaml": "build.trtexec.log is the user's trtexec log",
    "trtkit sweep pipeline.yaml": "runs every point (three conversions, four builds): minutes on 2 cores; the "
                                  "--dry-run line validates the same points",
    "trtkit sweep pipeline.yaml --ray": "needs Ray (trtkit[ray]), not installed here",
    "trtkit report fp32/ fp16/ int8/ -o compare.html": "fp32/ fp16/ int8/ are the user's three engines' folders",
    "trtkit report big.engine.graph.json --query '^/encoder/layer\\.3/' -o part.html": "big.engine.graph.json "
                                                                                       "illustrates a large graph",
    "trtkit report big.engine.graph.json --beam '/encoder/attn/MatMul:3' --color-by type": "the same large graph",
    "trtkit convert model.onnx --quantize int8 --data calib.npz": "calib.npz is the user's calibration data",
    "trtkit profile model.engine": "profiling needs a GPU and TensorRT",
    "trtkit profile model.engine --shapes input:8x3x224x224 --set profile.transfers=true --set profile.streams=2":
        "profiling needs a GPU and TensorRT",
    "trtkit profile --config pipeline.yaml --json": "profiling needs a GPU and TensorRT",
    "trtkit inspect resnet.onnx.engine.graph.json": "a trex-style artifact name, with profiles beside it",
    "trtkit inspect layers.json profile.json --filter Conv": "layers.json and profile.json illustrate any names",
    "trtkit inspect plan.graph.json --layers --precision fp16": "plan.graph.json illustrates an engine's graph",
    "trtkit inspect trtexec.log": "trtexec.log is the user's trtexec log",
    "trtkit inspect plan.graph.json --json": "plan.graph.json illustrates an engine's graph",
    "trtkit lint resnet-qat.onnx.engine.graph.json": "a QAT engine's graph, with its profile beside it",
    "trtkit compare fp32/ fp16/ int8/": "fp32/ fp16/ int8/ are the user's three engines' folders",
    "trtkit compare --baseline main/ pr/ --max-regression 5%": "main/ and pr/ are two CI runs' profiled engines",
    "trtkit compare --baseline main/ pr/ --format markdown": "main/ and pr/ are two CI runs' profiled engines",
    "trtkit compare outputs ref.npz cand.npz --precision int8": "ref.npz and cand.npz are saved outputs",
}

# The stand-ins: the README's "your model" is the demo's example CNN, "your config" a pipeline config of it with
# the README's sweep: section (given to blocks that do not write it themselves), legacy.onnx the example
# transformer (inputs input_ids and attention_mask), model.fp16.onnx the demo's FP16 conversion.
STAND_INS = {"model.onnx": "build/demo/models/resnet18.onnx",
             "legacy.onnx": "build/demo/models/transformer_encoder.onnx",
             "model.fp16.onnx": "build/demo/resnet18/resnet18.fp16.onnx"}
PIPELINE = """model: model.onnx
workdir: trtkit-out
convert:
  precision: fp16
build:
  profiles:
    default:
      min: input:1x3x224x224
      opt: input:8x3x224x224
      max: input:32x3x224x224
"""


@dataclass
class Command:
    line: str  # as the README writes it, without its comment
    comment: str
    words: list[str] = field(default_factory=list)

    def exit_codes(self) -> set[int]:
        """0 or 1 (a gate may fail by design), and any code its comment names ("exit 3")."""
        named = {int(code) for code in re.findall(r"\bexit (\d+)", self.comment)}
        return named | {0, 1}


@dataclass
class Block:
    section: str  # the README heading above it
    commands: list[Command]


def readme_blocks() -> list[Block]:
    """The README's ```bash blocks that hold `trtkit` commands, continuation lines joined."""
    text = (REPO / "README.md").read_text()
    blocks: list[Block] = []
    section = ""
    for match in re.finditer(r"^(#{2,4}) ([^\n]*)$|^```bash\n(.*?)^```", text, re.M | re.S):
        if match.group(2) is not None:
            section = match.group(2).split(":")[0].strip()
            continue
        commands = []
        for raw in match.group(3).replace("\\\n", " ").splitlines():
            line, comment = (re.split(r"\s+#\s", raw, maxsplit=1) + [""])[:2]  # a comment: "  # ..."
            words = shlex.split(line)
            if words and words[0] in ("trtkit", ".venv/bin/trtkit"):
                commands.append(Command(" ".join(line.split()), comment, words))
        if commands:
            blocks.append(Block(section, commands))
    return blocks


BLOCKS = readme_blocks()


def test_every_readme_command_is_run_or_listed():
    commands = [command.line for block in BLOCKS for command in block.commands]
    assert len(commands) > 40, "the README's ```bash blocks were not found"
    stale = sorted(set(NOT_RUN) - set(commands))
    assert not stale, f"listed as not run but not in the README (update NOT_RUN): {stale}"
    assert len(NOT_RUN) < len(commands) / 2  # most of the README runs


@pytest.fixture(scope="module")
def after_demo(tmp_path_factory):
    """The repository's layout after the demo's setup: configs/, build/demo/models/, build/demo/resnet18/."""
    import onnx
    from make_models import SMALL, resnet18, transformer_encoder

    from trtkit.orchestration.run import RunOptions, run_pipeline

    root = tmp_path_factory.mktemp("checkout")
    shutil.copytree(REPO / "configs", root / "configs")
    models = root / "build" / "demo" / "models"
    models.mkdir(parents=True)
    onnx.save(resnet18(width=16, image_size=224, num_classes=10), str(models / "resnet18.onnx"))
    onnx.save(transformer_encoder(**SMALL["transformer_encoder"]), str(models / "transformer_encoder.onnx"))
    result = run_pipeline(root / "configs" / "resnet18.yaml", RunOptions(None, None, None, False), [])
    assert result.exit_code == 0, result
    return root


def _block_folder(root: Path, block: Block, index: int) -> Path:
    folder = root / f"block{index}-{block.section.replace(' ', '-')}"
    folder.mkdir()
    for name in ("build", "configs"):
        (folder / name).symlink_to(root / name, target_is_directory=True)
    for name, source in STAND_INS.items():
        shutil.copy(root / source, folder / name)
    if not any(command.words[-2:] == ["-o", "pipeline.yaml"] for command in block.commands):
        (folder / "pipeline.yaml").write_text(PIPELINE + _readme_sweep_section())
    return folder


def _readme_sweep_section() -> str:
    """The README's example sweep: section, as written."""
    found = re.search(r"^```yaml\n(sweep:.*?)^```", (REPO / "README.md").read_text(), re.M | re.S)
    assert found, "the README's sweep: example is gone"
    return found.group(1)


@needs_pipeline
@pytest.mark.parametrize("index", range(len(BLOCKS)), ids=[f"{i}-{block.section}" for i, block in enumerate(BLOCKS)])
def test_readme_block_runs_as_written(run_cli, after_demo, monkeypatch, index):
    block = BLOCKS[index]
    monkeypatch.chdir(_block_folder(after_demo, block, index))
    for command in block.commands:  # in the README's order: a later command may read what an earlier wrote
        if command.line in NOT_RUN:
            continue
        result = run_cli(*_expanded(command.words[1:]))
        assert result.exit_code in command.exit_codes(), (
            f"`{command.line}` exited {result.exit_code}:\n{result.stderr[-2000:]}\n{result.stdout[-1500:]}")


def _expanded(words: list[str]) -> list[str]:
    """The words as a shell passes them: a glob (configs/*.yaml) expanded."""
    return [found for word in words for found in (sorted(glob.glob(word)) if "*" in word else [word])]
