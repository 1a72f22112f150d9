"""`run`: the whole pipeline from one config — convert, build, profile, inspect, lint, compare — redoing only
the stages whose inputs, config or tools changed, and recording what produced each artifact in the manifest.

Each stage says what it reads (files, its config section, tool versions) before it runs; the hash of that
is its key. A stage whose key and outputs match the manifest is not run again, and its recorded result
(exit code included, so a failing lint gate still fails) is reported as it was.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from trtkit.config.context import StageContext, StageEvents
from trtkit.config.models import STAGES
from trtkit.errors import EXIT_CHECK_FAILED, EXIT_OK, InputFileError, TrtkitError, UsageError
from trtkit.io.artifacts import EngineArtifacts, external_data_files
from trtkit.io.manifest import Manifest, StageRecord, stage_key
from trtkit.report.console import format_bytes
from trtkit.results.run import RunResult, StageOutcome


@dataclass
class RunOptions:
    stages: list[str] | None = None  # None: the config's run.stages
    start: str | None = None  # --from
    until: str | None = None
    force: bool = False


@dataclass
class Work:
    """One stage's work: what it reads, and the function that does it and returns (exit code, outputs, summary)."""

    inputs: list[Path]
    config: Any
    versions: dict[str, str | None]
    execute: Callable[[], tuple[int, list[Path], str]]


