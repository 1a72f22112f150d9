"""The HTML report opened in a real headless Chromium (Debian's package, driven by Playwright): no console
errors, no network requests, every chart drawn with its marks, sortable tables that sort; a screenshot of each
view is saved under build/report-screenshots/ for a person to look at.

`make test` installs Chromium and sets TRTKIT_BROWSER_TEST=required, so in CI this test cannot skip."""

import importlib.util
import os
import shutil
from pathlib import Path

import pytest

from tests.conftest import REPO

SCREENSHOTS = Path(os.environ.get("TRTKIT_SCREENSHOTS", REPO / "build" / "report-screenshots"))
CHROMIUM_ARGS = ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
SINGLE_VIEWS = ["summary", "types", "precision", "per-layer", "slow-layers", "reformats", "timing", "lint", "graph"]


def _chromium() -> str | None:
    for name in ("chromium", "chromium-browser", "google-chrome"):
        found = shutil.which(name)
        if found:
            return found
    return None


@pytest.fixture(scope="module")
def browser():
    missing = [what for what, ok in (("Chromium", _chromium() is not None),
                                     ("playwright", importlib.util.find_spec("playwright") is not None),
                                     ("Graphviz dot", shutil.which("dot") is not None)) if not ok]
    if missing:
        if os.environ.get("TRTKIT_BROWSER_TEST") == "required":
            pytest.fail(f"the browser test needs {', '.join(missing)}: make test installs them")
        pytest.skip(f"needs {', '.join(missing)} (make test installs them)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=_chromium(), args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


def _open(browser, report: Path, screenshots: str):
    """Load the report; return the page and what went wrong in it (console errors, page errors, requests)."""
    page = browser.new_page(viewport={"width": 1300, "height": 900})
    problems: list[str] = []
    page.on("console", lambda message: problems.append(f"console {message.type}: {message.text}")
            if message.type in ("error", "warning") else None)
    page.on("pageerror", lambda error: problems.append(f"page error: {error}"))
    page.on("requestfailed", lambda request: problems.append(f"request failed: {request.url}"))
    page.on("request", lambda request: problems.append(f"network request: {request.url}")
            if not request.url.startswith(("file:", "data:")) else None)
    page.goto(report.as_uri())
    page.wait_for_load_state("load")
    folder = SCREENSHOTS / screenshots
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    for view in page.eval_on_selector_all("section[data-view]", "nodes => nodes.map(n => n.dataset.view)"):
        page.locator(f"section[data-view='{view}']").screenshot(path=str(folder / f"{view}.png"))
    page.screenshot(path=str(folder / "whole-page.png"), full_page=True)
    return page, problems


def _charts(page) -> list[dict]:
    """Every chart as the browser laid it out: its size on screen and the marks (bars, lines, nodes) drawn."""
    return page.eval_on_selector_all("svg.chart", """charts => charts.map(svg => {
        const box = svg.getBoundingClientRect();
        const marks = Array.from(svg.querySelectorAll('.mark, g.node')).filter(m => {
            const r = m.getBoundingClientRect(); return r.width > 0 || r.height > 0; });
        return {name: svg.dataset.chart, width: box.width, height: box.height, marks: marks.length};
    })""")


def _assert_rendered(page, problems, views):
    assert problems == []
    shown = page.eval_on_selector_all("section[data-view]", "nodes => nodes.map(n => n.dataset.view)")
    assert shown == views
    charts = _charts(page)
    assert charts and all(chart["width"] > 100 and chart["height"] > 20 and chart["marks"] > 0
                          for chart in charts), [chart for chart in charts if not chart["marks"]]
    return charts


def _report(run_cli, tmp_path, name, *args):
    output = tmp_path / f"{name}.html"
    result = run_cli("report", *args, "-o", output)
    assert result.exit_code == 0, result.stderr
    return output


def test_single_engine_report_in_chromium(browser, run_cli, fixtures_dir, tmp_path):
    report = _report(run_cli, tmp_path, "a100-fp16", fixtures_dir / "trt8/resnet18-a100/fp16")
    page, problems = _open(browser, report, "a100-fp16")
    charts = _assert_rendered(page, problems, SINGLE_VIEWS)
    names = {chart["name"] for chart in charts}
    assert {"latency-by-type-0", "precision-count-0", "precision-latency-0", "per-layer-0", "timing-histogram-0",
            "timing-series-0", "graph"} <= names
    per_layer = next(chart for chart in charts if chart["name"] == "per-layer-0")
    layers = page.eval_on_selector("section[data-view='summary'] .card:nth-child(4) .v", "node => node.textContent")
    assert per_layer["marks"] == int(layers)  # one column per layer
    # the slowest-layers table sorts by a column when its header is clicked
    table = page.locator("table[data-table='slow-layers-0']")
    table.locator("th", has_text="ms").first.click()
    values = [float(value) for value in table.locator("tbody td:nth-child(6)").all_inner_texts()]
    assert values == sorted(values, reverse=True) and len(values) == int(layers)
    table.locator("th", has_text="ms").first.click()
    values = [float(value) for value in table.locator("tbody td:nth-child(6)").all_inner_texts()]
    assert values == sorted(values)
    for view in SINGLE_VIEWS:
        assert (SCREENSHOTS / "a100-fp16" / f"{view}.png").stat().st_size > 2000


def test_five_engine_comparison_in_chromium(browser, run_cli, fixtures_dir, tmp_path):
    variants = ["fp32", "fp16", "qat", "qat-residual", "qat-residual-qgap"]
    report = _report(run_cli, tmp_path, "a100-five", *(fixtures_dir / "trt8/resnet18-a100" / v for v in variants))
    page, problems = _open(browser, report, "a100-five")
    charts = _assert_rendered(page, problems, [*SINGLE_VIEWS[:-1], "comparison", "graph"])
    names = {chart["name"] for chart in charts}
    assert {"compare-types", "compare-precision", "deltas-1", "deltas-4"} <= names
    stacked = next(chart for chart in charts if chart["name"] == "compare-types")
    assert stacked["marks"] >= 5 * 3  # five engines, several layer types each
    assert sum(chart["name"] == "graph" for chart in charts) == 5


@pytest.mark.skipif(importlib.util.find_spec("tensorrt_rtx") is None, reason="TensorRT-RTX is not installed")
def test_report_of_an_engine_built_here_in_chromium(browser, run_cli, example_models, tmp_path):
    config = tmp_path / "pipeline.yaml"
    config.write_text(f"model: {example_models['transformer_encoder']}\nbackend: tensorrt-rtx\nbuild:\n  profiles:\n"
                      "    default:\n      min: {input_ids: 1x1, attention_mask: 1x1}\n"
                      "      opt: {input_ids: 2x16, attention_mask: 2x16}\n"
                      "      max: {input_ids: 4x32, attention_mask: 4x32}\n")
    engine = tmp_path / "encoder.engine"
    assert run_cli("build", "--config", config, "-o", engine).exit_code == 0
    report = _report(run_cli, tmp_path, "rtx-encoder", tmp_path)
    page, problems = _open(browser, report, "rtx-encoder")
    charts = _assert_rendered(page, problems, ["summary", "types", "precision", "per-layer", "slow-layers",
                                               "reformats", "lint", "graph"])
    assert "TensorRT-RTX" in page.inner_text("section[data-view='summary']")
    assert any(chart["name"] == "graph" for chart in charts)
