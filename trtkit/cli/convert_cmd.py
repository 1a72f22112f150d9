"""`trtkit convert`: prepare an ONNX model for TensorRT (shapes, folding, simplification, opset, precision,
quantization) and verify it against the original."""

from typing import Annotated

import typer

from trtkit.cli.options import (
    ConvertSetOption,
    ForceOption,
    JsonFlag,
    OptionalPath,
    OptionalText,
    flag_overrides,
    output_file,
    wants_json,
)


def convert(
    model: Annotated[OptionalPath, typer.Argument(metavar="MODEL.onnx", help="Model to convert (default: the "
                                                                            "config's model).")] = None,
    output: Annotated[OptionalPath, typer.Option(
        "-o", "--output", metavar="FILE", parser=output_file(), help="Converted model (convert.output; default "
                                                                      "<workdir>/<model>.<precision>.onnx).")] = None,
    config: Annotated[OptionalPath, typer.Option("--config", help="Pipeline config with a convert: section.")] = None,
    precision: Annotated[OptionalText, typer.Option("--precision", help="fp32, fp16 or bf16 (convert.precision).")]
    = None,
    quantize: Annotated[OptionalText, typer.Option("--quantize", help="int8, fp8 or int4 (convert.quantize.mode).")]
    = None,
    data: Annotated[OptionalPath, typer.Option("--data", help="Calibration and verification inputs (.npz, folder of "
                                               ".npy, Polygraphy JSON); default random.")] = None,
    shapes: Annotated[OptionalText, typer.Option("--shapes", help="Fix input shapes, e.g. input:1x3x224x224 "
                                                 "(convert.input_shapes).")] = None,
    opset: Annotated[OptionalText, typer.Option("--opset", help="Convert to this opset (convert.opset).")] = None,
    no_fold: Annotated[bool, typer.Option("--no-fold", help="Skip constant folding.")] = False,
    no_simplify: Annotated[bool, typer.Option("--no-simplify", help="Skip onnxslim simplification.")] = False,
    no_verify: Annotated[bool, typer.Option("--no-verify", help="Skip the onnxruntime comparison.")] = False,
    overrides: ConvertSetOption = None,
    force: ForceOption = False,
    json: JsonFlag = False,
) -> None:
    """Convert an ONNX model for TensorRT; exit 1 when its outputs drift beyond the tolerance."""
    from trtkit.config.context import StageContext
    from trtkit.config.loader import load_config
    from trtkit.errors import UsageError
    from trtkit.io.jsonout import emit_json
    from trtkit.report.convert import convert_document, render_convert
    from trtkit.stages.convert import check_model_exists
    from trtkit.stages.convert import convert as run_convert

    flags: list[str] = list(overrides or [])
    typed_as: dict[str, str] = {}
    for flag, key, value in (("--precision", "precision", precision), ("--quantize", "quantize.mode", quantize),
                             ("--data", "data.path", str(data) if data else None),
                             ("--shapes", "input_shapes", shapes), ("--opset", "opset", opset),
                             ("--no-fold", "fold_constants", "false" if no_fold else None),
                             ("--no-simplify", "simplify", "false" if no_simplify else None),
                             ("--no-verify", "verify.enabled", "false" if no_verify else None)):
        typed = flag if flag.startswith("--no-") else f"{flag} {value}"
        flag_overrides(flags, f"convert.{key}", value, typed, typed_as)
    settings = load_config(config, flags, typed_as=typed_as)
    if model is None:
        if settings.model is None:
            raise UsageError("convert needs a model", "give MODEL.onnx or a --config with model:")
        model = settings.resolve(settings.model)
    check_model_exists(model)
    output = output or settings.converted_path(model)
    if output.resolve() != model.resolve():  # the stage refuses the input as output in its own words
        from trtkit.io.overwrite import check_overwrite

        check_overwrite(output, "onnx", force, "converted model")
    result = run_convert(model, output, settings.convert, StageContext.for_config(settings),
                         profile_shapes=settings.first_opt_shapes())
    if wants_json(json):
        emit_json(convert_document(result))
    else:
        render_convert(result)
    if not result.passed:
        raise typer.Exit(1)
