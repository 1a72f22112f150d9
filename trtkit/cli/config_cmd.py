"""`trtkit config`: validate, show, schema and init of pipeline config files."""


from pathlib import Path
from typing import Annotated, Any, Optional

import typer

from trtkit.cli.options import ConfigFile, ConfigForceOption, ForceOption, JsonFlag, SetOption, output_file, wants_json

config_app = typer.Typer(help="Validate, show, document and start pipeline config files.", no_args_is_help=True,
                         rich_markup_mode=None)

OutputPath = Annotated[
    Optional[Path],  # noqa: UP045 - typer reads this annotation at runtime on Python 3.10
    typer.Option("-o", "--output", help="Write to this file (atomically) instead of stdout.", metavar="FILE",
                 parser=output_file()),
]


@config_app.command("validate")
def validate(
    files: Annotated[list[Path], typer.Argument(metavar="CONFIG.yaml...", help="Config files to check.")],
    overrides: SetOption = None,
    json: JsonFlag = False,
) -> None:
    """Check config files; every problem is one line with its key path and line. Exit 2 if any is invalid."""
    from rich.markup import escape

    from trtkit.config.loader import load_config
    from trtkit.errors import EXIT_BAD_INPUT, EXIT_USAGE, ConfigError, TrtkitError
    from trtkit.io.jsonout import document, emit_json
    from trtkit.report import console

    results: list[dict[str, Any]] = []
    worst = 0
    for file in files:
        try:
            config = load_config(file, overrides or [])
            # "valid" covers keys and values only: whether the model exists and the profiles name its inputs is
            # lint's check (it reads the model); say so, and never call a config whose model is missing plainly valid
            model = None if config.model is None else config.resolve(config.model)
            results.append({"file": str(file), "valid": True, "problems": [], "model_checked": False,
                            "model_missing": None if model is None else str(model) if not model.is_file() else None})
        except ConfigError as error:
            results.append({"file": str(file), "valid": False, "problems": error.lines()})
            worst = max(worst, EXIT_USAGE)
        except TrtkitError as error:
            results.append({"file": str(file), "valid": False, "problems": [error.one_line()]})
            worst = max(worst, error.exit_code if error.exit_code != EXIT_BAD_INPUT else EXIT_BAD_INPUT)
    if wants_json(json):
        emit_json(document("config-validate", {"files": results}))
    else:
        for result in results:
            if result["valid"]:
                console.out().print(f"[green]valid[/green] {escape(result['file'])} (keys and values; the model "
                                    f"and its profiles are checked by `trtkit lint {escape(result['file'])}`)")
                if result["model_missing"]:
                    console.warn(f"{escape(result['file'])}: its model {escape(result['model_missing'])} does not "
                                 "exist; fix model: (paths are relative to the config file)")
            for problem in result["problems"]:
                console.error_line(problem)
    if worst:
        raise typer.Exit(worst)


@config_app.command("show")
def show(config: ConfigFile, overrides: SetOption = None, json: JsonFlag = False) -> None:
    """Print the effective config: the file with defaults filled in and --set overrides applied."""
    import yaml

    from trtkit.config.loader import load_config
    from trtkit.io.jsonout import emit_json

    effective = load_config(config, overrides or []).model_dump(mode="json")
    if wants_json(json):
        emit_json(effective)
    else:
        typer.echo(yaml.safe_dump(effective, sort_keys=False, default_flow_style=False), nl=False)


@config_app.command("schema")
def schema(
    output: OutputPath = None,
    force: ForceOption = False,
) -> None:
    """Print the JSON Schema of the config, for editor completion and validation."""
    from trtkit.config.models import PipelineConfig
    from trtkit.io.jsonout import dumps, write_json

    if output:
        from trtkit.io.overwrite import check_overwrite

        check_overwrite(output, "schema", force, "schema output")
    document = PipelineConfig.model_json_schema()
    document["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    document["title"] = "trtkit pipeline config"
    if output:
        write_json(output, document)
    else:
        typer.echo(dumps(document), nl=False)


@config_app.command("init")
def init(
    model: Annotated[Path, typer.Argument(metavar="MODEL.onnx", help="The ONNX model to start from.")],
    output: OutputPath = None,
    force: ConfigForceOption = False,
) -> None:
    """Write a commented starter config from the model: its inputs, and a profile for dynamic dimensions."""
    from trtkit.config.loader import parse_yaml, validate_config
    from trtkit.config.starter import starter_config
    from trtkit.io.atomic import write_text_atomic
    from trtkit.io.onnx_model import graph_inputs, load_onnx
    from trtkit.io.overwrite import check_overwrite
    from trtkit.io.paths import refuse_output_over_input
    from trtkit.report import console

    if output:
        refuse_output_over_input(output, [model], "config output", artifacts_read=False)  # even with --force
    check_overwrite(output, "config", force, "config output")
    inputs = graph_inputs(load_onnx(model))
    text = starter_config(model, output, inputs)
    validate_config(*parse_yaml(text, "starter config"))  # what we write must validate
    if output:
        write_text_atomic(output, text)
        console.info(f"wrote {output}")
    else:
        typer.echo(text, nl=False)
