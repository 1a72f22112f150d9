"""`trtkit compare outputs` where an output holds NaN or Inf: the error figures are unknown (— in tables, null in
JSON, — in HTML), never the 0 of the elements left; the NaN/Inf counts of both sides are shown."""

import math

import numpy as np
import onnx
from onnx import TensorProto, helper

from trtkit.analysis.accuracy import Tolerance, compare_arrays, worst_figures
from trtkit.report.notebook import outputs_html
from trtkit.results.compare import OutputComparison

FP32 = Tolerance(1e-4, 1e-3, 0.99999, "test")


def _sqrt_model(path, offsets: list[float]):
    """y = sqrt(|x| + offsets): a negative offset makes that element NaN (onnxruntime's Sqrt of a negative)."""
    graph = helper.make_graph(
        [helper.make_node("Abs", ["x"], ["magnitude"]), helper.make_node("Add", ["magnitude", "offsets"], ["shifted"]),
         helper.make_node("Sqrt", ["shifted"], ["y"])], "sqrt",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 4])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, 4])],
        [helper.make_tensor("offsets", TensorProto.FLOAT, [1, 4], offsets)])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    model.ir_version = 8
    onnx.save(model, str(path))
    return path


def _models(tmp_path):
    np.savez(tmp_path / "inputs.npz", x=np.zeros((1, 4), np.float32))
    return (_sqrt_model(tmp_path / "nan.onnx", [-1.0, 4.0, -9.0, 16.0]),
            _sqrt_model(tmp_path / "finite.onnx", [1.0, 4.0, 9.0, 16.0]), tmp_path / "inputs.npz")


def _row(stdout: str, name: str = "y") -> list[str]:
    line = next(line for line in stdout.splitlines() if line.startswith(f"│ {name} "))
    return [cell.strip() for cell in line.strip("│").split("│")]


def test_nan_in_the_reference_shows_unknown_figures_not_zero(run_cli, tmp_path):
    with_nan, finite, inputs = _models(tmp_path)
    result = run_cli("--no-color", "compare", "outputs", with_nan, finite, "--data", inputs)
    assert result.exit_code == 1
    # output, shape, max abs, mean abs, p99 abs, median rel, p99 rel, cosine, SNR dB, NaN/Inf ref / cand, verdict
    assert _row(result.stdout) == ["y", "1x4", "—", "—", "—", "—", "—", "—", "—", "2 / 0", "FAIL"]
    assert "error figures unknown (—): 2 element(s) NaN or Inf in only one" in result.stdout
    [output] = run_cli("compare", "outputs", with_nan, finite, "--data", inputs, "--json").json()["outputs"]
    assert output["max_abs"] is None and output["cosine"] is None and output["mean_abs"] is None
    assert output["nan_reference"] == 2 and output["nan_candidate"] == 0 and output["unknown_errors"] == 2
    assert not output["passed"]


def test_nan_in_the_candidate_counts_on_its_side(run_cli, tmp_path):
    with_nan, finite, inputs = _models(tmp_path)
    result = run_cli("--no-color", "compare", "outputs", finite, with_nan, "--data", inputs)
    assert result.exit_code == 1
    assert _row(result.stdout)[2] == "—" and _row(result.stdout)[-2] == "0 / 2"
    assert "2 NaN and 0 Inf values where the reference is finite" in result.stdout


def test_nan_in_both_at_the_same_places_passes_on_the_finite_rest(run_cli, tmp_path):
    with_nan, _, inputs = _models(tmp_path)
    result = run_cli("--no-color", "compare", "outputs", with_nan, with_nan, "--data", inputs)
    assert result.exit_code == 0
    row = _row(result.stdout)
    assert row[2] == "0" and row[-2] == "2 / 2"  # the two finite elements agree exactly
    assert "figures over the elements finite in both; 2 NaN/Inf element(s) agree" in result.stdout


