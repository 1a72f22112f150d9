"""Startup benchmark: wall time of `python -c "import trtkit"`, `trtkit --help` and `trtkit doctor --json`, median
of repeated runs.

Targets (issues 2 and 21): `import trtkit` (the Python API) median at most 0.1 s, `trtkit --help` at most 0.25 s,
on a 2-core machine.
Usage: python bench/startup.py [--runs 20] [--json bench/out/startup.json]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

TARGET_HELP_SECONDS = 0.25
TARGET_IMPORT_SECONDS = 0.1


def _trtkit_command() -> list[str]:
    script = Path(sys.executable).with_name("trtkit")
    if script.exists():
        return [str(script)]
    found = shutil.which("trtkit")
    return [found] if found else [sys.executable, "-m", "trtkit"]


def bench_environment() -> dict[str, str]:
    """The user's environment, with bytecode caching on: a PYTHONDONTWRITEBYTECODE=1 left in a shell or
    container (this sandbox sets it) makes every run recompile every module, which is not what users see."""
    env = {**os.environ, "NO_COLOR": "1", "COLUMNS": "160"}
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    return env


def time_command(command: list[str], runs: int) -> dict[str, float]:
    env = bench_environment()
    subprocess.run(command, capture_output=True, env=env, check=True)  # warm the file cache
    samples = []
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run(command, capture_output=True, env=env, check=True)
        samples.append(time.perf_counter() - start)
    return {"median_s": statistics.median(samples), "min_s": min(samples), "max_s": max(samples), "runs": runs}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--json", type=Path, default=Path(__file__).parent / "out" / "startup.json")
    arguments = parser.parse_args()
    trtkit = _trtkit_command()
    results = {
        "python -c pass (interpreter floor)": time_command([sys.executable, "-c", "pass"], arguments.runs),
        "import trtkit": time_command([sys.executable, "-c", "import trtkit"], arguments.runs),
        "trtkit --help": time_command([*trtkit, "--help"], arguments.runs),
        "trtkit doctor --json": time_command([*trtkit, "doctor", "--json"], arguments.runs),
    }
    machine = f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}"
    print(f"machine: {machine}")
    for name, figures in results.items():
        print(f"{name:40s} median {figures['median_s']:.3f} s  (min {figures['min_s']:.3f}, "
              f"max {figures['max_s']:.3f}, {figures['runs']} runs)")
    targets = {"import trtkit": TARGET_IMPORT_SECONDS, "trtkit --help": TARGET_HELP_SECONDS}
    met = True
    for name, target in targets.items():
        median = results[name]["median_s"]
        met = met and median <= target
        print(f"{name} {'meets' if median <= target else 'MISSES'} its target of {target} s")
    arguments.json.parent.mkdir(parents=True, exist_ok=True)
    arguments.json.write_text(json.dumps({"machine": machine, "results": results, "target_help_s": TARGET_HELP_SECONDS,
                                          "target_import_s": TARGET_IMPORT_SECONDS}, indent=2) + "\n")
    return 0 if met else 1


if __name__ == "__main__":
    sys.exit(main())
