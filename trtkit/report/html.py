"""`trtkit report` as one HTML file: the views of TREx's report card, drawn as inline SVG, with a few lines of
script for sortable tables. No CDN, no fonts, no network: it opens from a CI artifact, offline."""

from __future__ import annotations

from collections.abc import Sequence
from html import escape
from typing import TYPE_CHECKING, Any

from trtkit.report import svg
from trtkit.report.console import UNKNOWN, format_bytes, format_ms, format_percent
from trtkit.report.console import build_figures as format_build_figures
from trtkit.report.inspect import MEASUREMENT_KEYS
from trtkit.report.svg import Bar, precision_color

if TYPE_CHECKING:
    from trtkit.results.report import EngineReport, ReportData, ReportResult


STYLE = """
:root{--fg:#1d1d1f;--muted:#6b6b70;--line:#e2e2e6;--bg:#fafafa;--accent:#4878d0}
*{box-sizing:border-box}body{margin:0;font:14px/1.45 system-ui,sans-serif;color:var(--fg);background:var(--bg)}
header{padding:16px 24px;background:#fff;border-bottom:1px solid var(--line)}
header h1{margin:0;font-size:20px}header p{margin:2px 0 8px;color:var(--muted)}
nav a{margin-right:14px;color:var(--accent);text-decoration:none;font-size:13px}
main{padding:8px 24px 48px;max-width:1280px}
section.view{background:#fff;border:1px solid var(--line);border-radius:8px;padding:12px 18px;margin:16px 0}
section.view h2{font-size:16px;margin:4px 0 10px}h3{font-size:14px;margin:14px 0 6px;color:#333}
.cards{display:grid;grid-template-columns:repeat(auto-fill,minmax(190px,1fr));gap:10px}
.card{border:1px solid var(--line);border-radius:6px;padding:8px 10px;background:#fcfcfd}
.card .k{font-size:11px;text-transform:uppercase;color:var(--muted);letter-spacing:.03em}
.card .v{font-size:18px;font-weight:600;word-break:break-word}.card .v.small{font-size:13px;font-weight:500}
.card .s{font-size:12px;color:var(--muted)}
figure{margin:6px 0 12px;overflow-x:auto}figcaption{font-size:12px;color:var(--muted)}
svg.chart{max-width:100%;height:auto;display:block}svg.chart text{fill:#333}
.graph-box{overflow:auto;max-height:900px;border:1px solid var(--line);border-radius:6px;background:#fff}
.graph-box svg.chart{max-width:none}
.legend{display:flex;flex-wrap:wrap;gap:4px 14px;font-size:12px;margin:4px 0}
.legend i{display:inline-block;width:11px;height:11px;border-radius:2px;margin-right:5px;vertical-align:-1px}
table{border-collapse:collapse;width:100%;font-size:12.5px;margin:6px 0}
th,td{border-bottom:1px solid var(--line);padding:4px 8px;text-align:left;vertical-align:top;overflow-wrap:anywhere}
td.n,th.n{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap;overflow-wrap:normal}
table.sortable th{cursor:pointer;user-select:none}table.sortable th:after{content:" \\2195";color:#bbb}
.sev-error{color:#c0392b;font-weight:600}.sev-warning{color:#b9770e;font-weight:600}.sev-info{color:#2e86c1}
.note{color:var(--muted);font-style:italic}.slower{color:#c0392b}.faster{color:#1e8449}
code{font-size:12px;background:#f2f2f5;padding:0 3px;border-radius:3px}
"""

SCRIPT = """
(function(){
  function key(cell){var v=cell.getAttribute('data-v');if(v!==null&&v!==''&&!isNaN(v))return parseFloat(v);
    return cell.textContent.trim().toLowerCase();}
  document.querySelectorAll('table.sortable').forEach(function(table){
    table.querySelectorAll('th').forEach(function(th,column){
      th.addEventListener('click',function(){
        var body=table.tBodies[0],rows=Array.prototype.slice.call(body.rows);
        var down=th.getAttribute('data-order')!=='desc';
        rows.sort(function(a,b){var x=key(a.cells[column]),y=key(b.cells[column]);
          if(x===y)return 0;return (x<y?-1:1)*(down?-1:1);});
        th.setAttribute('data-order',down?'desc':'asc');
        rows.forEach(function(row){body.appendChild(row);});
      });
    });
  });
  document.documentElement.setAttribute('data-charts',String(document.querySelectorAll('svg.chart').length));
})();
"""


