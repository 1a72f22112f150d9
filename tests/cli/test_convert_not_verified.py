"""A conversion whose outputs were never compared says so: `verified` false and `passed` unknown (null) in its
document, the reason in table and JSON, and `run` names it; it never reads as an accuracy check that passed."""

from tests.cli.test_review_findings import _if_model

OFF = "not verified: verification is off (--no-verify, or convert.verify.enabled: false)"


def test_no_verify_is_not_verified_and_passed_is_unknown(run_cli, example_models, tmp_path):
    model = example_models["resnet18"]
    result = run_cli("convert", model, "-o", tmp_path / "off.onnx", "--no-verify", "--json")
    assert result.exit_code == 0, result.stderr
    document = result.json()
    # was "passed": true with "verification": null and no note: read by CI as accuracy verified
    assert document["verified"] is False and document["passed"] is None
    assert document["verification"] is None and document["verification_note"] == OFF
    table = run_cli("--no-color", "convert", model, "-o", tmp_path / "off2.onnx", "--no-verify")
    assert table.exit_code == 0 and OFF in " ".join(table.stderr.split())
    verified = run_cli("convert", model, "-o", tmp_path / "on.onnx", "--json").json()
    assert verified["verified"] is True and verified["passed"] is True and verified["verification_note"] is None


def test_a_verification_that_could_not_run_is_not_a_pass(run_cli, tmp_path):
    model = _if_model(tmp_path / "fp16.onnx", True)  # the reference runner refuses its FP16 branch
    result = run_cli("convert", model, "-o", tmp_path / "out" / "converted.onnx", "--json")
    assert result.exit_code == 0, result.stderr
    document = result.json()
    assert document["verified"] is False and document["passed"] is None
    assert document["verification_note"].startswith("not verified: node /If has an FP16/BF16 subgraph")


def test_run_with_verification_off_says_not_verified(run_cli, example_models, tmp_path):
    config = tmp_path / "pipeline.yaml"
    config.write_text(f"model: {example_models['resnet18']}\nbackend: tensorrt-rtx\nworkdir: work\n"
                      "convert:\n  verify:\n    enabled: false\nrun:\n  stages: [convert]\n")
    result = run_cli("run", config, "--json")
    assert result.exit_code == 0, result.stderr
    [stage] = result.json()["outcomes"]
    assert stage["stage"] == "convert" and stage["summary"].endswith(OFF)
    [report] = (tmp_path / "work").glob("*.convert.json")
    shown = run_cli("--no-color", "inspect", report)
    assert shown.exit_code == 0, shown.stderr
    verdict = [line for line in shown.stdout.splitlines() if "verdict" in line]
    assert verdict and "—" in verdict[0] and "passed" not in verdict[0]  # was "verdict: passed"


def test_the_verification_names_the_shapes_it_drew_for_dynamic_inputs(run_cli, example_models, tmp_path):
    model = example_models["transformer_encoder"]
    document = run_cli("convert", model, "-o", tmp_path / "t.onnx", "--json").json()
    # was "random (seed 0, 1 batch(es))": a pass on sequences of length 1 read as a pass on the model
    assert document["verified"] and document["data"] == ("random (seed 0, 1 batch(es); dynamic dimensions set to 1: "
                                                         "input_ids 1x1, attention_mask 1x1)")
    fixed = run_cli("convert", model, "-o", tmp_path / "t2.onnx", "--shapes", "input_ids:2x16,attention_mask:2x16",
                    "--json").json()
    assert fixed["data"] == "random (seed 0, 1 batch(es))"
