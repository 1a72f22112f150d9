"""`trtkit compare` through the CLI: the regression gate's exit codes, Markdown, and output accuracy."""


import numpy as np
import onnx
import pytest
from onnx import numpy_helper

A100 = "trt8/resnet18-a100"


def test_gate_exit_codes(run_cli, fixtures_dir):
    fp16, fp32 = fixtures_dir / A100 / "fp16", fixtures_dir / A100 / "fp32"
    assert run_cli("compare", "--baseline", fp16, fp32, "--max-regression", "5%").exit_code == 1
    assert run_cli("compare", "--baseline", fp16, fp16, "--max-regression", "5%").exit_code == 0
    assert run_cli("compare", "--baseline", fp32, fp16).exit_code == 0  # faster
    assert run_cli("compare", "--baseline", fp16, fp32, "--max-regression", "lots").exit_code == 2


def test_markdown_for_a_pull_request(run_cli, fixtures_dir):
    result = run_cli("compare", "--baseline", fixtures_dir / A100 / "fp16", fixtures_dir / A100 / "fp32",
                     "--format", "markdown")
    assert result.exit_code == 1
    assert result.stdout.startswith("### trtkit compare: `fp32/resnet.onnx.engine` against `fp16/resnet.onnx.engine`")
    assert "| median | 0.8622 | 1.991 |" in result.stdout and "regression" in result.stdout
    assert "Evidence: per-iteration times" in result.stdout


def test_json_of_five_engines(run_cli, fixtures_dir):
    paths = [fixtures_dir / A100 / variant for variant in ("fp32", "fp16", "qat", "qat-residual", "qat-residual-qgap")]
    document = run_cli("compare", *paths, "--json").json()
    assert document["schema"] == "trtkit/compare/v1" and len(document["engines"]) == 5
    assert [round(engine["speedup"], 2) for engine in document["engines"]] == [1.0, 2.31, 2.26, 3.65, 3.98]
    assert len(document["alignments"]) == 4 and document["gates"] == []


def test_config_supplies_the_baseline_and_limits(run_cli, fixtures_dir, tmp_path):
    config = tmp_path / "pipeline.yaml"
    config.write_text(f"compare:\n  baseline: {fixtures_dir / A100 / 'fp16'}\n  max_regression: 200%\n"
                      "  metrics: [median]\n")
    assert run_cli("compare", fixtures_dir / A100 / "fp32", "--config", config).exit_code == 0  # +131% < 200%
    assert run_cli("compare", fixtures_dir / A100 / "fp32", "--config", config,
                   "--max-regression", "100%").exit_code == 1


def test_outputs_model_against_itself_passes(run_cli, example_models):
    model = example_models["resnet18"]
    result = run_cli("compare", "outputs", model, model, "--json")
    assert result.exit_code == 0, result.stderr
    document = result.json()
    [output] = document["outputs"]
    assert document["passed"] and output["max_abs"] == 0.0 and output["cosine"] == pytest.approx(1.0, abs=1e-12)
    assert document["data"].startswith("random (seed 0")


def test_outputs_perturbed_weights_fail_with_metrics(run_cli, example_models, tmp_path):
    model = onnx.load(str(example_models["resnet18"]))
    for initializer in model.graph.initializer:
        if initializer.name == "fc.weight":
            weights = numpy_helper.to_array(initializer)
            noisy = weights + np.random.default_rng(0).normal(0, 0.05, weights.shape).astype(np.float32)
            initializer.CopyFrom(numpy_helper.from_array(noisy, "fc.weight"))
    perturbed = tmp_path / "perturbed.onnx"
    onnx.save(model, str(perturbed))
    result = run_cli("--no-color", "compare", "outputs", example_models["resnet18"], perturbed)
    assert result.exit_code == 1
    assert "FAIL" in result.stdout and "elements exceed atol" in result.stdout and "cosine" in result.stdout
    document = run_cli("compare", "outputs", example_models["resnet18"], perturbed, "--json").json()
    output = document["outputs"][0]
    assert not document["passed"] and output["max_abs"] > 0.01 and output["snr_db"] < 60


def test_tolerances_follow_the_precision(run_cli, example_models, tmp_path):
    import onnxruntime

    session = onnxruntime.InferenceSession(str(example_models["transformer_encoder"]),
                                           providers=["CPUExecutionProvider"])
    rng = np.random.default_rng(0)
    feeds = {"input_ids": rng.integers(0, 100, (2, 16)), "attention_mask": np.ones((2, 16), np.int64)}
    [hidden] = session.run(None, feeds)
    np.savez(tmp_path / "reference.npz", last_hidden_state=hidden)
    noisy = hidden * (1 + rng.normal(0, 1e-3, hidden.shape).astype(np.float32))  # FP16-sized error
    np.savez(tmp_path / "candidate.npz", last_hidden_state=noisy)
    reference, candidate = tmp_path / "reference.npz", tmp_path / "candidate.npz"
    assert run_cli("compare", "outputs", reference, candidate).exit_code == 1  # FP32 tolerances
    assert run_cli("compare", "outputs", reference, candidate, "--precision", "fp16").exit_code == 0
    config = tmp_path / "p.yaml"
    config.write_text("compare:\n  tolerances:\n    last_hidden_state: {atol: 0.00001, rtol: 0.00001}\n")
    assert run_cli("compare", "outputs", reference, candidate, "--precision", "fp16",
                   "--config", config).exit_code == 1  # a per-output tolerance wins over the precision's default


def test_data_spec_inputs(run_cli, example_models, tmp_path):
    rng = np.random.default_rng(1)
    np.savez(tmp_path / "inputs.npz", input=rng.random((2, 3, 64, 64), dtype=np.float32))
    model = example_models["resnet18"]
    document = run_cli("compare", "outputs", model, model, "--data", tmp_path / "inputs.npz", "--json").json()
    assert document["passed"] and document["outputs"][0]["shape"] == [2, 10]  # as onnxruntime returns it (issue 22.12)
    (tmp_path / "npy").mkdir()
    np.save(tmp_path / "npy" / "wrong.npy", np.zeros((1, 3, 64, 64), np.float32))
    missing = run_cli("compare", "outputs", model, model, "--data", tmp_path / "npy")
    assert missing.exit_code == 3 and "lacks input(s) input" in missing.stderr
    shaped = run_cli("compare", "outputs", model, model, "--shapes", "input:3x3x64x64", "--json").json()
    assert shaped["outputs"][0]["shape"] == [3, 10]


def test_saved_polygraphy_results_and_engines(run_cli, fixtures_dir, rtx_builds, example_models):
    results = fixtures_dir / "polygraphy/trt8.6_polygraphy_run_save_results.runresults.json"
    document = run_cli("compare", "outputs", results, results, "--json").json()
    assert document["passed"] and {o["name"] for o in document["outputs"]} == {"A-V-12-Add", "A-V-14-ArgMax"}
    engine = run_cli("compare", "outputs", example_models["resnet18"], rtx_builds["resnet18"].engine)
    assert engine.exit_code == 4 and "needs TensorRT and a GPU" in engine.stderr
    no_inputs = run_cli("compare", "outputs", results, rtx_builds["resnet18"].engine)
    assert no_inputs.exit_code == 2 and "give --data" in no_inputs.stderr


def test_polygraphy_inputs_load(fixtures_dir):
    from trtkit.io.data import load_feeds

    [feed] = load_feeds(fixtures_dir / "polygraphy/trt8.6_polygraphy_run_save_inputs.inputs.json")
    assert feed["tensorX"].shape == (4, 1, 28, 28) and feed["tensorX"].dtype == np.float32