def report_document(result: ReportResult) -> dict[str, Any]:
    """The `trtkit/report/v1` document of a written report: where, its size, engines and views."""
    from dataclasses import asdict

    from trtkit.io.jsonout import document

    return document("report", asdict(result))


def _truncated(text: str, length: int) -> str:
    if len(text) <= length:
        return escape(text)
    return f'<span title="{escape(text)}">{escape(text[:length - 1])}…</span>'


def _card(key: str, value: str, sub: str = "", small: bool = False) -> str:
    size = " small" if small else ""
    return (f'<div class="card"><div class="k">{escape(key)}</div><div class="v{size}">{escape(value or "—")}</div>'
            + (f'<div class="s">{escape(sub)}</div>' if sub else "") + "</div>")


def _figure(chart: str, caption: str = "", legend: str = "") -> str:
    return f"<figure>{legend}{chart}" + (f"<figcaption>{escape(caption)}</figcaption>" if caption else "") + \
        "</figure>"


def _table(columns: list[str], rows: Sequence[Sequence[tuple[str, object]]], numeric: set[str], sortable: bool = False,
           name: str = "") -> str:
    """rows: cells as (text, sort value or None)."""
    head = "".join(f'<th class="n">{escape(column)}</th>' if column in numeric else f"<th>{escape(column)}</th>"
                   for column in columns)
    body = []
    for row in rows:
        cells = []
        for column, (text, value) in zip(columns, row, strict=True):
            data = f' data-v="{value}"' if value is not None else ""
            klass = ' class="n"' if column in numeric else ""
            cells.append(f"<td{klass}{data}>{text}</td>")
        body.append("<tr>" + "".join(cells) + "</tr>")
    klass = ' class="sortable"' if sortable else ""
    return f'<table{klass} data-table="{escape(name)}"><thead><tr>{head}</tr></thead><tbody>' + "".join(body) + \
        "</tbody></table>"


def _version(engine: EngineReport) -> str:
    version = engine.plan.tensorrt_version or ""
    if version.endswith(" (TensorRT-RTX)"):
        return "TensorRT-RTX " + version.removesuffix(" (TensorRT-RTX)")
    return f"TensorRT {version}" if version else "unknown"


def _device_card(plan) -> str:
    """The GPU the engine was profiled on; without one, the targets its build metadata records."""
    device = plan.device
    if device and device.name:
        return _card("device", device.name, f"compute capability {device.compute_capability}"
                     if device.compute_capability else "")
    targets = plan.build.targets() if plan.build is not None else None
    return _card("targets", targets or "not recorded", "from the build metadata" if targets else
                 "no device or build targets among the artifacts", small=bool(targets))


def _build_cards(plan) -> list[str]:
    if plan.build is None:
        return []
    figures = dict(format_build_figures(plan.build))
    return [_card("engine size", figures["engine size"]), _card("build time", figures["build time"])]


def _summary(engine: EngineReport) -> str:
    plan, summary = engine.plan, engine.summary
    latency = summary.end_to_end
    cards = [_card("engine", plan.name, "names only" if not plan.detailed else ""),
             _card("TensorRT", _version(engine)),
             _device_card(plan),
             _card("layers", str(summary.layer_count),
                   f"optimization profile {summary.profile} of {len(plan.optimization_profiles)}"
                   if len(plan.optimization_profiles) > 1 else ""),
             *_build_cards(plan)]
    if latency is not None:
        p99 = latency.percentiles.get(99.0)
        cards.append(_card("latency (median)", f"{format_ms(latency.median)} ms",
                           (f"p99 {format_ms(p99)} ms; " if p99 is not None else "")
                           + (summary.end_to_end_source or "")))
    else:
        cards.append(_card("latency", "not measured", "no timing or performance summary among the artifacts"))
    cards.append(_card("throughput", f"{summary.throughput_qps:,.1f} qps" if summary.throughput_qps else "—"))
    mode = ", ".join(f"{key}: {plan.inference_options[key]}" for key in MEASUREMENT_KEYS
                     if key in plan.inference_options)
    cards.append(_card("measurement mode", mode or "not recorded", small=True))
    if summary.total_layer_latency_ms is not None:
        cards.append(_card("sum of layer latencies", f"{format_ms(summary.total_layer_latency_ms)} ms",
                           f"reformats {format_ms(summary.reformat_latency_ms)} ms"))
    else:
        cards.append(_card("sum of layer latencies", "not profiled", "no per-layer profile among the artifacts"))
    if plan.detailed:
        cards.append(_card("weights", format_bytes(summary.weights_bytes),
                           "" if summary.weights_bytes is not None else "the artifacts give no weight counts"))
    sources = ", ".join(source.path.rsplit("/", 1)[-1] for source in plan.sources)
    return f"<h3>{escape(plan.name)}</h3><div class=\"cards\">{''.join(cards)}</div>" + \
        f'<p class="note">from {escape(sources)}</p>' + "".join(f'<p class="note">{escape(note)}</p>'
                                                                for note in plan.notes[:5])