class Pipeline:
    """The paths of one pipeline config and the work of each of its stages."""

    def __init__(self, settings, config_path: Path, overrides: list[str] | None = None,
                 events: StageEvents | None = None, stages: list[str] | None = None):
        self.settings = settings
        self.config_path = config_path
        self.overrides = list(overrides or [])
        if settings.model is None:
            raise UsageError(f"{config_path} has no model:", "add `model: path/to/model.onnx` to the config")
        self.context = StageContext.for_config(settings, events)
        self.source = settings.resolve(settings.model)
        self.workdir = self.context.workdir
        self.name = settings.artifact_name
        # the configured stages say where build reads its model; --stages may add a convert the config leaves out
        converting = "convert" in settings.run.stages or "convert" in (stages or [])
        self.converted: Path | None = settings.converted_path() if converting else None
        self.engine = settings.engine_path()
        self.opt_shapes = settings.first_opt_shapes()

    @property
    def build_model(self) -> Path:
        return self.converted or self.source

    def report(self, kind: str, suffix: str = "json") -> Path:
        return self.workdir / f"{self.name}.{kind}.{suffix}"

    def data_files(self, *specs) -> list[Path]:
        """The files of data specs that name a path (a folder's .npy files), so changed data reruns the stage."""
        files: list[Path] = []
        for spec in specs:
            if spec is None or spec.path is None:
                continue
            path = self.settings.resolve(spec.path)
            files.extend(sorted(path.glob("*.npy")) if path.is_dir() else [path])
        return files

    def work(self, stage: str) -> Work:
        return getattr(self, f"_{stage}")()

    def unavailable(self, stage: str) -> str | None:
        """Why a stage cannot run here (it is skipped, not failed), or None."""
        if stage == "profile":
            from trtkit.stages.doctor import engine_runtime, run_doctor, runtime_missing

            report = run_doctor()
            return None if engine_runtime(report) else f"needs a GPU and TensorRT: {runtime_missing(report)}"
        return None

    def without_data(self, stage: str) -> str | None:
        """Why a gate the run was asked for has nothing to check, or None. Unlike a stage that cannot run here,
        this is the gate's verdict: 'no data', a failed check unless compare.allow_missing_data allows it."""
        if stage == "compare" and self.converted is None and self.settings.compare.baseline is None:
            return "no convert stage and no compare.baseline"
        return None

    # ---- the stages ------------------------------------------------------------------------------------

    def _convert(self) -> Work:
        section = self.settings.convert
        converted = self.converted
        assert converted is not None  # set whenever the run has a convert stage

        def execute():
            from trtkit.io.jsonout import write_json
            from trtkit.report.convert import convert_document
            from trtkit.stages.convert import check_model_exists, convert

            check_model_exists(self.source)
            result = convert(self.source, converted, section, self.context, profile_shapes=self.opt_shapes)
            report = write_json(self.report("convert"), convert_document(result))
            nodes = f"{result.steps[0].nodes_before} -> {result.steps[-1].nodes_after} nodes" if result.steps else ""
            summary = f"{_precision_of(section)}, {nodes}; {_verdict(result.verification, result.verification_note)}"
            if result.precision_search is not None:
                kept = result.precision_search["kept"]
                where = "out of quantization" if section.quantize is not None else "in FP32"
                summary += (f"; precision search kept {len(kept)} node(s) {where}" if kept
                            else f"; precision search: {result.precision_search['message']}")
            return (EXIT_OK if result.passed else EXIT_CHECK_FAILED,
                    [converted, *external_data_files(converted), report], summary)

        quantize = section.quantize
        inputs = [self.source, *external_data_files(self.source),
                  *self.data_files(section.data, quantize.calibration if quantize else None)]
        return Work(inputs, {"convert": section.model_dump(mode="json"), "shapes": self.opt_shapes},
                    _versions("onnx", "onnxruntime", "onnxslim", "onnx-graphsurgeon", "nvidia-modelopt"),
                    execute)

    def _build(self) -> Work:
        section = self.settings.build

        def execute():
            from trtkit.report.build import builder_log_echo
            from trtkit.stages.build import build_engine

            events = replace(self.context.events, on_log=builder_log_echo())
            result = build_engine(self.build_model, self.engine, section, replace(self.context, events=events))
            summary = (f"{_display(result.backend)} {result.tensorrt_version}: "
                       f"{format_bytes(result.engine_bytes or 0)} engine in {result.build_seconds or 0:.1f} s; "
                       f"layers from {result.graph_source}")
            return EXIT_OK, [Path(path) for path in result.written], summary

        inputs = [self.build_model, *external_data_files(self.build_model),
                  *(self.settings.resolve(path) for path in section.plugins)]
        if section.calibration is not None:
            inputs += self.data_files(section.calibration.data)
        return Work(inputs, {"backend": self.settings.backend, "build": section.model_dump(mode="json")},
                    _backend_versions(self.settings.backend), execute)

    def _profile(self) -> Work:
        section = self.settings.profile

        def execute():
            from trtkit.io.jsonout import write_json
            from trtkit.report.profile import profile_document
            from trtkit.stages.profile import profile_engine

            result = profile_engine(self.engine, section, self.context)
            report = write_json(self.report("profile"), profile_document(result))
            figure = result.figures.get("latency")
            median = "unknown" if figure is None or figure.median is None else f"{figure.median:.3f} ms"
            summary = f"median {median}, {result.throughput_qps:.1f} qps"
            return EXIT_OK, [*(Path(path) for path in result.written), report], summary

        return Work([self.engine, *self.data_files(section.data)],
                    {"backend": self.settings.backend, "profile": section.model_dump(mode="json"),
                     "device": _measuring_device(section.device)},
                    _backend_versions(self.settings.backend), execute)

    def _engine_artifacts(self) -> list[Path]:
        existing = EngineArtifacts(self.engine).existing()
        return [path for role, path in existing.items() if role not in ("engine", "build_log")]

    def _inspect(self) -> Work:
        def execute():
            from trtkit.io.jsonout import write_json
            from trtkit.report.inspect import inspect_document
            from trtkit.stages.inspect import InspectOptions, run_inspect

            artifacts = self._engine_artifacts()
            if not artifacts:
                raise InputFileError(f"no artifacts of {self.engine} to inspect", "run the build stage first")
            result = run_inspect(artifacts, InspectOptions(), self.context)
            report = write_json(self.report("inspect"), inspect_document(result))
            summary = "; ".join(
                f"{view.summary.layer_count} layers ("
                + ", ".join(f"{group.key} {group.count}" for group in view.summary.by_precision[:4]) + ")"
                for view in result.plans)
            return EXIT_OK, [report], summary

        return Work(self._engine_artifacts(), {}, _versions(), execute)

    def _lint_inputs(self) -> list[Path]:
        model = self.build_model
        return [self.config_path, *([model] if model.is_file() else []), *self._engine_artifacts()]

    def _lint(self) -> Work:
        def execute():
            from trtkit.analysis.lint import all_rules
            from trtkit.io.jsonout import write_json
            from trtkit.report.lint import lint_document, sarif_document
            from trtkit.stages.lint import LintOptions, run_lint_paths

            result = run_lint_paths(self._lint_inputs(), LintOptions(overrides=self.overrides), self.context)
            outputs = [write_json(self.report("lint"), lint_document(result)),
                       write_json(self.report("lint", "sarif"), sarif_document(result, all_rules()))]
            counts = {severity: sum(finding.severity == severity for finding in result.findings)
                      for severity in ("error", "warning", "info")}
            summary = ", ".join(f"{count} {severity}{'s' if count != 1 else ''}" for severity, count in
                                counts.items()) + f" (fails on {result.fail_on})"
            if result.checked_nothing:
                summary = f"nothing checked: no rule had the data it reads; {summary}"
            elif result.not_checked:  # a clean count must not read as every rule having looked
                rules = sorted({item.rule for item in result.not_checked})
                summary += f"; not checked for want of data: {', '.join(rules)}"
            return EXIT_CHECK_FAILED if result.failed else EXIT_OK, outputs, summary

        # the config itself is linted: all of it, overrides included, is this stage's config
        return Work(self._lint_inputs(), self.settings.model_dump(mode="json"), _versions(), execute)

    def _compare(self) -> Work:
        section = self.settings.compare
        baseline = self.settings.resolve(section.baseline) if section.baseline else None

        def execute():
            from trtkit.io.jsonout import document, write_json
            from trtkit.report.compare import engine_document, outputs_document
            from trtkit.stages.compare import compare_engines, compare_outputs

            payload: dict[str, Any] = {}
            parts: list[str] = []
            failed = False
            if self.converted is not None:
                outputs = compare_outputs(self.source, self.converted, section, self.context,
                                          shapes=self.opt_shapes)
                payload["outputs"] = outputs_document(outputs)
                parts.append(f"{outputs.precision} outputs vs the original: {_verdict(outputs, None)}")
                failed |= not outputs.passed
            if baseline is not None:
                if EngineArtifacts(self.engine).existing().keys() & {"timing", "profile", "profile_metadata"}:
                    engines = compare_engines([self.engine], baseline, section, self.context)
                    payload["engines"] = engine_document(engines)
                    verdicts = sorted({gate.verdict for gate in engines.gates})
                    parts.append(f"{', '.join(verdicts)} against the baseline")
                    failed |= engines.failed
                elif section.allow_missing_data:
                    parts.append("latency gate not run: the engine has no profile here (allowed)")
                else:  # a gate with nothing to compare is not a pass
                    parts.append("latency gate: no data (the engine has no profile here; "
                                 "compare.allow_missing_data lets this pass)")
                    failed = True
            report = write_json(self.report("compare"), document("run-compare", payload))
            return EXIT_CHECK_FAILED if failed else EXIT_OK, [report], "; ".join(parts)

        inputs = [self.source, *external_data_files(self.source), *self.data_files(section.data)]
        if self.converted is not None:
            inputs += [self.converted, *external_data_files(self.converted)]
        if baseline is not None:
            inputs += sorted(baseline.glob("*.json")) if baseline.is_dir() else [baseline]
            inputs += [path for role, path in EngineArtifacts(self.engine).existing().items()
                       if role in ("timing", "profile", "profile_metadata")]
        return Work(inputs, {"compare": section.model_dump(mode="json"), "shapes": self.opt_shapes},
                    _versions("onnxruntime"), execute)


