"""An output spelled as a directory (`-o out/`, `out/.`) is refused, exit 2 on one line, and nothing is written:
pathlib drops the slash, and `trtkit report ... -o newdir/` wrote a FILE named `newdir`. An existing directory is
refused the same way (tests/cli/test_hostile_inputs.py), by every command with an output file option."""

from pathlib import Path

import pytest

from trtkit.errors import UsageError

COMMANDS = ["report", "lint", "migrate", "config-schema", "config-init", "convert", "build", "compare-html",
            "debug-write-config"]


def _args(command: str, target: str, fixtures_dir, model) -> list:
    return {"report": ["report", fixtures_dir / "trt8/resnet18-a100/fp16", "-o", target],
            "lint": ["lint", model, "--format", "json", "-o", target],
            "migrate": ["migrate", "trtexec --onnx=m.onnx", "-o", target, "--force"],
            "config-schema": ["config", "schema", "-o", target],
            "config-init": ["config", "init", model, "-o", target, "--force"],
            "convert": ["convert", model, "-o", target, "--no-verify"],
            "build": ["build", model, "--backend", "tensorrt-rtx", "--shapes", "input:1x3x64x64", "-o", target],
            "compare-html": ["compare", "outputs", model, model, "--layerwise", "--html", target],
            "debug-write-config": ["debug", "precision", model, "--write-config", target],
            }[command]


@pytest.mark.parametrize("spelling", ["newdir/", "newdir/.", "existing/"])
@pytest.mark.parametrize("command", COMMANDS)
def test_an_output_spelled_as_a_directory_is_refused(run_cli, fixtures_dir, example_models, tmp_path, command,
                                                     spelling):
    out = tmp_path / "out"
    (out / "existing").mkdir(parents=True)
    target = f"{out}/{spelling}"
    before = sorted(out.rglob("*"))
    result = run_cli(*_args(command, target, fixtures_dir, example_models["resnet18"]))
    assert result.exit_code == 2, result
    [line] = result.stderr.strip().splitlines()
    assert f"{target} names a directory, not a file" in line, line
    assert sorted(out.rglob("*")) == before  # no file named `newdir`, nothing inside `existing`


def test_report_suggests_its_default_name_inside_the_directory(run_cli, fixtures_dir, tmp_path):
    result = run_cli("report", fixtures_dir / "trt8/resnet18-a100/fp16", "-o", f"{tmp_path}/newdir/")
    assert result.exit_code == 2
    assert f"e.g. {tmp_path}/newdir/report.html" in result.stderr
    written = run_cli("report", fixtures_dir / "trt8/resnet18-a100/fp16", "-o", tmp_path / "newdir" / "r.html")
    assert written.exit_code == 0 and (tmp_path / "newdir" / "r.html").is_file()


@pytest.mark.parametrize("text", ["out/", "a/b/", "out/.", ".", "..", "a/.."])
def test_directory_spellings(text):
    from trtkit.io.paths import refuse_directory_name

    with pytest.raises(UsageError, match="names a directory"):
        refuse_directory_name(text)


@pytest.mark.parametrize("text", ["out", "a/b.html", "./r.html", "../r.html", ".hidden", "a..b"])
def test_file_spellings(text):
    from trtkit.io.paths import refuse_directory_name

    assert str(refuse_directory_name(text)) == str(Path(text))


@pytest.mark.parametrize("key", ["build.output", "convert.output"])
def test_config_output_spelled_as_a_directory_is_a_config_error(run_cli, example_models, tmp_path, key):
    config = tmp_path / "pipeline.yaml"
    section, field = key.split(".")
    config.write_text(f"model: {example_models['resnet18']}\nworkdir: out\n{section}:\n  {field}: engines/\n")
    result = run_cli("run", config, "--stages", section)
    assert result.exit_code == 2, result
    assert f"{key}: 'engines/' names a directory" in result.stderr
    assert not (tmp_path / "engines").exists() and not (tmp_path / "out").exists()