NO_LAYERS = '<p class="note">No layer information among this engine\'s artifacts (a performance summary only).</p>'


def _by_type(engine: EngineReport, colors: dict[str, str]) -> str:
    summary = engine.summary
    if not summary.by_type:
        return f"<h3>{escape(engine.plan.name)}</h3>{NO_LAYERS}"
    timed = summary.has_profile
    bars = [Bar(group.key, (group.latency_ms or 0.0) if timed else group.count, colors.get(group.key, "#4878d0"),
                f"{group.key}: {group.count} layers" + (_ms_share(group) if timed else ""))
            for group in summary.by_type]
    unit = "ms" if timed else "layers"
    chart = svg.hbar_chart(f"latency-by-type-{engine.slot}", bars, unit,
                           f"{'Latency' if timed else 'Layer count'} by layer type of {engine.plan.name}")
    return f"<h3>{escape(engine.plan.name)}</h3>" + _figure(
        chart, "" if timed else "no per-layer profile: layer counts instead of latency")


def _precision(engine: EngineReport) -> str:
    summary = engine.summary
    groups = summary.by_precision
    out = [f"<h3>{escape(engine.plan.name)}</h3>"]
    if not groups:
        return out[0] + NO_LAYERS
    by_count = [Bar(group.key, group.count, precision_color(group.key), f"{group.key}: {group.count} layers")
                for group in groups]
    out.append(_figure(svg.hbar_chart(f"precision-count-{engine.slot}", by_count, "layers",
                                      f"Layers by precision of {engine.plan.name}"), "layers by precision"))
    if summary.has_profile:
        by_latency = [Bar(group.key, group.latency_ms or 0.0, precision_color(group.key),
                          f"{group.key}{_ms_share(group)}") for group in groups]
        out.append(_figure(svg.hbar_chart(f"precision-latency-{engine.slot}", by_latency, "ms",
                                          f"Latency by precision of {engine.plan.name}"), "latency by precision"))
    return "".join(out)


def _per_layer(engine: EngineReport) -> str:
    layers = engine.layers
    if not engine.summary.has_profile:
        return (f"<h3>{escape(engine.plan.name)}</h3><p class=\"note\">No per-layer profile: profile the engine "
                "(<code>trtkit profile</code> writes <code>.profile.json</code>) to see where the time goes.</p>")
    precisions = list(dict.fromkeys(layer.compute_precision or "unknown" for layer in layers))
    bars = [Bar(layer.name, layer.latency_ms, precision_color(layer.compute_precision),
                f"#{layer.index} {layer.name} ({layer.kind}, {layer.compute_precision or 'unknown'}): "
                + (f"{layer.latency_ms:.4f} ms" if layer.timing else "not profiled")) for layer in layers]
    legend = svg.legend({precision: precision_color(None if precision == "unknown" else precision)
                         for precision in precisions})
    return f"<h3>{escape(engine.plan.name)}</h3>" + _figure(
        svg.column_chart(f"per-layer-{engine.slot}", bars, "ms",
                         f"Per-layer latency in execution order of {engine.plan.name}"),
        "each column is a layer, in execution order; hover for its name and time", legend)


def _ms_share(group) -> str:
    """`, 1.2345 ms (12.3%)` of a group, or `, not profiled`."""
    if group.latency_ms is None:
        return ", not profiled"
    return f", {group.latency_ms:.4f} ms ({format_percent(group.percent)}%)"


