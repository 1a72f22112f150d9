"""The CLI plumbing: global options, exit codes, one-line errors, stdout only for results."""

import json
import subprocess
import sys

import pytest

from tests.conftest import run_subprocess
from trtkit import __version__


def test_version(run_cli):
    result = run_cli("--version")
    assert result.exit_code == 0 and result.stdout.strip() == f"trtkit {__version__}"


def test_help_lists_the_registered_commands(run_cli):
    import typer

    from trtkit.cli.app import app, register

    result = run_cli("--help")
    assert result.exit_code == 0
    register()
    registered = set(typer.main.get_command(app).commands)
    assert {"doctor", "config"} <= registered
    for name in registered:
        assert name in result.stdout


def test_a_run_imports_only_its_subcommand():
    # the other subcommands' modules are neither imported nor made into click commands (start-up time)
    code = ("import sys; sys.argv = ['trtkit', '-q', 'doctor', '--help']; from trtkit.cli.app import main\n"
            "try:\n    main()\nexcept SystemExit:\n    pass\n"
            "print(sorted(m for m in sys.modules if m.endswith('_cmd')))")
    completed = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert "trtkit doctor" in completed.stdout.splitlines()[0]
    assert completed.stdout.splitlines()[-1] == "['trtkit.cli.doctor_cmd']"


def test_help_after_a_narrowed_run_lists_every_command(run_cli):
    assert run_cli("doctor", "--help").exit_code == 0
    listed = run_cli("--help").stdout
    assert all(f"  {name} " in listed for name in ("convert", "build", "inspect", "sweep", "config"))
    result = run_cli("buidl")
    assert result.exit_code == 2 and "Did you mean 'build'?" in result.stderr


def test_unknown_command_is_usage_error(run_cli):
    assert run_cli("frobnicate").exit_code == 2


def test_config_errors_exit_2_with_one_line_each(run_cli, tmp_path):
    config = tmp_path / "p.yaml"
    config.write_text("model: m.onnx\nbiuld:\n  workspace: 2GiB\n")
    result = run_cli("config", "validate", config)
    assert result.exit_code == 2
    assert result.stdout == ""
    assert result.stderr.strip().splitlines() == [
        f"error: {config}:2: biuld: unknown key at the top level; did you mean 'build'?"]


def test_validate_reports_each_file(run_cli, tmp_path):
    good, bad = tmp_path / "good.yaml", tmp_path / "bad.yaml"
    good.write_text("backend: tensorrt-rtx\n")
    bad.write_text("build:\n  workspace: lots\n")
    result = run_cli("--json", "config", "validate", good, bad, tmp_path / "missing.yaml")
    assert result.exit_code == 3  # the worst: an unreadable file
    document = result.json()
    assert document["schema"] == "trtkit/config-validate/v1"
    assert [entry["valid"] for entry in document["files"]] == [True, False, False]
    assert document["files"][1]["problems"] == [
        f"{bad}:2: build.workspace: expected a size such as 4GiB, 512MiB or a number of bytes, got 'lots'"]


def test_json_flag_after_subcommand_is_the_same(run_cli):
    before = run_cli("--json", "doctor").json()
    after = run_cli("doctor", "--json").json()
    assert before["schema"] == after["schema"] == "trtkit/doctor/v1"


def test_debug_shows_traceback_only_when_asked(run_cli, tmp_path):
    config = tmp_path / "p.yaml"
    config.write_text("build:\n  workspace: lots\n")
    assert "Traceback" not in run_cli("config", "show", config).stderr
    assert "Traceback" in run_cli("--debug", "config", "show", config).stderr


def test_console_script_entry_point_and_no_color():
    result = run_subprocess("--no-color", "config", "validate", "/nonexistent/p.yaml")
    assert result.exit_code == 3
    assert result.stderr.strip() == "error: config file /nonexistent/p.yaml does not exist; check the path"
    assert "\x1b[" not in result.stderr


def test_quiet_hides_progress_but_not_results(run_cli, example_models, tmp_path):
    target = tmp_path / "c.yaml"
    loud = run_cli("config", "init", example_models["resnet18"], "-o", target)
    assert "wrote" in loud.stderr
    quiet = run_cli("-q", "config", "init", example_models["resnet18"], "-o", target, "--force")
    assert quiet.exit_code == 0 and quiet.stderr == ""


def test_json_output_is_only_json(run_cli):
    result = run_cli("--json", "doctor")
    json.loads(result.stdout)
    assert result.stdout.lstrip().startswith("{")


@pytest.mark.parametrize("text, expected", [
    ("model: m.onnx\nbiuld:\n  workspace: 2GiB\n", ":2: biuld: unknown key at the top level; did you mean 'build'?"),
    ("build:\n  workspace: lots\n", ":2: build.workspace: expected a size such as 4GiB"),
    ("build:\n  profiles:\n    p:\n      min: input:1x3xAx224\n      opt: input:1x3x224x224\n"
     "      max: input:1x3x224x224\n", ":4: build.profiles.p.min: input 'input': expected a shape"),
])
def test_the_three_classic_mistakes_exit_2_in_one_line(run_cli, tmp_path, text, expected):
    config = tmp_path / "pipeline.yaml"
    config.write_text(text)
    for command in (("config", "validate"), ("config", "show")):
        result = run_cli(*command, config)
        assert result.exit_code == 2
        [line] = result.stderr.strip().splitlines()
        assert line.startswith(f"error: {config}:") and expected in line
