"""`sweep`: a matrix of pipeline variants — every combination of `sweep.axes`, plus `include`, minus `exclude` —
each point a full pipeline config in its own work directory, run in parallel and gathered into one table.

Points share work: every point with the same `convert:` section (and model) uses one conversion. Each point
runs in phases — build, then profile on a GPU (one timed run per GPU at a time), then inspect, lint and
compare — through `trtkit run`, so a sweep that is interrupted and run again redoes nothing that finished.
"""

from __future__ import annotations

import hashlib
import itertools
import json
import os
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

from trtkit.errors import EXIT_CHECK_FAILED, EXIT_INTERNAL, ConfigError, TrtkitError, UsageError
from trtkit.results.sweep import Point, SweepResult

CPU_BEFORE_PROFILE = ("build",)
CPU_AFTER_PROFILE = ("inspect", "lint", "compare")
# what a stage that ran and exited 1 checked: a point's status names it ("failed: convert verification")
CHECK_NAMES = {"convert": "convert verification", "lint": "lint", "compare": "compare", "build": "build",
               "profile": "profile", "inspect": "inspect"}


def _slug(value: Any) -> str:
    text = value if isinstance(value, str) else json.dumps(value, separators=(",", ":"), sort_keys=True)
    return re.sub(r"[^A-Za-z0-9.+_-]+", "-", text).strip("-")[:40] or "x"


def _point_name(values: dict[str, Any]) -> str:
    return "_".join(f"{key.split('.')[-1]}-{_slug(value)}" for key, value in values.items()) or "base"


def _matches(values: dict[str, Any], rule: dict[str, Any]) -> bool:
    return all(key in values and json.dumps(values[key], sort_keys=True) == json.dumps(expected, sort_keys=True)
               for key, expected in rule.items())


def expand_key(key: str, data: dict[str, Any]) -> list[str]:
    """The config keys an axis key stands for: `*` is every key the base config has at that level
    (`build.profiles.*.opt`: the opt shapes of every profile)."""
    keys = [""]
    for part in key.split("."):
        expanded = []
        for prefix in keys:
            node: Any = data
            for step in filter(None, prefix.split(".")):
                node = node.get(step, {}) if isinstance(node, dict) else {}
            names = list(node) if part == "*" and isinstance(node, dict) else [part]
            expanded += [f"{prefix}.{name}" if prefix else name for name in names]
        keys = expanded
    if not keys:
        raise UsageError(f"sweep axis {key}: `*` matches nothing in the base config", "check the key's path")
    return keys


# keys every point gets from the sweep, whatever an axis says: an axis on them was silently overridden (a point listed
# with run.stages [convert, build, lint] ran the base config's stages and showed their figures)
SET_BY_THE_SWEEP = ("run", "sweep", "workdir", "name", "build.output", "profile.engine", "convert.output")


def _refuse_keys_the_sweep_sets(values: dict[str, Any]) -> None:
    for key in values:
        if any(key == fixed or key.startswith(f"{fixed}.") for fixed in SET_BY_THE_SWEEP):
            raise UsageError(f"sweep axis {key}: the sweep sets it for every point (the base config's run.stages, "
                             "each point's own work directory and artifact names)",
                             "set it in the base config, or sweep another key")


def point_values(sweep) -> list[dict[str, Any]]:
    """The axis values of every point: the combinations of `axes` not excluded, then `include`."""
    keys = list(sweep.axes)
    points = [dict(zip(keys, combination, strict=True)) for combination in itertools.product(*sweep.axes.values())] \
        if keys else []
    points = [values for values in points if not any(_matches(values, rule) for rule in sweep.exclude)]
    points += [dict(values) for values in sweep.include if values not in points]
    return points


