"""examples/trex_resnet18_qat.ipynb runs from top to bottom (a failing cell fails the test) and draws the plan and
lint views of the fixture engines: the HTML it shows holds their layer and finding counts."""

from __future__ import annotations

import re

import pytest

from tests.conftest import FIXTURES, REPO

NOTEBOOK = REPO / "examples" / "trex_resnet18_qat.ipynb"
RESNET = FIXTURES / "trt8" / "resnet18-a100"


def html_outputs(notebook) -> list[str]:
    return [output["data"]["text/html"] for cell in notebook.cells if cell.cell_type == "code"
            for output in cell.get("outputs", []) if "text/html" in output.get("data", {})]


def test_the_trex_qat_notebook_runs_and_shows_the_plan_and_lint_views() -> None:
    # the notebook extra (pip install 'trtkit[notebook]') is part of the test environment: no allowed skip reason
    nbformat = pytest.importorskip("nbformat", reason="nbformat is not installed (pip install 'trtkit[notebook]')")
    nbclient = pytest.importorskip("nbclient", reason="nbclient is not installed (pip install 'trtkit[notebook]')")
    pytest.importorskip("pandas", reason="pandas is not installed (pip install 'trtkit[notebook]')")
    pytest.importorskip("ipykernel", reason="ipykernel is not installed (pip install 'trtkit[notebook]')")
    import trtkit

    notebook = nbformat.read(NOTEBOOK, as_version=4)
    # raises CellExecutionError, naming the cell, when one fails
    nbclient.NotebookClient(notebook, timeout=300, kernel_name="python3",
                            resources={"metadata": {"path": str(NOTEBOOK.parent)}}).execute()
    shown = html_outputs(notebook)
    plan_views = [page for page in shown if 'data-view="plan"' in page]
    lint_views = [page for page in shown if 'data-view="lint"' in page]
    compare_views = [page for page in shown if 'data-view="compare"' in page]
    assert len(plan_views) == 1 and len(lint_views) == 1 and len(compare_views) == 2, [page[:300] for page in shown]

    fp16 = trtkit.load_plan(RESNET / "fp16")
    assert f'<div class="k">layers</div><div class="v">{len(fp16.layers)}</div>' in plan_views[0]
    assert fp16.name in plan_views[0] and "Reformat" in plan_views[0]
    qat_lint = trtkit.lint(RESNET / "qat", target="8")
    assert qat_lint.findings and f"<h3>{len(qat_lint.findings)} findings" in lint_views[0]
    assert lint_views[0].count("<tr>") == len(qat_lint.findings) + 1  # the header row and one per finding
    # the overview table: per variant its layer count, from the plans
    overview = next(page for page in shown if "median latency ms" in page)
    for variant in ("fp16", "qat", "qat-residual", "qat-residual-qgap"):
        plan = trtkit.load_plan(RESNET / variant)
        assert re.search(rf"<th>{variant}</th>\s*<td>{len(plan.layers)}</td>", overview), variant