def _slow_layers(engine: EngineReport, top: int) -> str:
    layers = engine.layers
    timed = engine.summary.has_profile
    total = engine.summary.total_layer_latency_ms or 1
    chosen = sorted(layers, key=lambda layer: -layer.latency_ms)[:top] if timed else layers[:top]
    rows = [[(str(layer.index), layer.index), (escape(layer.name), None), (escape(layer.kind), None),
             (escape(layer.compute_precision or ""), None), (_truncated(layer.tactic_name or "", 48), None),
             (format_ms(layer.timing.average_ms if layer.timing else None), layer.latency_ms),
             (f"{layer.latency_ms / total * 100:.1f}" if layer.timing else UNKNOWN, layer.latency_ms / total * 100),
             (escape(", ".join(layer.onnx_nodes[:3]) + (" …" if len(layer.onnx_nodes) > 3 else "")), None)]
            for layer in chosen]
    title = f"top {len(chosen)} of {len(layers)} layers by latency" if timed else \
        f"first {len(chosen)} of {len(layers)} layers (no per-layer profile)"
    return f"<h3>{escape(engine.plan.name)}: {escape(title)}</h3>" + _table(
        ["#", "layer", "type", "precision", "tactic", "ms", "%", "ONNX nodes"], rows, {"#", "ms", "%"},
        sortable=True, name=f"slow-layers-{engine.slot}")


def _reformats(engine: EngineReport) -> str:
    reformats = engine.summary.reformats
    head = f"<h3>{escape(engine.plan.name)}</h3>"
    if not reformats:
        return head + '<p class="note">No reformat layers.</p>'
    rows = [[(escape(item.name), None), (escape(item.origin or ""), None), (escape(item.source), None),
             (escape(item.target), None), (format_ms(item.latency_ms), item.latency_ms),
             ("yes" if item.converts_type else "no", None)] for item in reformats]
    total = engine.summary.reformat_latency_ms
    in_all = f"{total:.4f} ms in all" if total is not None else "not profiled"
    return head + f'<p>{len(reformats)} reformat layers, {in_all}.</p>' + \
        _table(["layer", "origin", "from", "to", "ms", "converts type"], rows, {"ms"}, sortable=True,
               name=f"reformats-{engine.slot}")


def _timing(engine: EngineReport) -> str:
    from trtkit.analysis.statistics import describe

    times = engine.plan.iteration_times
    # the figure the summary's latency is taken from (analysis.summary): GPU compute, as trtexec exports it
    values = (times.compute_ms or times.latency_ms) if times else []
    if times is None or not values:
        return ""
    label = "GPU compute" if times.compute_ms else "latency"
    statistic = describe(values, (50.0, 90.0, 95.0, 99.0))
    markers = [(f"p{percent:g}", value) for percent, value in statistic.percentiles.items()]
    table = _table(["figure", "ms"], [[(name, None), (format_ms(value), value)] for name, value in
                                      [("min", statistic.min), ("mean", statistic.mean), *markers,
                                       ("max", statistic.max)]], {"ms"}, name=f"timing-{engine.slot}")
    return (f"<h3>{escape(engine.plan.name)}: {label} per iteration</h3>"
            + _figure(svg.histogram(f"timing-histogram-{engine.slot}", values, markers, "ms",
                                    f"Distribution of {label} per iteration of {engine.plan.name}"))
            + _figure(svg.series(f"timing-series-{engine.slot}", values, "ms",
                                 f"{label} over the run of {engine.plan.name}"), "in order of the iterations")
            + table)


def _lint(engine: EngineReport) -> str:
    head = f"<h3>{escape(engine.plan.name)}</h3>"
    if engine.findings is None:
        return head + '<p class="note">Lint was not run (--no-lint).</p>'
    reasons: dict[str, list[str]] = {}
    for rule_id, reason in engine.lint_not_checked.items():
        reasons.setdefault(reason, []).append(rule_id)
    head += "".join(f'<p class="note">Not checked, {escape(reason)}: {escape(", ".join(rules))}</p>'
                    for reason, rules in reasons.items())
    if not engine.findings:
        return head + f'<p>No findings (checked for {escape(engine.lint_target)}).</p>'
    rows = [[(f'<span class="sev-{finding.severity}">{finding.severity}</span>',
              {"error": 3, "warning": 2, "info": 1}[finding.severity]),
             (f"<code>{escape(finding.rule)}</code>", None), (escape(finding.message), None),
             (escape(finding.hint), None)] for finding in engine.findings]
    return head + _table(["severity", "rule", "finding", "what to do"], rows, set(), sortable=True,
                         name=f"lint-{engine.slot}")