def plan_points(config: Path, overrides: list[str]) -> tuple[Any, list[Point], Path]:
    """The base config, every point (validated before anything runs), and the sweep's work directory."""
    from trtkit.config.loader import load_config

    base = load_config(config, overrides)
    sweep = base.sweep
    values_list = point_values(sweep)
    if not values_list:
        raise UsageError(f"{config}: the sweep has no points", "set sweep.axes (and sweep.include) in the config")
    if base.model is None:
        raise UsageError(f"{config} has no model:", "add `model: path/to/model.onnx` to the config")
    root = base.resolve(sweep.workdir) if sweep.workdir else base.resolve(base.workdir) / "sweep"
    name = base.artifact_name
    data = base.model_dump(mode="json")
    points: list[Point] = []
    seen: dict[str, int] = {}
    for values in values_list:
        _refuse_keys_the_sweep_sets(values)
        point_name = _point_name(values)
        seen[point_name] = seen.get(point_name, 0) + 1
        if seen[point_name] > 1:
            point_name = f"{point_name}_{seen[point_name]}"
        value_overrides = [f"{expanded}={json.dumps(value)}" for key, value in values.items()
                           for expanded in expand_key(key, data)]
        try:
            settings = load_config(config, [*overrides, *value_overrides])
        except ConfigError as error:
            raise ConfigError([f"sweep point {point_name}: {line}" for line in error.lines()]) from None
        workdir = root / point_name
        engine = workdir / f"{name}.engine"
        placement = [f"workdir={json.dumps(str(workdir))}", f"name={json.dumps(name)}",
                     f"build.output={json.dumps(str(engine))}", f"profile.engine={json.dumps(str(engine))}"]
        group = None
        if "convert" in settings.run.stages:
            section = settings.convert.model_dump(mode="json")
            section.pop("output", None)
            digest = hashlib.sha256(json.dumps([section, str(settings.resolve(settings.model))],
                                               sort_keys=True).encode()).hexdigest()[:10]
            group = f"{settings.convert.output_suffix}-{digest}"
            converted = root / "_convert" / group / settings.convert.output_name(name)
            placement.append(f"convert.output={json.dumps(str(converted))}")
        points.append(Point(point_name, values, [*overrides, *value_overrides, *placement], workdir, group))
    return base, points, root


def run_phase(task: dict) -> dict:
    """In a worker process: some stages of one point through `trtkit run`; never raises."""
    from dataclasses import asdict

    from trtkit.orchestration.run import RunOptions, run_pipeline

    report = {"pid": os.getpid(), "cuda_visible_devices": os.environ.get("CUDA_VISIBLE_DEVICES")}
    try:
        result = run_pipeline(Path(task["config"]), RunOptions(stages=task["stages"]), task["overrides"])
    except TrtkitError as error:
        return {**report, "outcomes": [], "error": error.one_line(), "exit_code": error.exit_code}
    except Exception as error:  # a bug in trtkit: this point fails, the sweep goes on
        return {**report, "outcomes": [], "error": f"internal error: {type(error).__name__}: {error}",
                "exit_code": EXIT_INTERNAL}
    return {**report, "outcomes": [asdict(outcome) for outcome in result.outcomes], "exit_code": result.exit_code}


def run_point_returning(task: dict) -> dict:
    """In a Ray worker that does not share the work directory: the whole point in a scratch folder, and every file
    it wrote sent back to the driver."""
    import tempfile

    with tempfile.TemporaryDirectory(prefix="trtkit-sweep-") as scratch:
        local = [re.sub(r"^(workdir|build\.output|profile\.engine|convert\.output)=.*$", "", item)
                 for item in task["overrides"]]
        name = task["name"]
        engine = json.dumps(str(Path(scratch) / f"{name}.engine"))
        overrides = [item for item in local if item] + [
            f"workdir={json.dumps(scratch)}", f"build.output={engine}", f"profile.engine={engine}"]
        report = run_phase({**task, "overrides": overrides})
        report["files"] = {str(path.relative_to(scratch)): path.read_bytes() for path in Path(scratch).rglob("*")
                           if path.is_file() and not path.name.endswith(".lock")}
    return report


def _write_returned(point: Point, files: dict[str, bytes]) -> None:
    from trtkit.io.atomic import write_bytes_atomic

    for relative, data in files.items():
        write_bytes_atomic(point.workdir / relative, data)


def _configured(base, stages: tuple[str, ...]) -> list[str]:
    return [stage for stage in stages if stage in base.run.stages]


def run_sweep(config: Path, overrides: list[str] | None = None, executor_name: str | None = None,
              on_event: Callable[[Point], None] | None = None) -> SweepResult:
    """Run every point; failures are recorded per point and never stop the others."""
    from trtkit.backends.cuda import probe_cuda
    from trtkit.backends.executors import LocalExecutor, RayExecutor
    from trtkit.io.paths import ensure_directory

    overrides = list(overrides or [])
    base, points, root = plan_points(config, overrides)
    sweep = base.sweep
    kind = executor_name or sweep.executor
    notify = on_event or (lambda point: None)
    ensure_directory(root, "sweep.workdir")
    workers = sweep.workers or os.cpu_count() or 1
    if kind == "ray":
        executor: Any = RayExecutor(sweep.ray_address, sweep.workers)
    else:
        gpus = sweep.gpus if sweep.gpus is not None else list(range(len(probe_cuda().gpus)))
        executor = LocalExecutor(workers, gpus)
    result = SweepResult(str(config), str(root), kind, list(sweep.axes), points)
    try:
        if kind == "ray" and sweep.return_artifacts:
            _schedule_whole_points(executor, base, config, points, notify)
        else:
            _schedule(executor, base, config, points, notify)
    except BaseException:
        executor.close(cancel=True)
        raise
    executor.close()
    for point in points:
        point.figures = collect_figures(point, base.artifact_name)
    result.pareto_axis = mark_pareto(points)
    if not executor.gpus and "profile" in base.run.stages:
        result.notes.append("no GPU: the profile stage was skipped; the Pareto front trades engine size against "
                            "accuracy loss instead of latency")
    result.notes += unranked_notes(points, result.pareto_axis)
    from trtkit.io.jsonout import write_json
    from trtkit.report.sweep import sweep_document

    write_json(root / "sweep.json", sweep_document(result))
    return result


