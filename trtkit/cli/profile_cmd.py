"""`trtkit profile`: measure an engine on the GPU like trtexec, from the `profile:` section of a config and
flags."""

from typing import Annotated

import typer

from trtkit.cli.options import (
    BackendOption,
    JsonFlag,
    OptionalPath,
    OptionalText,
    ProfileSetOption,
    config_flags,
    flag_overrides,
    wants_json,
)


def profile(
    engine: Annotated[OptionalPath, typer.Argument(metavar="ENGINE", help="Engine to measure (default: profile.engine, "
                                                                         "else the engine build writes).")] = None,
    config: Annotated[OptionalPath, typer.Option("--config", help="Pipeline config with a profile: section.")] = None,
    backend: BackendOption = None,
    shapes: Annotated[OptionalText, typer.Option("--shapes", help="Input shapes for dynamic inputs, e.g. "
                                                 "input:4x3x224x224 (default: the profile's opt shapes).")] = None,
    overrides: ProfileSetOption = None,
    json: JsonFlag = False,
) -> None:
    """Measure an engine on the GPU; writes <engine>.timing.json, .profile.json and .profile.metadata.json."""
    from trtkit.config.context import StageContext
    from trtkit.config.loader import load_config
    from trtkit.io.jsonout import emit_json
    from trtkit.report.profile import profile_document, render_profile
    from trtkit.stages.profile import profile_engine

    typed_as: dict[str, str] = {}
    flags = config_flags(overrides, backend, typed_as)
    flag_overrides(flags, "profile.shapes", shapes, f"--shapes {shapes}", typed_as)
    settings = load_config(config, flags, typed_as=typed_as)
    section = settings.profile
    result = profile_engine(engine or settings.profiled_engine_path(), section, StageContext.for_config(settings))
    if wants_json(json):
        emit_json(profile_document(result))
    else:
        render_profile(result)