def selected_stages(configured: list[str], options: RunOptions) -> list[str]:
    """The stages this run does, in pipeline order: --stages (else the config's), cut by --from and --until."""
    for flag, value in (("--from", options.start), ("--until", options.until)):
        if value is not None and value not in STAGES:
            raise UsageError(f"{flag} {value!r} is not a stage", f"use one of: {', '.join(STAGES)}")
    chosen = options.stages if options.stages is not None else configured
    unknown = [stage for stage in chosen if stage not in STAGES]
    if unknown:
        raise UsageError(f"--stages: {', '.join(unknown)} is not a stage", f"use: {', '.join(STAGES)}")
    stages: list[str] = [stage for stage in STAGES if stage in chosen]
    if options.start is not None:
        stages = [stage for stage in stages if STAGES.index(stage) >= STAGES.index(options.start)]
    if options.until is not None:
        stages = [stage for stage in stages if STAGES.index(stage) <= STAGES.index(options.until)]
    if not stages:
        raise UsageError("no stage left to run", "check --stages, --from and --until against run.stages")
    return stages


def run_pipeline(config_path: Path, options: RunOptions, overrides: list[str] | None = None,
                 on_stage: Callable[[StageOutcome | str], None] | None = None, events: StageEvents | None = None,
                 on_wait: Callable[[], None] | None = None) -> RunResult:
    """Run the selected stages of a pipeline config; `on_stage` gets each stage's name as it starts and its
    outcome when it ends; `events`: the build's progress (StageEvents). Another `trtkit run` on the same work
    directory is waited for (`on_wait`)."""
    from trtkit.config.loader import load_config
    from trtkit.io.locks import locked
    from trtkit.io.paths import ensure_directory

    settings = load_config(config_path, overrides)
    stages = selected_stages(settings.run.stages, options)
    pipeline = Pipeline(settings, config_path, overrides, events, stages)
    reads_model = "convert" in stages or ("build" in stages and pipeline.converted is None)
    if reads_model and not pipeline.source.is_file():  # before a work directory that would hold only a manifest
        raise InputFileError(f"model {pipeline.source} does not exist",
                             f"check `model:` in {config_path} (a relative path is relative to the config's folder)")
    ensure_directory(pipeline.workdir)
    result = RunResult(str(config_path), str(pipeline.workdir), str(pipeline.workdir / "trtkit.manifest.json"))
    notify = on_stage or (lambda event: None)
    with locked(pipeline.workdir / ".trtkit", on_wait):
        manifest = Manifest.load(pipeline.workdir)
        manifest.config = {"path": str(config_path), "sha256": manifest.file_hash(config_path),
                           "overrides": list(overrides or [])}
        broken: str | None = None
        for stage in stages:
            notify(stage)
            if broken is not None:
                outcome = StageOutcome(stage, "not run", summary=f"{broken} failed")
            else:
                outcome = _run_stage(stage, pipeline, manifest, options.force)
                if outcome.status == "failed":
                    broken = stage
            result.outcomes.append(outcome)
            manifest.save()
            notify(outcome)
    return result


