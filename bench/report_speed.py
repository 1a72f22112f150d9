"""HTML report benchmark: `trtkit report` of a 1,500-layer engine with its per-layer profile and per-iteration
times, each run in a fresh process (interpreter start, imports, loading, analysis, lint, HTML).

The engine is the one bench/plan_load.py writes: the 389 real layers of the ControlNet fixture (Myelin,
plugins, reformats) repeated four times with renamed layers and tensors (1,556 layers), its real profile
likewise, and the real per-iteration times of the A100 ResNet-18 FP16 fixture as its timing file.

Targets (issue 10): the report at most 3 MB, written in at most 2 s. The engine graph of all 1,556 layers is
above the default --max-graph-nodes (400), so the default report draws none and says how to draw part of it;
a --query subgraph and the whole graph through Graphviz are timed too, for information.
Usage: python bench/report_speed.py [--runs 5]
"""

from __future__ import annotations

import argparse
import platform
import shutil
import statistics
import subprocess
import sys

from plan_load import FIXTURES, OUT, interleaved, make_large_plan

TARGET_SECONDS = 2.0
TARGET_BYTES = 3 * 2**20


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5, help="fresh-process runs of each command")
    parser.add_argument("--whole-graph", action="store_true", help="also try the whole graph through dot "
                                                                   "(information; dot gives up after 60 s)")
    arguments = parser.parse_args()
    graph, _ = make_large_plan()
    shutil.copy(FIXTURES / "trt8/resnet18-a100/fp16/resnet.onnx.engine.timing.json", OUT / "large.engine.timing.json")
    trtkit = [sys.executable, "-m", "trtkit"]
    report = OUT / "large.report.html"
    commands = {
        "report (default)": [*trtkit, "report", str(graph), "-o", str(report)],
        "report --query '^/input_blocks.2/' (graph of 90 layers)": [
            *trtkit, "report", str(graph), "-o", str(OUT / "query.html"), "--query", "^/input_blocks.2/"],
        "report --beam (graph within 6 tensors of a layer)": [
            *trtkit, "report", str(graph), "-o", str(OUT / "beam.html"), "--beam",
            "/input_blocks.2/input_blocks.2.1/proj_in/Conv:6"],
    }
    samples = interleaved(commands, arguments.runs)
    size = report.stat().st_size
    print(f"{platform.node()}: Python {platform.python_version()}, {platform.processor() or platform.machine()}")
    for name, values in samples.items():
        print(f"{name}: median {statistics.median(values):.2f} s (min {min(values):.2f}, max {max(values):.2f}, "
              f"{len(values)} runs)")
    print(f"report size {size / 2**20:.2f} MiB ({size:,} bytes); with the query's graph "
          f"{(OUT / 'query.html').stat().st_size / 2**20:.2f} MiB, with the beam's "
          f"{(OUT / 'beam.html').stat().st_size / 2**20:.2f} MiB")
    if arguments.whole_graph:
        import json

        whole = subprocess.run([*trtkit, "--json", "report", str(graph), "-o", str(OUT / "whole.html"),
                                "--max-graph-nodes", "2000"], capture_output=True, text=True, check=True)
        document = json.loads(whole.stdout)
        print(f"whole graph through dot (information): {document['seconds']:.1f} s; "
              f"notes: {document['graph_notes'] or 'none'}")
    median = statistics.median(samples["report (default)"])
    ok = median <= TARGET_SECONDS and size <= TARGET_BYTES
    print(f"target: <= {TARGET_SECONDS:g} s and <= 3 MiB: {'met' if ok else 'MISSED'}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
