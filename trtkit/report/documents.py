"""trtkit's own JSON documents (a run's summaries: convert, compare, lint, inspect, the manifest) and SARIF logs as
`inspect` shows them: the few facts each records, as rows of a table, never the raw document."""

from __future__ import annotations

from typing import Any

Rows = list[tuple[str, str]]


def document_kind(document: dict[str, Any]) -> str:
    """`convert` of `trtkit/convert/v1`; the schema itself when it is not trtkit's."""
    schema = str(document.get("schema", ""))
    parts = schema.split("/")
    return parts[1] if len(parts) == 3 and parts[0] == "trtkit" else schema


def document_rows(document: dict[str, Any]) -> tuple[str, Rows]:
    """A title and the rows that say what a trtkit document records."""
    kind = document_kind(document)
    if kind == "run-compare" and isinstance(document.get("outputs"), dict):
        return "trtkit run: output comparison", _outputs(document["outputs"])
    summarize = _BY_KIND.get(kind)
    title = f"trtkit {kind}" + (f" (trtkit {document['trtkit_version']})" if document.get("trtkit_version") else "")
    return title, summarize(document) if summarize else _generic(document)


def sarif_rows(document: dict[str, Any]) -> tuple[str, Rows]:
    """The tool and the number of results of each run of a SARIF log."""
    rows: Rows = []
    for run in document.get("runs") or []:
        if not isinstance(run, dict):
            continue
        driver = (run.get("tool") or {}).get("driver") or {}
        results = run.get("results") or []
        levels: dict[str, int] = {}
        for result in results:
            level = str(result.get("level", "warning")) if isinstance(result, dict) else "warning"
            levels[level] = levels.get(level, 0) + 1
        counted = ", ".join(f"{count} {level}" for level, count in sorted(levels.items()))
        rows.append((f"{driver.get('name', 'unknown tool')} {driver.get('version', '')}".strip(),
                     f"{len(results)} result(s)" + (f": {counted}" if counted else "")
                     + f"; {len(driver.get('rules') or [])} rule(s)"))
    return f"SARIF {document.get('version', '')} log".replace("  ", " "), rows


def _verdict(passed: Any) -> str:
    return "—" if passed is None else ("passed" if passed else "FAILED")


def _figure(value: Any, digits: str = ".3g") -> str:
    return "—" if not isinstance(value, (int, float)) or isinstance(value, bool) else format(value, digits)


def _non_finite(output: dict[str, Any]) -> str:
    """NaN/Inf counts of an output of a compare-outputs document, and why its figures are unknown (— above)."""
    counts = [output.get(key) for key in ("nan_reference", "inf_reference", "nan_candidate", "inf_candidate")]
    if not any(isinstance(count, int) and count for count in counts):
        return ""
    unknown = output.get("unknown_errors")
    return (f"; reference {_figure(counts[0], 'd')} NaN, {_figure(counts[1], 'd')} Inf; candidate "
            f"{_figure(counts[2], 'd')} NaN, {_figure(counts[3], 'd')} Inf"
            + (f"; error figures unknown: {unknown} element(s) NaN or Inf on one side only" if unknown else ""))


def _outputs(document: dict[str, Any]) -> Rows:
    rows: Rows = [("reference", str(document.get("reference"))), ("candidate", str(document.get("candidate"))),
                  ("precision", str(document.get("precision"))),
                  ("runners", f"{document.get('reference_runner', '—')} / {document.get('runner', '—')}"),
                  ("inputs", str(document.get("data", "—"))), ("verdict", _verdict(document.get("passed")))]
    for output in document.get("outputs") or []:
        if isinstance(output, dict):
            rows.append((f"output {output.get('name')}",
                         f"{_verdict(output.get('passed'))}: max abs error {_figure(output.get('max_abs'))}, cosine "
                         f"{_figure(output.get('cosine'), '.6f')}, SNR {_figure(output.get('snr_db'), '.1f')} dB"
                         + _non_finite(output)))
    return rows


def _convert(document: dict[str, Any]) -> Rows:
    precision = document.get("precision") or {}
    rows: Rows = [("source", str(document.get("source"))), ("output", str(document.get("output")))]
    nodes_by_type = precision.get("nodes_by_dtype") if isinstance(precision, dict) else None
    if isinstance(nodes_by_type, dict) and nodes_by_type:
        rows.append(("nodes by data type", ", ".join(f"{key} {value}" for key, value in nodes_by_type.items())))
    if isinstance(precision, dict) and precision.get("qdq_pairs"):
        rows.append(("Q/DQ pairs", str(precision["qdq_pairs"])))
    steps = [step for step in document.get("steps") or [] if isinstance(step, dict)]
    if steps:
        rows.append(("nodes", f"{steps[0].get('nodes_before')} -> {steps[-1].get('nodes_after')} "
                              f"({len(steps)} steps)"))
    verification = document.get("verification")
    if isinstance(verification, dict):
        rows += [(f"verification {key}", value) for key, value in _outputs(verification)
                 if key in ("runners", "inputs") or key.startswith("output ")]
    elif document.get("verification_note"):
        rows.append(("verification", str(document["verification_note"])))
    rows.append(("verdict", _verdict(document.get("passed"))))
    return rows


def _lint(document: dict[str, Any]) -> Rows:
    counts = document.get("counts") or {}
    rows: Rows = [("checked for", f"TensorRT {document.get('target')}"),
                  ("inputs", ", ".join(str(path) for path in document.get("inputs") or [])),
                  ("findings", ", ".join(f"{counts.get(level, 0)} {level}(s)"
                                         for level in ("error", "warning", "info"))),
                  ("verdict", f"{'FAILED' if document.get('failed') else 'passed'} (--fail-on "
                              f"{document.get('fail_on')})")]
    for finding in (document.get("findings") or [])[:10]:
        if isinstance(finding, dict):
            rows.append((f"{finding.get('severity')} {finding.get('rule')}", str(finding.get("message"))))
    return rows


def _manifest(document: dict[str, Any]) -> Rows:
    config = document.get("config") or {}
    rows: Rows = [("config", str(config.get("path") if isinstance(config, dict) else config))]
    for name, stage in (document.get("stages") or {}).items():
        if isinstance(stage, dict):
            rows.append((f"stage {name}", f"{stage.get('status')}" + (f": {stage['summary']}"
                                                                     if stage.get("summary") else "")))
    rows.append(("artifacts", str(len(document.get("artifacts") or {}))))
    return rows


def _plan(document: dict[str, Any]) -> Rows:
    rows: Rows = []
    for plan in document.get("plans") or []:
        if isinstance(plan, dict):
            summary = plan.get("summary") or {}
            layers = summary.get("layer_count") if isinstance(summary, dict) else None
            rows.append((f"engine {plan.get('name')}", f"{'—' if layers is None else layers} layers, "
                                                       f"{plan.get('tensorrt_version') or 'TensorRT version unknown'}"))
    models = document.get("models") or []
    if models:
        rows.append(("models", str(len(models))))
    return rows or [("content", "no engine or model")]


def _generic(document: dict[str, Any]) -> Rows:
    """Scalars as they are; lists and objects by their size."""
    rows: Rows = []
    for key, value in document.items():
        if key in ("schema", "trtkit_version"):
            continue
        if isinstance(value, list):
            rows.append((key, f"{len(value)} entries"))
        elif isinstance(value, dict):
            rows.append((key, f"{len(value)} fields"))
        else:
            rows.append((key, "—" if value is None else str(value)))
    return rows


_BY_KIND = {"convert": _convert, "compare-outputs": _outputs, "lint": _lint, "manifest": _manifest, "plan": _plan}