def _schedule(executor, base, config: Path, points: list[Point], notify) -> None:
    """Conversions first (one per group), then each point's phases as soon as the one before is done."""
    import concurrent.futures

    phases = [("building", _configured(base, CPU_BEFORE_PROFILE), False),
              ("profiling", _configured(base, ("profile",)), True),
              ("analysing", _configured(base, CPU_AFTER_PROFILE), False)]
    phases = [phase for phase in phases if phase[1]]
    running: dict[concurrent.futures.Future, tuple[str, Any]] = {}
    waiting: dict[str, list[Point]] = {}

    def task(point: Point, stages: list[str]) -> dict:
        return {"config": str(config), "overrides": point.overrides, "stages": stages}

    def advance(point: Point, index: int) -> None:
        if index >= len(phases):
            finish(point)
            notify(point)
            return
        status, stages, on_gpu = phases[index]
        point.status = status
        if on_gpu and executor.gpus:
            point.gpu, future = executor.submit_gpu(run_phase, task(point, stages))
        else:
            future = executor.submit_cpu(run_phase, task(point, stages))
        running[future] = ("point", (point, index))
        notify(point)

    for point in points:
        if point.convert_group is None:
            advance(point, 0)
        elif point.convert_group in waiting:
            waiting[point.convert_group].append(point)
            point.status = "converting"
        else:
            waiting[point.convert_group] = [point]
            point.status = "converting"
            future = executor.submit_cpu(run_phase, {**task(point, ["convert"]),
                                                     "overrides": _convert_overrides(point)})
            running[future] = ("convert", point.convert_group)
        notify(point)
    while running:
        done, _ = concurrent.futures.wait(list(running), return_when=concurrent.futures.FIRST_COMPLETED)
        for future in done:
            what, subject = running.pop(future)
            report = _report(future)
            if what == "convert":
                for point in waiting.pop(subject):
                    point.outcomes.extend(report["outcomes"])
                    if _failed(point, report):
                        continue
                    advance(point, 0)
                continue
            point, index = subject
            point.outcomes.extend(report["outcomes"])
            if not _failed(point, report):
                advance(point, index + 1)


def _schedule_whole_points(executor, base, config: Path, points: list[Point], notify) -> None:
    """Ray without a shared work directory: each point is one task (its own conversion included) whose files come
    back to the driver; it asks for a GPU when the cluster has one, to profile on it alone."""
    import concurrent.futures

    running = {}
    for point in points:
        task = {"config": str(config), "overrides": point.overrides, "stages": list(base.run.stages),
                "name": base.artifact_name}
        profile = "profile" in base.run.stages and executor.gpus
        point.gpu, future = executor.submit_gpu(run_point_returning, task) if profile else \
            (None, executor.submit_cpu(run_point_returning, task))
        point.status = "running"
        running[future] = point
        notify(point)
    while running:
        done, _ = concurrent.futures.wait(list(running), return_when=concurrent.futures.FIRST_COMPLETED)
        for future in done:
            point = running.pop(future)
            report = _report(future)
            _write_returned(point, report.get("files") or {})
            point.outcomes.extend(report["outcomes"])
            if not _failed(point, report):
                finish(point)
                notify(point)


def _convert_overrides(point: Point) -> list[str]:
    """The conversion of a group runs in the group's folder (where convert.output already points)."""
    output = next(item for item in point.overrides if item.startswith("convert.output="))
    folder = Path(json.loads(output.partition("=")[2])).parent
    return [*(item for item in point.overrides if not item.startswith("workdir=")),
            f"workdir={json.dumps(str(folder))}"]


def _report(future) -> dict:
    try:
        return future.result()
    except Exception as error:  # the worker process died (killed, out of memory)
        return {"outcomes": [], "error": f"the worker failed: {type(error).__name__}: {error}",
                "exit_code": EXIT_INTERNAL}