def _run_stage(stage: str, pipeline: Pipeline, manifest: Manifest, force: bool) -> StageOutcome:
    reason = pipeline.unavailable(stage)
    if reason is not None:
        manifest.stages[stage] = StageRecord("skipped", summary=reason)
        return StageOutcome(stage, "skipped", summary=reason)
    reason = pipeline.without_data(stage)
    if reason is not None:  # a gate asked for with nothing to compare is not a pass (no green on missing data)
        if pipeline.settings.compare.allow_missing_data:
            status, exit_code = "skipped", EXIT_OK
            summary = f"nothing to compare ({reason}): allowed by compare.allow_missing_data"
        else:
            status, exit_code = "no data", EXIT_CHECK_FAILED
            summary = (f"nothing to compare ({reason}); add the convert stage or a compare.baseline, or set "
                       "compare.allow_missing_data to let this pass")
        manifest.stages[stage] = StageRecord(status, exit_code=exit_code, summary=summary)
        return StageOutcome(stage, status, exit_code, summary=summary)
    work = pipeline.work(stage)
    missing = [path for path in work.inputs if not path.is_file()]
    if missing:
        producer = {pipeline.converted: "convert", pipeline.engine: "build"}.get(missing[0])
        hint = f"run the {producer} stage first (trtkit run --from {producer})" if producer else "check the path"
        error = InputFileError(f"{stage}: {missing[0]} does not exist", hint)
        manifest.stages[stage] = StageRecord("failed", exit_code=error.exit_code, summary=error.one_line())
        return StageOutcome(stage, "failed", error.exit_code, summary=error.one_line())
    inputs = {manifest.name(path): manifest.file_hash(path) for path in work.inputs}
    # the artifact name is in the key: renamed (name:), a stage's record points at the old name's files, and
    # "unchanged" would leave the new name's report unwritten (compare's inputs do not carry the name)
    key = stage_key(stage, inputs, {**work.config, "artifact_name": pipeline.name}, work.versions)
    previous = None if force else manifest.up_to_date(stage, key)
    if previous is not None:
        previous.status = "unchanged"
        return StageOutcome(stage, "unchanged", previous.exit_code, 0.0, previous.summary, list(previous.outputs))
    started = time.perf_counter()
    try:
        exit_code, outputs, summary = work.execute()
    except TrtkitError as error:
        manifest.stages[stage] = StageRecord("failed", exit_code=error.exit_code, summary=error.one_line())
        return StageOutcome(stage, "failed", error.exit_code, time.perf_counter() - started, error.one_line())
    seconds = time.perf_counter() - started
    record = StageRecord("ran", key, exit_code, round(seconds, 3), summary, _now(), inputs, work.config,
                         work.versions)
    manifest.record(stage, record, outputs)
    return StageOutcome(stage, "ran", exit_code, seconds, summary, list(record.outputs))


