"""Accuracy benchmark (issue 20): the faithful FP16 reference runner and `trtkit compare outputs --layerwise` on
the full example ResNet-18 (224x224) in FP16 at batch 1, and `trtkit debug precision` of the full example
transformer encoder (batch 1, sequence 128) with a planted `+ 300 - 300` after its first attention LayerNorm;
each command in a fresh process (start-up included).

Targets on a 2-core machine: `compare outputs --layerwise` within 10 s, `debug precision` within 60 s. The models
are written once to bench/out/models/ (examples/make_models.py; the FP16 conversion with `trtkit convert
--precision fp16`, which needs Model Optimizer). Usage: python bench/accuracy_speed.py [--runs 3]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
OUT = HERE / "out"
MODELS = OUT / "models"
SHAPES = "input:1x3x224x224"
TARGET_SECONDS = 10.0
SEARCH_TARGET_SECONDS = 60.0
PLANTED_AFTER = "/encoder/layer.0/attention/output/LayerNorm/LayerNormalization_output_0"


def _trtkit(*args: str) -> float:
    """Seconds of one `python -m trtkit ARGS` (exit codes 0 and 1 are results, anything else a failure)."""
    start = time.perf_counter()
    completed = subprocess.run([sys.executable, "-m", "trtkit", *args], capture_output=True, text=True)
    elapsed = time.perf_counter() - start
    if completed.returncode not in (0, 1):
        sys.exit(f"trtkit {' '.join(args)} failed ({completed.returncode}): {completed.stderr[-500:]}")
    return elapsed


def prepare() -> tuple[Path, Path]:
    source, converted = MODELS / "resnet18.onnx", MODELS / "resnet18.fp16.onnx"
    if not source.exists():
        subprocess.run([sys.executable, str(HERE.parent / "examples" / "make_models.py"), "--out", str(MODELS)],
                       check=True, capture_output=True)
    if not converted.exists():
        _trtkit("convert", str(source), "-o", str(converted), "--precision", "fp16", "--shapes", SHAPES,
                "--no-verify")
    return source, converted


def planted_encoder() -> Path:
    """The full example encoder with `+ 300 - 300` after one LayerNorm (FP16's spacing at 300 is 0.25)."""
    import onnx

    sys.path.insert(0, str(HERE.parent / "examples"))
    from make_models import plant_cancellations

    target = MODELS / "transformer_encoder.planted.onnx"
    if target.exists():
        return target
    model = plant_cancellations(onnx.load(str(MODELS / "transformer_encoder.onnx")), [PLANTED_AFTER])
    onnx.save(model, str(target))
    return target


def runner_seconds(converted: Path) -> float:
    """The reference runner alone, in this process: load, rewrite, session, one run."""
    import numpy as np

    from trtkit.backends.reference import run_reference

    feeds = [{"input": np.random.default_rng(0).random((1, 3, 224, 224), dtype=np.float32)}]
    start = time.perf_counter()
    run_reference(converted, feeds)
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    source, converted = prepare()
    runner = [runner_seconds(converted) for _ in range(args.runs)]
    layerwise = [_trtkit("compare", "outputs", str(source), str(converted), "--shapes", SHAPES, "--layerwise",
                         "--json") for _ in range(args.runs)]
    encoder = planted_encoder()
    search = [_trtkit("debug", "precision", str(encoder), "--shapes", "input_ids:1x128,attention_mask:1x128",
                      "--json") for _ in range(args.runs)]
    figures = {
        "machine": f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}",
        "load_average_after": os.getloadavg()[0],
        "reference_runner_s": {"median": statistics.median(runner), "min": min(runner), "max": max(runner)},
        "compare_layerwise_s": {"median": statistics.median(layerwise), "min": min(layerwise),
                                "max": max(layerwise)},
        "debug_precision_s": {"median": statistics.median(search), "min": min(search), "max": max(search)},
        "target_s": TARGET_SECONDS,
        "search_target_s": SEARCH_TARGET_SECONDS,
    }
    OUT.mkdir(exist_ok=True)
    (OUT / "accuracy_speed.json").write_text(json.dumps(figures, indent=2) + "\n")
    print(json.dumps(figures, indent=2))
    met = (figures["compare_layerwise_s"]["median"] <= TARGET_SECONDS
           and figures["debug_precision_s"]["median"] <= SEARCH_TARGET_SECONDS)
    sys.exit(0 if met else 1)


if __name__ == "__main__":
    main()
