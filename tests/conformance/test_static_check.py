"""Every TensorRT use in trtkit against the real API of each version (tests.conformance.static_check)."""

from __future__ import annotations

import json

from tests.conformance.conftest import Target, load_surface


def static_report(target: Target, *extra: str) -> dict:
    load_surface(target)  # extracted and cached
    done = target.run("-m", "tests.conformance.static_check", target.module, str(target.surface_path()), "--json",
                      *extra)
    assert done.stdout, done.stderr[-3000:]
    return json.loads(done.stdout)


def test_every_tensorrt_use_exists_with_its_signature_on_each_version(target: Target) -> None:
    report = static_report(target)
    problems = [f"{site['file']}:{site['line']} {site['text']}: {site['detail']}" for site in report["sites"]
                if site["status"] in ("mismatch", "unresolved")]
    assert problems == []
    checked = [site for site in report["sites"] if site["status"] == "ok"]
    assert len(checked) > 150  # the walk found trtkit's TensorRT calls (not an empty pass)
    assert report["accepted"] > 0


def test_config_values_are_checked_member_by_member(target: Target) -> None:
    """The enum names trtkit forms from config strings were evaluated from the config models, not guessed."""
    report = static_report(target)
    verbosity = next(site for site in report["sites"] if "trt.ProfilingVerbosity" in site["text"]
                     and site["check"] == "lookup")
    assert verbosity["detail"].split(", ") == ["DETAILED", "LAYER_NAMES_ONLY", "NONE"]
