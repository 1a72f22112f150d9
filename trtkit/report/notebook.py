"""The Jupyter views of plans, lint results and comparisons: the HTML report's views (trtkit.report.html), drawn
inline under one scoped style. Importing this module registers them (trtkit.io.display); `import trtkit.api` does."""

from __future__ import annotations

from collections import Counter
from html import escape
from itertools import count
from typing import TYPE_CHECKING

from trtkit.analysis.summary import summarize
from trtkit.io.display import register_html
from trtkit.plan.model import EnginePlan
from trtkit.report import html
from trtkit.report.compare import non_finite_counts
from trtkit.report.console import UNKNOWN, format_figure
from trtkit.results.compare import EngineComparison, OutputComparison
from trtkit.results.inspect import InspectResult
from trtkit.results.lint import LintResult

if TYPE_CHECKING:
    from trtkit.analysis.lint import Finding
    from trtkit.results.report import EngineReport

TOP_LAYERS = 10
# The report's look for its cards, tables and charts, under .trtkit only: a notebook's own page stays as it is.
STYLE = """<style>
.trtkit{font:13px/1.4 system-ui,sans-serif}.trtkit h3{margin:.8em 0 .3em}.trtkit .note{color:#6b6b70}
.trtkit .cards{display:flex;flex-wrap:wrap;gap:8px}.trtkit .card{border:1px solid #e2e2e6;border-radius:6px;
padding:6px 10px;min-width:120px}.trtkit .card .k{color:#6b6b70;font-size:11px}.trtkit .card .v{font-size:16px}
.trtkit .card .v.small{font-size:12px}.trtkit .card .s{color:#6b6b70;font-size:11px}
.trtkit table{border-collapse:collapse}.trtkit th,.trtkit td{padding:2px 8px;border-bottom:1px solid #e2e2e6;
text-align:left}.trtkit .n{text-align:right}.trtkit .sev-error{color:#c0392b;font-weight:600}
.trtkit .sev-warning{color:#b9770e}.trtkit .sev-info{color:#2e86c1}.trtkit .slower{color:#d65f5f}
.trtkit .faster{color:#3a9d4a}.trtkit figure{margin:.4em 0}.trtkit svg{max-width:100%;height:auto}
</style>"""
# Chart ids must be unique on a notebook page, which shows many views: each view takes the next slot.
_SLOTS = count()


def _scoped(kind: str, body: str) -> str:
    return f'{STYLE}<div class="trtkit" data-view="{kind}">{body}</div>'


def _engine(plan: EnginePlan, findings: list[Finding] | None = None) -> EngineReport:
    from trtkit.results.report import EngineReport

    summary = summarize(plan)
    return EngineReport(next(_SLOTS), plan, summary, plan.layers_of_profile(summary.profile), findings)


def plan_html(plan: EnginePlan) -> str:
    """An engine plan: summary cards, layers by precision, the slowest (or first) layers, and its reformats."""
    engine = _engine(plan)
    body = [html._summary(engine), html._precision(engine), html._slow_layers(engine, TOP_LAYERS),
            html._reformats(engine)]
    return _scoped("plan", "".join(body))


def inspect_html(result: InspectResult) -> str:
    """What inspect found: each engine's plan view; ONNX models and other artifacts are counted (their tables are
    the command's)."""
    body = "".join(plan_html(view.plan) for view in result.plans)
    others = len(result.models) + len(result.others)
    if others:
        body += _scoped("inspect", f'<p class="note">and {others} other input(s): ONNX models or artifacts '
                                   "without an engine plan (`trtkit.to_document(result)` has them)</p>")
    return body