def test_outputs_with_no_element_finite_in_both_have_no_known_figure():
    """All NaN in both agrees element for element (the verdict passes), but nothing was measured: the figures are
    unknown, not max abs 0 and cosine 1 (nor are an empty output's)."""
    for reference, candidate in ((np.full(4, np.nan, np.float32), np.full(4, np.nan, np.float32)),
                                 (np.array([np.inf, np.nan], np.float32), np.array([np.inf, np.nan], np.float32)),
                                 (np.zeros(0, np.float32), np.zeros(0, np.float32))):
        metrics = compare_arrays("y", reference, candidate, FP32)
        assert metrics.passed and metrics.unknown_errors == 0
        assert all(math.isnan(getattr(metrics, name)) for name in ("max_abs", "p99_abs", "cosine", "snr_db"))
        assert worst_figures([metrics]) == (None, None)


def test_infinities_make_the_figures_unknown():
    reference = np.array([1.0, 2.0, np.inf, 4.0], np.float32)
    for candidate, reason in ((np.array([1.0, 2.0, 3.0, 4.0], np.float32), "reference is NaN or Inf"),
                              (np.array([1.0, 2.0, -np.inf, 4.0], np.float32), "reference is NaN or Inf"),
                              (np.array([1.0, 2.0, np.nan, 4.0], np.float32), "reference is NaN or Inf")):
        metrics = compare_arrays("y", reference, candidate, FP32)
        assert metrics.unknown_errors == 1 and not metrics.passed
        assert math.isnan(metrics.max_abs) and math.isnan(metrics.cosine) and math.isnan(metrics.snr_db)
        assert any(reason in text for text in metrics.reasons), metrics.reasons
    agreeing = compare_arrays("y", reference, reference.copy(), FP32)
    assert agreeing.passed and agreeing.unknown_errors == 0 and agreeing.max_abs == 0.0
    # a new Inf where the reference is finite
    inf = compare_arrays("y", np.ones(4, np.float32), np.array([1, 1, np.inf, 1], np.float32), FP32)
    assert "0 NaN and 1 Inf values where the reference is finite" in inf.reasons and math.isnan(inf.max_abs)


def test_worst_figures_are_unknown_when_one_output_is():
    from trtkit.analysis.accuracy import worst_figures

    finite = compare_arrays("a", np.ones(4), np.ones(4) * 1.5, FP32)
    unknown = compare_arrays("b", np.ones(4), np.array([1, np.nan, 1, 1]), FP32)
    assert worst_figures([finite]) == (0.5, 1.0)
    # whichever order: a NaN never hides behind max() as it would with the builtin
    assert worst_figures([finite, unknown]) == (None, None) == worst_figures([unknown, finite])
    assert worst_figures([]) == (None, None)


def test_html_view_shows_unknown_not_zero():
    comparison = OutputComparison("ref.onnx", "cand.onnx", "random", "fp32")
    comparison.outputs.append(compare_arrays("y", np.array([np.nan, 2.0, 3.0]), np.array([1.0, 2.0, 3.0]), FP32))
    page = outputs_html(comparison)
    cells = page.split("<tbody>")[1].split("</td>")
    # output, shape, max abs, p99 abs, cosine: the figures unknown, shown as —, not as the finite rest's 0 and 1
    assert [cell.rsplit(">", 1)[1] for cell in cells[2:5]] == ["—", "—", "—"]
    assert "data-v=\"nan\"" not in page and ">1 / 0</td>" in page


def test_inspect_of_the_saved_comparison_says_why_figures_are_unknown(run_cli, tmp_path):
    with_nan, finite, inputs = _models(tmp_path)
    saved = tmp_path / "outputs.json"
    saved.write_text(run_cli("compare", "outputs", with_nan, finite, "--data", inputs, "--json").stdout)
    shown = run_cli("--no-color", "inspect", saved)
    assert shown.exit_code == 0, shown.stderr
    text = " ".join(shown.stdout.replace("│", " ").split())
    assert "max abs error —, cosine —" in text
    assert "reference 2 NaN, 0 Inf; candidate 0 NaN, 0 Inf; error figures unknown: 2 element(s)" in text