# ---- small helpers ----------------------------------------------------------------------------------------

def _versions(*distributions: str) -> dict[str, str | None]:
    import importlib.metadata

    from trtkit import __version__

    versions: dict[str, str | None] = {"trtkit": __version__}
    for distribution in distributions:
        try:
            versions[distribution] = importlib.metadata.version(distribution)
        except importlib.metadata.PackageNotFoundError:
            versions[distribution] = None
    return versions


def _backend_versions(requested: str) -> dict[str, str | None]:
    from trtkit.backends.tensorrt import select_backend

    distribution = {"tensorrt": "tensorrt", "tensorrt-rtx": "tensorrt-rtx"}[select_backend(requested)]
    versions = _versions(distribution)
    if versions[distribution] is None and distribution == "tensorrt":
        versions.update(_versions("tensorrt-cu12", "tensorrt-cu13"))
    return versions


def _measuring_device(index: int) -> dict[str, str | None]:
    """The GPU a profile measures on, and its driver: a latency measured on another GPU (a work directory from
    another machine, a CI cache) is not this machine's, and was reported "unchanged"."""
    from trtkit.backends.cuda import probe_cuda

    cuda = probe_cuda()
    gpu = next((gpu for gpu in cuda.gpus if gpu.index == index), None)
    return {"gpu": gpu.name if gpu else None, "compute_capability": gpu.compute_capability if gpu else None,
            "driver": cuda.driver_version}


def _precision_of(section) -> str:
    return section.quantize.mode if section.quantize is not None else section.precision


def _verdict(comparison, note: str | None) -> str:
    if comparison is None:
        return note or "not verified"
    from trtkit.analysis.accuracy import worst_figures
    from trtkit.report.console import format_figure

    max_abs, cosine = worst_figures(comparison.outputs)
    figures = (f" (max abs error {format_figure(max_abs)}, cosine {format_figure(cosine, '.6f')}"
               if comparison.outputs else "")
    runner = getattr(comparison, "runner", None)
    figures += (f", {runner}" if runner else "") + (")" if figures else "")
    return ("outputs within tolerance" if comparison.passed else "outputs BEYOND tolerance") + figures


def _display(backend: str) -> str:
    from trtkit.backends.tensorrt import DISPLAY_NAMES

    return DISPLAY_NAMES.get(backend, backend)


def _now() -> str:
    from datetime import datetime, timezone

    return datetime.now(timezone.utc).isoformat(timespec="seconds")