def _latencies(engines: list[EngineReport]) -> str:
    measured = [(engine, engine.summary.end_to_end.median) for engine in engines
                if engine.summary.end_to_end and engine.summary.end_to_end.median]
    if len(measured) < 2:
        return ""
    bars = [Bar(engine.plan.name, median, svg.PALETTE[engine.slot % len(svg.PALETTE)],
                f"{engine.plan.name}: median {median:.4f} ms"
                + (f", {engine.summary.throughput_qps:,.1f} qps" if engine.summary.throughput_qps else ""))
            for engine, median in measured]
    return "<h3>Median latency</h3>" + _figure(svg.hbar_chart("compare-latency", bars, "ms",
                                                               "Median latency of each engine"))


def _comparison(data: ReportData) -> str:
    engines = data.engines
    kinds = list(dict.fromkeys(group.key for engine in engines for group in engine.summary.by_type))
    colors = data.type_colors
    timed = all(engine.summary.has_profile for engine in engines)
    unit = "ms" if timed else "layers"
    if not kinds:
        return _latencies(engines) + NO_LAYERS + _engine_table(engines)
    rows = [(engine.plan.name, [Bar(kind, _group_value(engine.summary.by_type, kind, timed), colors[kind],
                                    f"{kind}: {_group_value(engine.summary.by_type, kind, timed):.4g} {unit}")
                                for kind in kinds]) for engine in engines]
    out = [_latencies(engines), "<h3>Latency by layer type</h3>" if timed else "<h3>Layers by type</h3>",
           _figure(svg.stacked_bars("compare-types", rows, unit, "Latency by layer type of each engine"),
                   legend=svg.legend({kind: colors[kind] for kind in kinds}))]
    precisions = list(dict.fromkeys(group.key for engine in engines for group in engine.summary.by_precision))
    if not precisions:
        return "".join(out) + _engine_table(engines)
    rows = [(engine.plan.name, [Bar(precision, _group_value(engine.summary.by_precision, precision, False),
                                    precision_color(precision),
                                    f"{precision}: {_group_value(engine.summary.by_precision, precision, False):.0f}"
                                    " layers") for precision in precisions]) for engine in engines]
    out += ["<h3>Layers by precision</h3>",
            _figure(svg.stacked_bars("compare-precision", rows, "layers", "Layer precisions of each engine"),
                    legend=svg.legend({precision: precision_color(precision) for precision in precisions}))]
    out.append(_engine_table(engines))
    for other, alignment in zip(engines[1:], data.alignments, strict=True):
        out.append(_deltas(engines[0], other, alignment, min(data.top, 20)))
    return "".join(out)


def _engine_table(engines: list[EngineReport]) -> str:
    summary_rows = []
    for engine in engines:
        latency = engine.summary.end_to_end
        summary_rows.append([(escape(engine.plan.name), None), (str(engine.summary.layer_count),
                                                                engine.summary.layer_count),
                             (format_ms(latency.median) if latency else UNKNOWN, latency.median if latency else None),
                             (UNKNOWN if engine.summary.throughput_qps is None
                              else f"{engine.summary.throughput_qps:,.1f}", engine.summary.throughput_qps),
                             (format_ms(engine.summary.total_layer_latency_ms),
                              engine.summary.total_layer_latency_ms)])
    return "<h3>Engines</h3>" + _table(["engine", "layers", "median ms", "qps", "sum of layers ms"], summary_rows,
                                       {"layers", "median ms", "qps", "sum of layers ms"}, sortable=True,
                                       name="compare-engines")


def _group_value(groups, key: str, timed: bool) -> float:
    for group in groups:
        if group.key == key:
            return (group.latency_ms or 0.0) if timed else group.count
    return 0.0


