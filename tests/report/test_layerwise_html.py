"""The layer-wise comparison's HTML page opens offline in headless Chromium without errors, draws one column per
tensor along execution order, and marks where the error jumps (screenshots under build/report-screenshots/)."""

from __future__ import annotations

import onnx

from tests.backends.test_reference_runner import _all_fp16
from tests.cli.test_compare_layerwise import planted_resnet
from tests.report.test_report_browser import _charts, _open, browser  # noqa: F401 - the fixture


def test_layerwise_page_renders_in_a_browser(browser, run_cli, example_models, tmp_path):  # noqa: F811
    source = planted_resnet(example_models["resnet18"], tmp_path / "planted.onnx")
    candidate = tmp_path / "planted.fp16.onnx"
    onnx.save(_all_fp16(onnx.load(str(source))), str(candidate))
    page_file = tmp_path / "layerwise.html"
    result = run_cli("compare", "outputs", source, candidate, "--shapes", "input:1x3x64x64", "--layerwise",
                     "--html", page_file, "--json")
    assert result.exit_code == 1
    document = result.json()
    page, problems = _open(browser, page_file, "layerwise")
    assert problems == []
    assert page.eval_on_selector_all("section[data-view]", "nodes => nodes.map(n => n.dataset.view)") == [
        "summary", "error", "tensors"]
    [chart] = _charts(page)
    assert chart["name"] == "layerwise-error" and chart["marks"] == document["compared"] > 60
    assert chart["width"] > 600
    summary = page.locator("section[data-view='summary']").inner_text()
    assert "/planted/Sub" in summary and "trtkit-reference-fp16" in summary
    rows = page.locator("table[data-table='layerwise-tensors'] tbody tr").count()
    assert rows == document["compared"]
    page.close()
