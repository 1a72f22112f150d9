"""The report of three engines of the same file name (a sweep's folders) in headless Chromium at 1,400 px: the
slowest-layers tables fit their card, the comparison labels tell the engines apart, counts read "20 layers", the
cards show engine size, build time and targets from the build metadata, no internal note is shown."""

from __future__ import annotations

import importlib.util
import re

import pytest

from tests.report.test_report_browser import browser  # noqa: F401 - the shared Chromium fixture

FOLDERS = ["precision-fp16_max-input-2", "precision-fp16_max-input-4", "precision-fp16_max-input-8"]


@pytest.mark.skipif(importlib.util.find_spec("tensorrt_rtx") is None, reason="TensorRT-RTX is not installed")
def test_three_engines_of_one_name_fit_at_1400_px(browser, run_cli, example_models, tmp_path):  # noqa: F811
    for folder, batch in zip(FOLDERS, (2, 4, 8), strict=True):
        built = run_cli("build", example_models["resnet18"], "-o", tmp_path / folder / "resnet18.engine",
                        "--backend", "tensorrt-rtx", "--shapes", f"input:{batch}x3x64x64")
        assert built.exit_code == 0, built.stderr
    report = tmp_path / "three.html"
    result = run_cli("report", *(tmp_path / folder for folder in FOLDERS), "-o", report)
    assert result.exit_code == 0, result.stderr
    page = browser.new_page(viewport={"width": 1400, "height": 900})
    page.goto(report.as_uri())
    page.wait_for_load_state("load")
    overflowing = page.eval_on_selector_all("table[data-table^='slow-layers']", """tables => tables.map(table => {
        const card = table.closest('section.view').getBoundingClientRect();
        const box = table.getBoundingClientRect();
        return {width: box.width, right: box.right, card: card.right};
    }).filter(t => t.right > t.card + 0.5)""")
    assert page.eval_on_selector_all("table[data-table^='slow-layers']", "t => t.length") == 3
    assert overflowing == []
    text = page.inner_text("body")
    assert not re.search(r"\d\.00 layers", text) and re.search(r"\b\d+ layers\b", text)
    labels = page.eval_on_selector("svg[data-chart='compare-precision']", "svg => Array.from("
                                   "svg.querySelectorAll('text[text-anchor=end]')).map(t => t.textContent)")
    assert len(labels) == 3 and len(set(labels)) == 3, labels
    summary = page.inner_text("section[data-view='summary']").lower()
    assert summary.count("engine size") == 3 and summary.count("build time") == 3 and "targets" in summary
    assert "not recorded" not in summary.split("measurement mode")[0]  # the device card: the build's targets
    assert "second layer listing" not in text
    page.close()
