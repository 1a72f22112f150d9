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


def test_no_tensorrt_object_goes_unchecked(target: Target) -> None:
    """Every attribute of a name trtkit uses for TensorRT objects has a type (so was checked), or is listed in
    static_check.NOT_TENSORRT as something else: a new TensorRT use the check cannot type fails here."""
    assert static_report(target)["unchecked"] == []


def test_only_the_checked_modules_obtain_tensorrt() -> None:
    """The static check reads static_check.FILES: no other trtkit module imports TensorRT or gets the module."""
    import ast

    from tests.conformance.bindings import REPO
    from tests.conformance.static_check import FILES

    offenders = []
    for path in sorted((REPO / "trtkit").rglob("*.py")):
        relative = path.relative_to(REPO).as_posix()
        if relative in FILES:
            continue
        for node in ast.walk(ast.parse(path.read_text())):
            names = []
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom):
                names = [f"{node.module}.{alias.name}" for alias in node.names]
            for name in names:
                if name.split(".")[0] in ("tensorrt", "tensorrt_rtx") or name.endswith(
                        (".import_backend", ".load_engine")):
                    offenders.append(f"{relative}:{getattr(node, 'lineno', 0)} {name}")
    assert offenders == []


def test_every_deprecated_call_is_behind_an_option_that_warns(target: Target) -> None:
    """The calls the binding marks [DEPRECATED] that trtkit reaches are the ones of the options validate_options
    warns about (build._DEPRECATED_CALLS), on the versions that deprecate them."""
    from trtkit.stages.build import _DEPRECATED_CALLS

    used = {site["api"] for site in static_report(target)["sites"] if site["deprecated"] and site["status"] == "ok"}
    warned = {f"{class_name}.{call}" for class_name, call, _ in _DEPRECATED_CALLS.values()}
    assert used <= warned
    if target.version is not None and tuple(map(int, target.version.split(".")[:2])) >= (10, 12) \
            and target.major == 10:
        assert used == warned  # set_calibration_profile (10.1) and set_output_type (10.12)