def lint_html(result: LintResult) -> str:
    """Lint findings: how many of each severity, then the report's findings table."""
    counts = Counter(finding.severity for finding in result.findings)
    tally = ", ".join(f"{counts[severity]} {severity}" for severity in ("error", "warning", "info")
                      if counts[severity])
    from trtkit.report.lint import not_checked_lines

    verdict = "fails" if result.failed else "passes"
    if result.checked_nothing:
        verdict = "nothing checked; " + verdict
    head = (f"<h3>{len(result.findings)} findings" + (f" ({tally})" if tally else "") + "</h3>"
            f'<p class="note">{escape(", ".join(result.inputs))}: checked for TensorRT {escape(result.target)}, '
            f"{len(result.rules_run)} rules; {verdict} at --fail-on {escape(result.fail_on)}</p>")
    head += "".join(f'<p class="note">{escape(line)}</p>' for line in [*not_checked_lines(result), *result.notes])
    if not result.findings:
        return _scoped("lint", head)
    rows = [[(f'<span class="sev-{finding.severity}">{finding.severity}</span>',
              {"error": 3, "warning": 2, "info": 1}.get(finding.severity, 0)),
             (f"<code>{escape(finding.rule)}</code>", None),
             (escape(finding.location.name), None), (escape(finding.message), None), (escape(finding.hint), None)]
            for finding in result.findings]
    table = html._table(["severity", "rule", "where", "finding", "what to do"], rows, set(), name="lint")
    return _scoped("lint", head + table)


def engines_html(comparison: EngineComparison) -> str:
    """Engines side by side (the report's comparison view) and the verdict of each regression gate."""
    from trtkit.report.svg import category_colors
    from trtkit.results.report import ReportData

    engines = [_engine(view.plan) for view in comparison.engines]
    kinds = list(dict.fromkeys(group.key for engine in engines for group in engine.summary.by_type))
    data = ReportData(engines, list(comparison.alignments), category_colors(kinds), top=TOP_LAYERS)
    gates = []
    for engine, gate in zip(engines[1:], comparison.gates, strict=False):
        rows = [[(escape(metric.metric), None), (_figure(metric.baseline), metric.baseline),
                 (_figure(metric.current), metric.current),
                 (UNKNOWN if metric.change_percent is None else f"{metric.change_percent:+.1f}", metric.change_percent),
                 (escape(metric.verdict), None)] for metric in gate.metrics]
        gates.append(f"<h3>Gate: {escape(engine.plan.name)} against {escape(engines[0].plan.name)}: "
                     f"{escape(gate.verdict)} (limit {gate.max_regression_percent:g}%)</h3>"
                     + html._table(["metric", "baseline", "current", "change %", "verdict"], rows,
                                   {"baseline", "current", "change %"}, name="gate"))
    return _scoped("compare", html._comparison(data) + "".join(gates))


def outputs_html(comparison: OutputComparison) -> str:
    """Outputs of a candidate against a reference: per output its errors, cosine and verdict."""
    rows = [[(escape(output.name), None), (escape("x".join(map(str, output.shape))), None),
             (format_figure(output.max_abs), _sortable(output.max_abs)),
             (format_figure(output.p99_abs), _sortable(output.p99_abs)),
             (format_figure(output.cosine, ".6f"), _sortable(output.cosine)),
             (str(output.outside_tolerance), output.outside_tolerance), (non_finite_counts(output), None),
             ("pass" if output.passed else "FAIL", None)] for output in comparison.outputs]
    head = (f"<h3>{escape(comparison.candidate)} against {escape(comparison.reference)}: "
            f"{'passed' if comparison.passed else 'failed'}</h3><p class=\"note\">inputs: {escape(comparison.data)}"
            f"; precision {escape(comparison.precision)}"
            + (f"; missing outputs: {escape(', '.join(comparison.missing))}" if comparison.missing else "")
            + (f"; only in the candidate, not compared: {escape(', '.join(comparison.extra))}" if comparison.extra
               else "") + "</p>")
    return _scoped("outputs", head + html._table(
        ["output", "shape", "max abs", "p99 abs", "cosine", "outside tolerance", "NaN/Inf ref / cand", "verdict"], rows,
        {"max abs", "p99 abs", "cosine", "outside tolerance"}, name="outputs"))


def _sortable(value: float) -> float | None:
    """A figure as a cell's sort value; none for NaN (unknown), which no sort order places."""
    return None if value != value else value


def _figure(value: float | None) -> str:
    return UNKNOWN if value is None else f"{value:.4g}"


register_html(EnginePlan, plan_html)
register_html(InspectResult, inspect_html)
register_html(LintResult, lint_html)
register_html(EngineComparison, engines_html)
register_html(OutputComparison, outputs_html)
