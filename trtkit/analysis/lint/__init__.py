"""Lint: small rules over engine plans, ONNX models and configs, each returning findings.

A rule is one function registered with `@rule(...)`: a stable id, a default severity, a one-line
description, a hint, default parameters (thresholds), and the scope it reads (engine, onnx, config).
Rules are enabled, disabled, re-graded and given thresholds in the `lint:` config section and on the
command line; `run_lint` applies those settings and returns the findings.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

SEVERITIES = ("info", "warning", "error")
SEVERITY_RANK = {"info": 0, "warning": 1, "error": 2, "never": 3}


@dataclass
class Location:
    """What a finding points at: a layer, an ONNX node or tensor, a config key (with file and line), a file."""

    kind: str  # layer | onnx-node | onnx-tensor | config-key | file
    name: str
    file: str | None = None
    line: int | None = None


@dataclass
class Finding:
    rule: str
    severity: str
    message: str
    hint: str
    location: Location
    figures: dict[str, Any] = field(default_factory=dict)


@dataclass
class Rule:
    id: str
    scope: str  # engine | onnx | config
    severity: str
    title: str
    hint: str
    params: dict[str, Any]
    check: Callable[..., Iterable[tuple[str, Location, dict[str, Any]]]]
    enabled: bool = True
    needs: tuple[str, ...] = ()  # what the input must carry for the rule to check anything (keys of NEEDS)


@dataclass
class NotChecked:
    """A rule that applies to an input but could not run on it: the data it reads is missing."""

    rule: str
    input: str
    reason: str


RULES: dict[str, Rule] = {}


def rule(id: str, scope: str, severity: str, title: str, hint: str, enabled: bool = True,
         needs: tuple[str, ...] = (), **params: Any):
    """Register a rule; the function yields (message, location, figures) for each problem it finds. `needs` names
    the data it reads (keys of NEEDS): without it the rule is reported as not checked, not as run and clean."""
    if severity not in SEVERITIES:
        raise ValueError(f"rule {id}: unknown severity {severity}")
    unknown = [need for need in needs if need not in NEEDS]
    if unknown:
        raise ValueError(f"rule {id}: unknown needs {unknown}")

    def register(function):
        RULES[id] = Rule(id, scope, severity, title, hint, dict(params), function, enabled, tuple(needs))
        return function

    return register


def all_rules() -> dict[str, Rule]:
    """Every rule, with the rule modules imported."""
    from trtkit.analysis.lint import config_rules, engine_rules, onnx_rules  # noqa: F401 - they register

    return RULES


@dataclass
class LintContext:
    """What the rules read: any of a plan (with its summary), an ONNX model, a config."""

    target: str  # TensorRT major version the checks assume: "8", "10", "11" or "rtx"
    plan: Any = None  # plan.model.EnginePlan
    summary: Any = None  # analysis.summary.PlanSummary
    model: Any = None  # onnx.ModelProto
    model_path: str | None = None
    config: Any = None  # config.models.PipelineConfig
    config_path: str | None = None
    config_sources: Any = None  # config.loader.SourceMap
    config_problems: list[str] = field(default_factory=list)
    only: set[str] | None = None  # the scopes to check in this context (None: all it has)
    # the optimization profiles an engine built from the model recorded (build metadata beside it): name -> inputs
    built_profiles: dict[str, set[str]] | None = None

    @property
    def strongly_typed_only(self) -> bool:
        """TensorRT 11 and TensorRT-RTX build strongly typed networks only."""
        from trtkit.backends.version import lint_target_strongly_typed

        return lint_target_strongly_typed(self.target)

    def scopes(self) -> set[str]:
        scopes = set()
        if self.plan is not None:
            scopes.add("engine")
        if self.model is not None:
            scopes.add("onnx")
        if self.config is not None or self.config_problems:
            scopes.add("config")
        return scopes if self.only is None else scopes & self.only


    @property
    def input_name(self) -> str:
        """The input a scope's rules read, as the user named it: the engine, the model or the config."""
        if "engine" in self.scopes():
            return str(self.plan.name)
        if "onnx" in self.scopes():
            return self.model_path or "model"
        return self.config_path or "config"


