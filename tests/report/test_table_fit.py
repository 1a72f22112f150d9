"""Tables fit 60, 80 and 120 columns without cutting identifiers, numbers or verdicts (issue 22, item 1): they
leave out low-value columns or show one block per row, and say so."""

from __future__ import annotations

import re

import pytest

from tests.conftest import SMALL_CNN_PIPELINE
from trtkit.report.table_fit import fit_layout, share_width, table_width

WIDTHS = (60, 80, 120)
BORDERS = "│┃"


def _cells(output: str) -> set[str]:
    """Every cell of every table line in `output`, stripped (a one-line cell is a whole value)."""
    cells = set()
    for line in output.splitlines():
        if any(border in line for border in BORDERS):
            cells.update(cell.strip() for cell in re.split(f"[{BORDERS}]", line))
    return cells


def _assert_fits(output: str, width: int) -> None:
    too_wide = [line for line in output.splitlines() if len(line) > width]
    assert not too_wide, too_wide
    assert "…" not in output
    # Rich crops what is wider than the console: a table line that does not end on its border was cut
    cropped = [line for line in output.splitlines() if line[:1] in "┌┏│┃├┡└╇┣" and line.rstrip()[-1:] not in "┐┓│┃┤┩┘┫"]
    assert not cropped, cropped


def test_share_width_narrows_the_widest_and_never_below_a_minimum():
    natural, minimum = [30, 8, 40, 6], [30, 3, 12, 6]
    widths = share_width(natural, minimum, 80)
    assert table_width(widths) <= 80 and all(width >= low for width, low in zip(widths, minimum, strict=True))
    assert widths[0] == 30 and widths[3] == 6  # whole identifiers keep their width
    # prose gives up its width before a header is wrapped
    assert share_width(natural, minimum, 85, prose=[False, False, True, False])[1] == 8


def test_fit_layout_leaves_out_optional_columns_in_order_then_shows_blocks():
    headers = ["id", "scope", "checks", "parameters"]
    natural = minimum = [31, 6, 20, 16]
    assert fit_layout(headers, natural, minimum, ["parameters", "scope"], 120).left_out == []
    assert fit_layout(headers, natural, minimum, ["parameters", "scope"], 80).left_out == ["parameters"]
    assert fit_layout(headers, natural, minimum, ["parameters", "scope"], 66).left_out == ["parameters", "scope"]
    assert fit_layout(headers, natural, minimum, ["parameters", "scope"], 50).vertical


@pytest.mark.parametrize("width", WIDTHS)
def test_lint_rule_ids_are_never_cut(run_cli, monkeypatch, width):
    from trtkit.analysis.lint import all_rules

    monkeypatch.setenv("COLUMNS", str(width))
    result = run_cli("lint", "--list-rules")
    assert result.exit_code == 0
    _assert_fits(result.stdout, width)
    cells = _cells(result.stdout)
    for rule in all_rules().values():
        assert rule.id in cells, rule.id  # what users type into --disable
        assert rule.severity in cells
    if width < 120:
        assert "left out to fit" in result.stdout and "parameters" in result.stdout.split("left out")[-1]


@pytest.mark.parametrize("width", WIDTHS)
def test_output_accuracy_keeps_names_shapes_figures_and_verdicts(run_cli, monkeypatch, example_models, width):
    model = example_models["transformer_encoder"]
    compared = run_cli("--json", "compare", "outputs", model, model).json()
    monkeypatch.setenv("COLUMNS", str(width))
    result = run_cli("compare", "outputs", model, model)
    assert result.exit_code == 0
    _assert_fits(result.stdout, width)
    cells = _cells(result.stdout)
    for output in compared["outputs"]:
        assert {output["name"], "x".join(map(str, output["shape"])), f"{output['cosine']:.6f}",
                f"{output['max_abs']:.3g}", "pass"} <= cells
    assert ("left out to fit" in result.stdout or "one block per row" in result.stdout) == (width < 120)


def _sweep_points(tmp_path, model):
    from trtkit.orchestration.sweep import plan_points

    config = tmp_path / "sweep.yaml"
    config.write_text("name: cnn\n" + SMALL_CNN_PIPELINE.format(model=model) + "sweep:\n  axes:\n"
                      "    convert.precision: [fp32, fp16]\n"
                      "    build.profiles.small.max: [input:4x3x64x64, input:8x3x64x64]\n")
    return config, plan_points(config, [])[1]


@pytest.mark.parametrize("width", WIDTHS)
def test_sweep_point_names_are_never_cut(run_cli, monkeypatch, capsys, example_models, tmp_path, width):
    from trtkit.report import console
    from trtkit.report.sweep import render_sweep
    from trtkit.results.sweep import SweepResult

    config, points = _sweep_points(tmp_path, example_models["resnet18"])
    monkeypatch.setenv("COLUMNS", str(width))
    listing = run_cli("sweep", config, "--dry-run")
    assert listing.exit_code == 0
    _assert_fits(listing.stdout, width)
    assert {point.name for point in points} <= _cells(listing.stdout)

    # the results table: built and failed points with the figures a CPU-only sweep has
    for number, point in enumerate(points):
        point.status = "failed" if number == 3 else "done"
        point.reason = "build failed: TensorRT-RTX ran out of memory" if number == 3 else ""
        point.figures = {"engine_bytes": 1_234_567 + number, "build_seconds": 12.5 + number,
                         "accuracy_max_abs": 0.0123 * number, "accuracy_min_cosine": 0.99999, "lint_errors": 0}
    console.configure(json=False, quiet=True, verbose=0, color=False, debug=False)
    capsys.readouterr()
    render_sweep(SweepResult(str(config), str(tmp_path), "local", ["convert.precision"], points, "engine_bytes"))
    shown = capsys.readouterr().out
    _assert_fits(shown, width)
    cells = _cells(shown)
    assert {point.name for point in points} <= cells and {"done", "failed"} <= cells
    if width == 120:
        assert "1.18 MiB" in cells and "12.50" in cells