def _failed(point: Point, report: dict) -> bool:
    """Record what the phase did; True when the point cannot go on (its error, or a stage that failed). A stage
    that ran and whose check failed (exit 1) lets the point go on, and is remembered in `failed_checks`."""
    point.exit_code = max(point.exit_code, report.get("exit_code") or 0)
    failed = [outcome for outcome in report["outcomes"] if outcome["status"] == "failed"]
    if report.get("error") or failed:
        point.status = "failed"
        point.reason = report.get("error") or f"{failed[0]['stage']}: {failed[0]['summary']}"
        return True
    for outcome in report["outcomes"]:
        if outcome["status"] in ("ran", "unchanged", "no data") and outcome.get("exit_code") == EXIT_CHECK_FAILED:
            check = CHECK_NAMES.get(outcome["stage"], outcome["stage"])
            if check not in point.failed_checks:
                point.failed_checks.append(check)
                point.reason = "; ".join(filter(None, [point.reason, f"{outcome['stage']}: {outcome['summary']}"]))
    return False


def finish(point: Point) -> None:
    """The status of a point whose stages all ran: done, or which checks failed."""
    point.status = f"failed: {', '.join(point.failed_checks)}" if point.failed_checks else "done"


def _read(path: Path) -> dict[str, Any] | None:
    try:
        return json.loads(path.read_text())
    except (OSError, ValueError):
        return None


def collect_figures(point: Point, name: str) -> dict[str, Any]:
    """The point's results from the artifacts its pipeline wrote: latency, throughput, engine size, build time,
    accuracy against the FP32 model, lint errors."""
    figures: dict[str, Any] = {}
    profile = _read(point.workdir / f"{name}.profile.json")
    if profile:
        latency: dict[str, Any] = profile.get("figures", {}).get("latency") or \
            next(iter(profile.get("figures", {}).values()), {})
        figures["latency_ms"] = latency.get("median")
        figures["throughput_qps"] = profile.get("throughput_qps")
    metadata = _read(point.workdir / f"{name}.engine.build.metadata.json")
    if metadata:
        figures["engine_bytes"] = metadata.get("engine_bytes")
        figures["build_seconds"] = metadata.get("build_seconds")
    compare = _read(point.workdir / f"{name}.compare.json")
    outputs = (compare or {}).get("outputs")
    if outputs and outputs.get("outputs"):
        # null where an output's figure is unknown (NaN or Inf on one side): no worst figure is known then
        max_abs = [output.get("max_abs") for output in outputs["outputs"]]
        cosine = [output.get("cosine") for output in outputs["outputs"]]
        figures["accuracy_max_abs"] = None if None in max_abs else max(max_abs)
        figures["accuracy_min_cosine"] = None if None in cosine else min(cosine)
        figures["accuracy_passed"] = outputs.get("passed")
        figures["accuracy_runner"] = outputs.get("runner")
    lint = _read(point.workdir / f"{name}.lint.json")
    if lint:
        figures["lint_errors"] = lint.get("counts", {}).get("error", 0)
        figures["lint_warnings"] = lint.get("counts", {}).get("warning", 0)
    return figures


def unranked_notes(points: list[Point], axis: str) -> list[str]:
    """Say which finished points the Pareto front could not rank (a figure it trades is unknown): off the front
    for want of data, not because another point beats them."""
    cost = "latency" if axis == "latency_ms" else "engine size"
    unranked = [point.name for point in points if point.status == "done"
                and (point.figures.get(axis) is None or point.figures.get("accuracy_max_abs") is None)]
    if not unranked:
        return []
    return [f"not ranked on the Pareto front, their {cost} or accuracy loss is unknown (accuracy needs the compare "
            f"stage in run.stages): {', '.join(unranked)}"]


def mark_pareto(points: list[Point]) -> str:
    """Mark the points no other point beats on both cost and accuracy loss; the cost is the latency where every
    finished point was profiled, else the engine size. Returns the cost's name. A point that failed a check
    (status "failed: ...") is never on the front."""
    for point in points:
        point.pareto = False
    finished = [point for point in points if point.status == "done"]
    axis = "latency_ms" if finished and all(point.figures.get("latency_ms") is not None for point in finished) \
        else "engine_bytes"
    candidates = [(point, point.figures.get(axis), point.figures.get("accuracy_max_abs")) for point in finished]
    scored = [(point, cost, loss) for point, cost, loss in candidates if cost is not None and loss is not None]
    for point, cost, loss in scored:
        point.pareto = not any(other_cost <= cost and other_loss <= loss and (other_cost < cost or other_loss < loss)
                               for other, other_cost, other_loss in scored if other is not point)
    return axis
