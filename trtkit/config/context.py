"""The context every stage runs in, and the one signature convention of the stage entry points.

Every stage entry point in `trtkit/stages/` is called the same way:

    stage(inputs..., section, context=DEFAULT_CONTEXT, *, stage-specific keywords)

- `inputs`: the files it reads and writes (`model, engine`, `source, output`, `reference, candidate`, `paths`);
- `section`: its typed configuration, the config section of its stage (`BuildConfig`, `ProfileConfig`,
  `ConvertConfig`, `CompareConfig`) or its options dataclass (`InspectOptions`, `LintOptions`);
- `context`: a `StageContext`, what is not the stage's own configuration but where and how it runs: the folder
  relative paths resolve against, the work directory, the backend, the output options and the progress events.
  `StageContext.for_config(config)` makes it from a PipelineConfig; `StageContext()` is the current directory,
  backend auto, the global output options and no events;
- keywords: what only that stage takes (`dry_run`, `shapes`, `precision`, `max_trials`...).

A stage never takes the whole PipelineConfig, a `base_dir` or a `backend` of its own: what it needs from the
pipeline besides its section is passed explicitly (`profile_shapes=config.first_opt_shapes()`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

from trtkit.config.choices import Backend
from trtkit.io.output_settings import OUTPUT, OutputSettings
from trtkit.io.paths import resolve_against

DEFAULT_WORKDIR = Path("trtkit-out")  # PipelineConfig.workdir's default


class PipelineFolders(Protocol):
    """What a context takes from a PipelineConfig (config.models imports this module, not the other way)."""

    @property
    def base_dir(self) -> Path: ...

    workdir: Path
    backend: Backend

    def resolve(self, path: Path | str) -> Path: ...


def _ignore(*_: object) -> None:
    """An event nobody listens to."""


@dataclass(frozen=True)
class StageEvents:
    """What a stage reports while it works; every event does nothing unless the caller listens.

    on_phase(name, parent or None, steps) and on_step(name, step): the builder's progress (IProgressMonitor);
    while_building(): the caller's own preparation (imports for its report), run in a thread while TensorRT builds;
    on_log(severity, message): each builder log line as TensorRT writes it (the .build.log keeps every line either
    way)."""

    on_phase: Callable[[str, str | None, int], None] = _ignore
    on_step: Callable[[str, int], None] = _ignore
    while_building: Callable[[], object] = _ignore
    on_log: Callable[[str, str], None] = _ignore


@dataclass(frozen=True)
class StageContext:
    """Where and how a stage runs: `base_dir` (what relative paths of the config resolve against; "." is the
    current directory when the stage runs), `workdir` (where artifacts go), `backend`, `output` (the CLI's global
    output options) and `events`."""

    base_dir: Path = Path(".")
    workdir: Path = DEFAULT_WORKDIR
    backend: Backend = "auto"
    output: OutputSettings = field(default_factory=lambda: OUTPUT)
    events: StageEvents = StageEvents()

    def resolve(self, path: Path | str) -> Path:
        """A path from the config, made absolute against `base_dir`."""
        return resolve_against(self.base_dir, path)

    @classmethod
    def for_config(cls, config: PipelineFolders, events: StageEvents | None = None,
                   output: OutputSettings | None = None) -> StageContext:
        """The context of a pipeline config: its folder, its workdir (resolved), its backend."""
        return cls(config.base_dir, config.resolve(config.workdir), config.backend,
                   OUTPUT if output is None else output, StageEvents() if events is None else events)


DEFAULT_CONTEXT = StageContext()
