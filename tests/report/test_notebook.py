"""Jupyter views: a plan, lint results and comparisons draw themselves (`_repr_html_`) with the HTML report's
views once the API is imported; `EnginePlan.to_pandas()` gives one row per layer."""

from __future__ import annotations

import sys

import pytest

import trtkit
from tests.conftest import FIXTURES

RESNET = FIXTURES / "trt8" / "resnet18-a100"


def test_a_plan_draws_its_summary_precisions_slowest_layers_and_reformats() -> None:
    plan = trtkit.load_plan(RESNET / "qat")
    page = plan._repr_html_()
    assert page is not None and 'data-view="plan"' in page
    assert f'<div class="k">layers</div><div class="v">{len(plan.layers)}</div>' in page
    reformats = [layer for layer in plan.layers if layer.is_reformat]
    assert f"<p>{len(reformats)} reformat layers" in page
    slowest = max(plan.layers, key=lambda layer: layer.latency_ms)
    assert slowest.name in page and "INT8" in page
    assert page.count('data-view="plan"') == 1 and "<style>" in page and "body{" not in page  # scoped style only


def test_lint_results_draw_their_counts_and_findings() -> None:
    result = trtkit.lint(RESNET / "qat-residual", target="8")
    page = result._repr_html_()
    assert page is not None
    warnings = sum(finding.severity == "warning" for finding in result.findings)
    assert f"<h3>{len(result.findings)} findings ({warnings} warning" in page
    assert page.count("<tr>") == len(result.findings) + 1
    assert all(finding.rule in page for finding in result.findings)


def test_comparisons_draw_the_engines_and_the_gate(example_models) -> None:
    comparison = trtkit.compare_engines(RESNET / "qat", baseline=RESNET / "fp16",
                                        overrides=["compare.max_regression=1%"])
    page = comparison._repr_html_()
    assert page is not None and 'data-view="compare"' in page
    assert "resnet.onnx.engine" in page and "resnet-qat.onnx.engine" in page
    assert f"Gate: resnet-qat.onnx.engine against resnet.onnx.engine: {comparison.gates[0].verdict}" in page
    model = example_models["resnet18"]
    outputs = trtkit.compare_outputs(model, model)
    shown = outputs._repr_html_()
    assert shown is not None and "passed" in shown
    assert all(f"<td>{output.name}</td>" in shown for output in outputs.outputs)


def test_to_pandas_has_a_row_per_layer_with_unknown_as_missing() -> None:
    pandas = pytest.importorskip("pandas", reason="pandas is not installed (pip install 'trtkit[notebook]')")
    plan = trtkit.load_plan(RESNET / "qat")
    frame = plan.to_pandas()
    assert len(frame) == len(plan.layers) and list(frame.index) == [layer.index for layer in plan.layers]
    assert frame["latency_ms"].sum() == pytest.approx(sum(layer.latency_ms for layer in plan.layers))
    assert int(frame["is_reformat"].sum()) == sum(layer.is_reformat for layer in plan.layers)
    assert frame.loc[plan.layers[1].index, "precision"] == plan.layers[1].compute_precision
    plan.layers[0].timing = None  # not profiled: unknown, not 0
    assert pandas.isna(plan.to_pandas().loc[plan.layers[0].index, "latency_ms"])


def test_to_pandas_without_pandas_says_what_to_install(monkeypatch) -> None:
    monkeypatch.setitem(sys.modules, "pandas", None)
    with pytest.raises(trtkit.BackendUnavailableError, match="needs pandas") as raised:
        trtkit.load_plan(RESNET / "fp16").to_pandas()
    assert raised.value.exit_code == 4 and "pip install 'trtkit[notebook]'" in raised.value.one_line()


def test_the_text_form_of_a_plan_and_a_comparison_is_short() -> None:
    """A notebook stores the text form beside the HTML: one line, not every layer's fields."""
    plan = trtkit.load_plan(RESNET / "qat")
    assert repr(plan) == f"EnginePlan(name='resnet-qat.onnx.engine', layers={len(plan.layers)}, profiled=True, " \
                         "tensorrt_version=None)"
    comparison = trtkit.compare_engines(RESNET / "qat", baseline=RESNET / "fp16")
    assert repr(comparison) == ("EngineComparison(engines=['resnet.onnx.engine', 'resnet-qat.onnx.engine'], "
                                f"gates=[{comparison.gates[0].verdict!r}])")


def test_an_inspect_result_draws_each_engine() -> None:
    result = trtkit.inspect(RESNET / "fp16", RESNET / "qat-residual-qgap")
    page = result._repr_html_()
    assert page is not None and page.count('data-view="plan"') == 2
    for view in result.plans:
        assert f'<div class="k">layers</div><div class="v">{len(view.plan.layers)}</div>' in page
