"""`trtkit config validate` checks keys and values, not the model: its verdict says so, and a config whose model
does not exist is never reported plainly "valid"."""


def test_valid_says_what_it_checked_and_flags_a_missing_model(run_cli, example_models, tmp_path):
    missing = tmp_path / "missing.yaml"
    missing.write_text("model: nope.onnx\nbackend: tensorrt-rtx\n")
    present = tmp_path / "present.yaml"
    present.write_text(f"model: {example_models['resnet18']}\nbackend: tensorrt-rtx\n")

    text = run_cli("--no-color", "config", "validate", missing, present)
    assert text.exit_code == 0, text.stderr
    assert " ".join(text.stdout.split()).count("(keys and values; the model and its profiles are checked by") == 2
    assert f"its model {tmp_path / 'nope.onnx'} does not exist" in " ".join(text.stderr.split())
    assert str(example_models["resnet18"]) not in text.stderr

    files = run_cli("config", "validate", missing, present, "--json").json()["files"]
    assert [(entry["valid"], entry["model_checked"], entry["model_missing"]) for entry in files] == [
        (True, False, str(tmp_path / "nope.onnx")), (True, False, None)]
