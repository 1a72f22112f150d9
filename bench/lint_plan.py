"""Lint benchmark: `trtkit lint` on the 1,556-layer plan of plan_load.py (with its profile), end to end.

Target (issue 4): at most 0.5 s wall on a 2-core machine. Usage: python bench/lint_plan.py [--runs 9]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys

from plan_load import OUT, bench_environment, make_large_plan

TARGET_SECONDS = 0.5


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=9)
    arguments = parser.parse_args()
    graph, _ = make_large_plan()
    env = bench_environment()
    commands = {"table": [sys.executable, "-m", "trtkit", "lint", str(graph), "--tensorrt", "10"],
                "json": [sys.executable, "-m", "trtkit", "lint", str(graph), "--tensorrt", "10", "--json"],
                "sarif": [sys.executable, "-m", "trtkit", "lint", str(graph), "--tensorrt", "10", "--format", "sarif"]}
    first = subprocess.run(commands["json"], capture_output=True, text=True, env=env)
    document = json.loads(first.stdout)
    samples: dict[str, list[float]] = {name: [] for name in commands}
    import time

    for _ in range(arguments.runs):
        for name, command in commands.items():
            start = time.perf_counter()
            subprocess.run(command, capture_output=True, env=env)
            samples[name].append(time.perf_counter() - start)
    medians = {name: statistics.median(values) for name, values in samples.items()}
    machine = f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}"
    print(f"machine: {machine}; {document['counts']} findings from {len(document['rules_run'])} rules")
    for name, value in medians.items():
        print(f"trtkit lint ({name:5s}) median {value:.3f} s over {arguments.runs} runs")
    ok = max(medians.values()) <= TARGET_SECONDS
    print(f"{'meets' if ok else 'MISSES'} its target of {TARGET_SECONDS} s")
    (OUT / "lint_plan.json").write_text(json.dumps({"machine": machine, "median_s": medians}, indent=2) + "\n")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