def _missing_layer_details(context: LintContext) -> str | None:
    return None if context.plan.detailed else "its layers are listed by name only (no layer details)"


def _missing_layer_times(context: LintContext) -> str | None:
    return None if context.summary.total_layer_latency_ms is not None else "no per-layer profile (.profile.json)"


def _missing_end_to_end(context: LintContext) -> str | None:
    return None if context.summary.end_to_end is not None else \
        "no end-to-end latency (iteration times or a performance summary)"


# what a rule may need, and how to tell the context lacks it (the reason shown to the user, or None)
NEEDS: dict[str, Callable[[LintContext], str | None]] = {
    "layer details": _missing_layer_details,
    "per-layer times": _missing_layer_times,
    "end-to-end latency": _missing_end_to_end,
}


def missing_data(rule_: Rule, context: LintContext) -> str | None:
    """Why `rule_` cannot check `context` (the first of its needs the context lacks), or None when it can."""
    for need in rule_.needs:
        reason = NEEDS[need](context)
        if reason is not None:
            return reason
    return None


@dataclass
class RuleSettings:
    enabled: bool
    severity: str
    params: dict[str, Any]


def resolve_settings(rules: dict[str, Rule], enable: Iterable[str] = (), disable: Iterable[str] = (),
                     overrides: dict[str, Any] | None = None) -> dict[str, RuleSettings]:
    """Each rule's effective settings: its defaults, then the config's `lint.rules`, then --enable/--disable.

    Unknown rule ids are a usage error naming the closest id."""
    from trtkit.errors import UsageError

    def known(rule_id: str) -> str:
        if rule_id in rules:
            return rule_id
        import difflib

        close = difflib.get_close_matches(rule_id, list(rules), n=1)
        hint = f"did you mean '{close[0]}'?" if close else "see trtkit lint --list-rules"
        raise UsageError(f"unknown lint rule {rule_id!r}", hint)

    settings = {rule_id: RuleSettings(rule.enabled, rule.severity, dict(rule.params))
                for rule_id, rule in rules.items()}
    for rule_id, override in (overrides or {}).items():
        target = settings[known(rule_id)]
        if override.enabled is not None:
            target.enabled = override.enabled
        if override.severity is not None:
            target.severity = override.severity
        for key, value in override.params.items():
            if key not in target.params:
                raise UsageError(f"lint rule {rule_id} has no parameter {key!r}",
                                 f"its parameters: {', '.join(target.params) or 'none'}")
            target.params[key] = value
    for rule_id in enable:
        settings[known(rule_id)].enabled = True
    for rule_id in disable:
        settings[known(rule_id)].enabled = False
    return settings


def run_lint(context: LintContext, settings: dict[str, RuleSettings]) \
        -> tuple[list[Finding], list[str], list[NotChecked]]:
    """Findings of every enabled rule whose scope the context has; also the ids of the rules that ran, and the
    rules that could not run for want of the data they read (a clean result from them would be a false pass)."""
    rules = all_rules()
    scopes = context.scopes()
    findings: list[Finding] = []
    ran: list[str] = []
    not_checked: list[NotChecked] = []
    for rule_id, rule_ in rules.items():
        setting = settings[rule_id]
        if not setting.enabled or rule_.scope not in scopes:
            continue
        reason = missing_data(rule_, context)
        if reason is not None:
            not_checked.append(NotChecked(rule_id, context.input_name, reason))
            continue
        ran.append(rule_id)
        for message, location, figures in rule_.check(context, **setting.params) or ():
            findings.append(Finding(rule_id, setting.severity, message, rule_.hint, location, figures))
    findings.sort(key=lambda finding: (-SEVERITY_RANK[finding.severity], finding.rule))
    return findings, ran, not_checked


def fails(findings: list[Finding], fail_on: str) -> bool:
    """True when a finding is at or above the --fail-on severity ("never" never fails)."""
    threshold = SEVERITY_RANK[fail_on]
    return any(SEVERITY_RANK[finding.severity] >= threshold for finding in findings)
