"""Large-model benchmark: `trtkit convert` (shape inference, folding, cleanup; no precision change) of an ONNX
model over 2 GB with external data, measuring peak memory (max RSS of the process).

Target (issue 6): peak memory at most 1.5x the model's size. The model: nine 8192x8192 FP32 MatMul layers
with ReLU (2.25 GiB of weights in one external data file), written once to bench/out/large_model/.
Usage: python bench/convert_large.py [--layers 9]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
OUT = HERE / "out" / "large_model"
TARGET_RATIO = 1.5


def make_model(layers: int, width: int = 8192) -> Path:
    import numpy as np
    import onnx
    from onnx import TensorProto, helper, numpy_helper

    path = OUT / "large.onnx"
    if path.exists():
        return path
    OUT.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(0)
    nodes, initializers, x = [], [], "input"
    for index in range(layers):
        weight = (rng.standard_normal((width, width), dtype=np.float32) / np.sqrt(width)).astype(np.float32)
        initializers.append(numpy_helper.from_array(weight, f"layer{index}.weight"))
        nodes.append(helper.make_node("MatMul", [x, f"layer{index}.weight"], [f"h{index}"],
                                      name=f"/layer{index}/MatMul"))
        nodes.append(helper.make_node("Relu", [f"h{index}"], [f"a{index}"], name=f"/layer{index}/Relu"))
        x = f"a{index}"
    graph = helper.make_graph(nodes, "large", [helper.make_tensor_value_info("input", TensorProto.FLOAT,
                                                                              ["batch", width])],
                              [helper.make_tensor_value_info(x, TensorProto.FLOAT, ["batch", width])],
                              initializer=initializers)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    model.ir_version = 8
    onnx.save(model, str(path), save_as_external_data=True, all_tensors_to_one_file=True,
              location="large.onnx.data", size_threshold=1024)
    return path


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--layers", type=int, default=9)
    parser.add_argument("--make-only", action="store_true", help=argparse.SUPPRESS)
    arguments = parser.parse_args()
    if arguments.make_only:
        make_model(arguments.layers)
        return 0
    # the model is made in another process, so this one stays small
    subprocess.run([sys.executable, __file__, "--make-only", "--layers", str(arguments.layers)], check=True)
    model = OUT / "large.onnx"
    size = sum(file.stat().st_size for file in model.parent.glob("large.onnx*"))
    output = OUT / "converted" / "large.sanitized.onnx"
    env = {**os.environ}
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    # GNU time measures the converting process alone (a child forked from a process that built the model would
    # start with that process's memory); its %M is the maximum resident set in KiB
    report = OUT / "time.txt"
    start = time.perf_counter()
    completed = subprocess.run(["/usr/bin/time", "-f", "%M", "-o", str(report), sys.executable, "-m", "trtkit",
                                "convert", str(model), "-o", str(output), "--no-verify", "--json"],
                               capture_output=True, text=True, env=env)
    seconds = time.perf_counter() - start
    if completed.returncode != 0:
        raise SystemExit(completed.stderr[-2000:])
    peak = int(report.read_text().split()[-1]) * 1024
    document = json.loads(completed.stdout)
    ratio = peak / size
    machine = f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}"
    print(f"machine: {machine}")
    print(f"model: {size / 2**30:.2f} GiB with external data; steps: "
          + ", ".join(f"{step['name']} {step['nodes_before']}->{step['nodes_after']}" for step in document["steps"]))
    print(f"trtkit convert: {seconds:.1f} s, peak memory {peak / 2**20:.0f} MiB = {ratio:.2f}x the model "
          f"(target {TARGET_RATIO}x); output data {document['external_data_bytes'] / 2**30:.2f} GiB")
    ok = ratio <= TARGET_RATIO
    print("meets its target" if ok else "MISSES its target")
    (HERE / "out" / "convert_large.json").write_text(json.dumps(
        {"machine": machine, "model_bytes": size, "peak_rss_bytes": peak, "ratio": ratio, "seconds": seconds},
        indent=2) + "\n")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
