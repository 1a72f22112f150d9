"""`lint`: run the rules over engine artifacts, ONNX models and a config, with the configured settings."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from trtkit.analysis.lint import Finding, LintContext, NotChecked, all_rules, resolve_settings, run_lint
from trtkit.config.context import DEFAULT_CONTEXT, StageContext
from trtkit.errors import UsageError
from trtkit.results.lint import LintResult

TARGETS = ("8", "10", "11", "rtx")
CONFIG_SUFFIXES = (".yaml", ".yml")
TABLE_RULES = {"onnx-unsupported-op", "onnx-opset-range"}  # the rules that read the parser's operator table


@dataclass
class LintOptions:
    enable: list[str] = field(default_factory=list)
    disable: list[str] = field(default_factory=list)
    fail_on: str | None = None  # None: the config's lint.fail_on (default error)
    target: str | None = None  # None: from the config's backend, else the installed TensorRT
    overrides: list[str] = field(default_factory=list)


def check_fail_on(fail_on: str) -> None:
    """Refuse a --fail-on that is not a severity: the gate would have nothing to compare findings with."""
    from trtkit.analysis.lint import SEVERITY_RANK
    from trtkit.config.choices import FailOn, spoken_list

    if fail_on not in SEVERITY_RANK:
        raise UsageError(f"--fail-on {fail_on!r} is not a severity", f"use {spoken_list(FailOn)}")


def default_target(config=None) -> str:
    """The TensorRT the checks assume: the config's backend when it names one, else what is installed."""
    from trtkit.backends.tensorrt import probe

    if config is not None and config.backend == "tensorrt-rtx":
        return "rtx"
    trt = probe("tensorrt")
    if trt.available and trt.major:
        return str(trt.major)
    if config is not None and config.backend == "tensorrt":
        return "10"
    return "rtx" if probe("tensorrt-rtx").available else "10"


def run_lint_paths(inputs: Sequence[str | Path], options: LintOptions,
                   context: StageContext = DEFAULT_CONTEXT) -> LintResult:
    """The findings of the rules over `inputs` (engine artifacts, ONNX models, at most one config), as `options`
    say. The context is not used: a config among the inputs brings its own folder and backend."""
    from trtkit.analysis.summary import summarize
    from trtkit.config.loader import load_config_for_lint
    from trtkit.plan.loader import load

    paths = [Path(path) for path in inputs]
    configs = [path for path in paths if path.suffix.lower() in CONFIG_SUFFIXES]
    if len(configs) > 1:
        raise UsageError("lint takes one config file", f"got {len(configs)}: {', '.join(map(str, configs))}")
    artifacts = [path for path in paths if path not in configs]
    config = sources = None
    problems: list[str] = []
    if configs:
        from trtkit.io.paths import require_regular_file

        require_regular_file(configs[0], "config file")  # a folder named x.yaml exists: say what it is
        config, sources, problems = load_config_for_lint(configs[0], options.overrides)
    elif options.overrides:  # --set without a config file applies to the defaults (it was silently ignored)
        from trtkit.config.loader import load_config

        config = load_config(None, options.overrides)
    target = options.target or default_target(config)
    if target not in TARGETS:
        raise UsageError(f"--tensorrt {target!r} is not a lint target", f"use one of: {', '.join(TARGETS)}")
    lint_section = config.lint if config is not None else None
    fail_on = options.fail_on or (lint_section.fail_on if lint_section else "error")
    check_fail_on(fail_on)
    settings = resolve_settings(all_rules(), [*(lint_section.enable if lint_section else []), *options.enable],
                                [*(lint_section.disable if lint_section else []), *options.disable],
                                lint_section.rules if lint_section else None)
    loaded = load(artifacts) if artifacts else None
    models = [artifact for artifact in loaded.others if artifact.kind == "onnx"] if loaded else []
    # a file named on the command line that no rule reads is worth a note; the rest of a folder (a run's summaries,
    # its SARIF) is not
    notes = [f"{artifact.path}: {artifact.kind} files have no lint rules" for artifact in
             (loaded.others if loaded else []) if artifact.kind != "onnx" and artifact.path in artifacts]
    if config is not None and config.model is not None and not models:
        model_path = config.resolve(config.model)
        if model_path.is_file():
            from trtkit.plan.artifacts import read_artifact

            models.append(read_artifact(model_path))
        else:
            notes.append(f"the config's model {model_path} does not exist: ONNX rules and profile checks skipped")
    contexts: list[LintContext] = []
    config_path = str(configs[0]) if configs else None
    if configs:
        first = models[0] if models else None
        contexts.append(LintContext(target, model=first.data if first else None,
                                    model_path=str(first.path) if first else None, config=config,
                                    config_path=config_path, config_sources=sources, config_problems=problems,
                                    only={"config"}))
    built = _built_profiles(loaded.plans) if loaded else {}
    for artifact in models:
        contexts.append(LintContext(target, model=artifact.data, model_path=str(artifact.path), config=config,
                                    config_path=config_path, config_sources=sources, only={"onnx"},
                                    built_profiles=built.get(Path(artifact.path).parent)))
    for plan in loaded.plans if loaded else []:
        if not plan.layers:  # nothing the engine rules could check: no "passed" on an empty engine
            notes.append(f"{plan.name}: no layers among its artifacts; the engine rules were not run")
            continue
        # what did not join (profile records of no layer, layers without a time): the latency rules read the rest
        notes.extend(f"{plan.name}: {note}" for note in plan.notes)
        contexts.append(LintContext(target, plan=plan, summary=summarize(plan), only={"engine"}))
    if not contexts:
        raise UsageError("nothing to lint" + (f" ({notes[0]})" if notes else ""),
                         "give engine artifacts with layers, ONNX models or a config file")
    findings: list[Finding] = []
    ran: set[str] = set()
    not_checked: list[NotChecked] = []
    for lint_context in contexts:
        found, rules_run, skipped = run_lint(lint_context, settings)
        findings.extend(found)
        ran.update(rules_run)
        not_checked.extend(skipped)
    if ran & TABLE_RULES:
        from trtkit.analysis.onnx_operators import table_stand_in

        stand_in = table_stand_in(target)
        if stand_in:
            notes.append(stand_in)
    if not ran and not_checked:  # a pass with nothing checked is no pass: say so
        notes.append("no rule could run: the inputs lack the data every enabled rule reads")
    elif not ran:
        notes.append("no rule ran: every rule that applies to these inputs is disabled")
    from trtkit.analysis.lint import SEVERITY_RANK

    findings.sort(key=lambda finding: (-SEVERITY_RANK[finding.severity], finding.rule))
    return LintResult(target, fail_on, [str(path) for path in paths], findings, sorted(ran), notes, not_checked)


def _built_profiles(plans: list) -> dict[Path, dict[str, set[str]]]:
    """Per folder, the optimization profiles an engine's build metadata there records (name -> the inputs each
    sets): a run's work directory holds the model and the engine built from it with these profiles."""
    import json

    from trtkit.config.units import parse_shape_spec

    found: dict[Path, dict[str, set[str]]] = {}
    for plan in plans:
        try:
            profiles = json.loads(plan.build_options.get("profiles") or "{}")
            recorded = {str(name): set(parse_shape_spec(profile["min"])) for name, profile in profiles.items()}
        except (ValueError, TypeError, KeyError, AttributeError):  # not trtkit's build metadata: nothing recorded
            continue
        for source in plan.sources:
            if recorded and str(source.kind) == "build-metadata":
                found[Path(source.path).parent] = recorded
    return found
