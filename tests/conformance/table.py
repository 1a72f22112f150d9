"""The README's table: for each version, what the static check and the drive cover.

    python -m tests.conformance.table MODEL.onnx     # prepares every version, runs both, prints Markdown
"""

from __future__ import annotations

import json
import sys
import tempfile

from tests.conformance.conftest import TARGETS, load_surface, prepared


def row(target, model: str) -> str:
    prepared(target)
    load_surface(target)
    static = json.loads(target.run("-m", "tests.conformance.static_check", target.module,
                                   str(target.surface_path()), "--json").stdout)
    with tempfile.TemporaryDirectory() as out:
        drive = json.loads(target.run("-W", "ignore::DeprecationWarning", "-m", "tests.conformance.drive",
                                      target.module, str(target.surface_path()), model, out, timeout=900).stdout)
    sites = static["sites"]
    ok = sum(site["status"] == "ok" for site in sites)
    gated = sum(site["status"] == "unreachable" for site in sites)
    bad = sum(site["status"] in ("mismatch", "unresolved") for site in sites)
    calls = [site for site in sites if site["api"]]
    driven = [site for site in calls if site["api"] in set(drive["replay"]["methods"])]
    build, engine = drive["build"], drive["engine"]
    return (f"| {target.name} ({static['version']}) | {len(sites)} | {ok} | {gated} | {bad} | "
            f"{static['accepted']}/{static['variants']} | {len(build['built'])} built, {len(build['refused'])} "
            f"refused, {len(build['crashes'])} crashed | {len(engine['profiled'])} profile runs, "
            f"{len(engine['outputs'])} runner runs, {len(engine['crashes'])} crashed | "
            f"{drive['replay']['distinct']} ({len(drive['replay']['rejected'])} rejected) | "
            f"{len(driven)}/{len(calls)} |")


def main(argv: list[str]) -> int:
    print("| version | sites | checked ok | gated off | mismatches | configs accepted | build_engine drive | "
          "engine paths | distinct calls replayed | call sites driven |")
    print("|---|---|---|---|---|---|---|---|---|---|")
    for target in TARGETS:
        print(row(target, argv[0]))
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