def _deltas(first: EngineReport, second: EngineReport, alignment, top: int) -> str:
    head = f"<h3>Aligned layers: {escape(second.plan.name)} against {escape(first.plan.name)}</h3>"
    pairs = alignment.pairs
    summary = (f"<p>{len(pairs)} layer pairs aligned; {len(alignment.only_first)} only in "
               f"{escape(first.plan.name)}, {len(alignment.only_second)} only in {escape(second.plan.name)}.</p>")
    if not (first.summary.has_profile and second.summary.has_profile):
        return head + summary + '<p class="note">Latency deltas need per-layer profiles of both engines.</p>'
    from trtkit.analysis.regression import not_comparable

    # as compare's gate: layers timed at batch 1 against batch 32 are no "slower" or "faster" (green on a workload)
    reasons = not_comparable(first.plan, second.plan)
    if reasons:
        return head + summary + (f'<p class="note">Latency deltas not comparable: {escape("; ".join(reasons))}. '
                                 "Profile both engines on the same batch, shapes, optimization profile and "
                                 "data-transfer setting.</p>")
    timed_pairs = [pair for pair in pairs if pair.first.timing and pair.second.timing]
    deltas = sorted(timed_pairs, key=lambda pair: -abs(pair.second.latency_ms - pair.first.latency_ms))[:top]
    if not deltas:
        return head + summary
    bars = [Bar(pair.second.name, abs(pair.second.latency_ms - pair.first.latency_ms),
                "#d65f5f" if pair.second.latency_ms > pair.first.latency_ms else "#6acc64",
                f"{pair.first.name}: {pair.first.latency_ms:.4f} ms -> {pair.second.name}: "
                f"{pair.second.latency_ms:.4f} ms") for pair in deltas]
    rows = []
    for pair in deltas:
        delta = pair.second.latency_ms - pair.first.latency_ms
        percent = delta / pair.first.latency_ms * 100 if pair.first.latency_ms else None
        klass = "slower" if delta > 0 else "faster"
        rows.append([(escape(pair.first.name), None), (escape(pair.second.name), None),
                     (format_ms(pair.first.latency_ms), pair.first.latency_ms),
                     (format_ms(pair.second.latency_ms), pair.second.latency_ms),
                     (f'<span class="{klass}">{delta:+.4f}</span>', delta),
                     (f"{percent:+.1f}" if percent is not None else "", percent), (pair.method, None)])
    chart = svg.hbar_chart(f"deltas-{second.slot}", bars, "ms",
                           f"Largest per-layer changes of {second.plan.name} against {first.plan.name}")
    return head + summary + _figure(chart, "red: slower in the second engine, green: faster",
                                    svg.legend({"slower": "#d65f5f", "faster": "#6acc64"})) + _table(
        [f"{first.plan.name} layer", f"{second.plan.name} layer", "ms before", "ms after", "Δ ms", "Δ %", "paired by"],
        rows, {"ms before", "ms after", "Δ ms", "Δ %"}, sortable=True, name=f"deltas-{second.slot}")


def _graph(engine: EngineReport) -> str:
    head = f"<h3>{escape(engine.plan.name)}</h3>"
    note = f'<p class="note">{escape(engine.graph_note)}</p>' if engine.graph_note else ""
    if engine.graph_svg is None:
        return head + note
    return head + note + f'<div class="graph-box">{engine.graph_svg}</div>'


def render(data: ReportData) -> str:
    """The whole HTML document."""
    engines = data.engines
    views: list[tuple[str, str, str]] = [
        ("summary", "Summary", "".join(_summary(engine) for engine in engines)),
        ("types", "Latency by layer type", svg.legend(data.type_colors) + "".join(_by_type(engine, data.type_colors)
                                                                                  for engine in engines)),
        ("precision", "Precision", "".join(_precision(engine) for engine in engines)),
        ("per-layer", "Per-layer latency", "".join(_per_layer(engine) for engine in engines)),
        ("slow-layers", "Slowest layers", "".join(_slow_layers(engine, data.top) for engine in engines)),
        ("reformats", "Reformats", "".join(_reformats(engine) for engine in engines)),
    ]
    timing = "".join(_timing(engine) for engine in engines)
    if timing:
        views.append(("timing", "Latency distribution", timing))
    views.append(("lint", "Lint findings", "".join(_lint(engine) for engine in engines)))
    if len(engines) > 1:
        views.append(("comparison", "Comparison", _comparison(data)))
    if data.graphs:
        views.append(("graph", "Engine graph", "".join(_graph(engine) for engine in engines)))
    title = engines[0].plan.name if len(engines) == 1 else f"{len(engines)} engines"
    nav = "".join(f'<a href="#{key}">{escape(name)}</a>' for key, name, _ in views)
    sections = "".join(f'<section class="view" id="{key}" data-view="{key}"><h2>{escape(name)}</h2>{body}</section>'
                       for key, name, body in views)
    return ("<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\">"
            "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
            f"<title>trtkit report: {escape(title)}</title><style>{STYLE}</style></head><body>"
            f"<header><h1>trtkit report: {escape(title)}</h1><p>{escape(data.generated)}</p><nav>{nav}</nav>"
            f"</header><main>{sections}</main><script>{SCRIPT}</script></body></html>\n")
