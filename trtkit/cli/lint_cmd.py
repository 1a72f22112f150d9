"""`trtkit lint`: rules over engine artifacts, ONNX models and configs, as a CI gate."""

from pathlib import Path
from typing import Annotated, Optional

import typer

from trtkit.cli.options import ForceOption, JsonFlag, LintSetOption, output_file, wants_json
from trtkit.config.choices import FailOn, spoken_list

RuleIds = Annotated[
    Optional[list[str]],  # noqa: UP045 - typer reads this annotation at runtime on Python 3.10
    typer.Option(metavar="RULE", help="Rule id (repeatable, or comma-separated)."),
]


def _split(values: list[str] | None) -> list[str]:
    return [item.strip() for value in values or [] for item in value.split(",") if item.strip()]


def lint(
    paths: Annotated[
        Optional[list[Path]],  # noqa: UP045
        typer.Argument(metavar="PATH...", help="Engine artifacts, ONNX models, folders, and at most one config."),
    ] = None,
    enable: RuleIds = None,
    disable: RuleIds = None,
    fail_on: Annotated[
        Optional[str],  # noqa: UP045
        typer.Option("--fail-on", metavar="SEVERITY",
                     help=f"Exit 1 when a finding is at or above: {spoken_list(FailOn)} (default: lint.fail_on)."),
    ] = None,
    tensorrt: Annotated[
        Optional[str],  # noqa: UP045
        typer.Option("--tensorrt", metavar="VERSION", help="Check for TensorRT 8, 10, 11 or rtx (default: the "
                                                           "config's backend, else the installed TensorRT)."),
    ] = None,
    output_format: Annotated[
        str, typer.Option("--format", help="table, json or sarif (SARIF 2.1.0 for code-scanning services).")
    ] = "table",
    output: Annotated[
        Optional[Path],  # noqa: UP045
        typer.Option("-o", "--output", help="Write the JSON or SARIF to this file (atomically).",
                     metavar="FILE", parser=output_file()),
    ] = None,
    list_rules: Annotated[bool, typer.Option("--list-rules", help="Document every rule and exit.")] = False,
    overrides: LintSetOption = None,
    force: ForceOption = False,
    json: JsonFlag = False,
) -> None:
    """Check engines, ONNX models and configs; exit 1 when a finding reaches --fail-on."""
    from trtkit.analysis.lint import all_rules
    from trtkit.errors import UsageError
    from trtkit.io.jsonout import emit_json, write_json
    from trtkit.report.lint import lint_document, render_lint, render_rules, rules_document, sarif_document
    from trtkit.stages.lint import LintOptions, check_fail_on, run_lint_paths

    output_format = "json" if wants_json(json) else output_format
    if output_format not in ("table", "json", "sarif"):
        raise UsageError(f"--format {output_format!r} is not a format", "use table, json or sarif")
    if fail_on is not None:  # before --list-rules, which reads no files
        check_fail_on(fail_on)
    rules = all_rules()
    if list_rules:
        emit_json(rules_document(rules)) if output_format == "json" else render_rules(rules)
        return
    if not paths:
        raise UsageError("lint needs a PATH", "give engine artifacts, ONNX models or a config file")
    if output is not None:
        from trtkit.io.overwrite import check_overwrite
        from trtkit.io.paths import refuse_output_over_input

        refuse_output_over_input(output, list(paths), "lint output")
        check_overwrite(output, "lint", force, "lint output")
    result = run_lint_paths(paths, LintOptions(enable=_split(enable), disable=_split(disable), fail_on=fail_on,
                                               target=tensorrt, overrides=overrides or []))
    if output_format == "table":
        render_lint(result)
    else:
        doc = lint_document(result) if output_format == "json" else sarif_document(result, rules)
        if output:
            write_json(output, doc)
        else:
            emit_json(doc)
        if output and not wants_json(json):
            render_lint(result)
    if result.failed:
        raise typer.Exit(1)
