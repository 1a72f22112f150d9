"""Polygraphy's JSON files: saved inputs (--save-inputs), run results (--save-results), tactic replay
(--save-tactics) and debug replay files; summarized as names, shapes, dtypes and statistics."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from trtkit.io.polygraphy_json import decode_array, polygraphy_kind
from trtkit.plan.shape import expect_dict, expect_list, optional_dict, optional_number, wrong


@dataclass
class TensorSummary:
    name: str
    shape: tuple[int, ...]
    dtype: str
    min: float | None = None
    max: float | None = None
    mean: float | None = None
    std: float | None = None
    iteration: int = 0
    runner: str | None = None


@dataclass
class PolygraphyArtifact:
    kind: str  # inputs | run-results | tactic-replay | debug-replay
    tensors: list[TensorSummary] = field(default_factory=list)
    runners: list[str] = field(default_factory=list)
    details: dict[str, Any] = field(default_factory=dict)


def _summary(name: str, array, iteration: int, runner: str | None) -> TensorSummary:
    import numpy as np

    numeric = array.size and np.issubdtype(array.dtype, np.number)
    values = array.astype(np.float64) if numeric else None
    return TensorSummary(
        name=name, shape=tuple(int(dim) for dim in array.shape), dtype=str(array.dtype),
        min=float(values.min()) if values is not None else None,
        max=float(values.max()) if values is not None else None,
        mean=float(values.mean()) if values is not None else None,
        std=float(values.std()) if values is not None else None,
        iteration=iteration, runner=runner,
    )


def parse_polygraphy(document: Any) -> PolygraphyArtifact:
    kind = polygraphy_kind(document)
    if kind == "inputs":
        artifact = PolygraphyArtifact(kind)
        for iteration, feed in enumerate(document):
            artifact.tensors += [_summary(name, decode_array(value), iteration, None) for name, value in feed.items()]
        return artifact
    if kind == "run-results":
        artifact = PolygraphyArtifact(kind)
        for position, entry in enumerate(expect_list(document.get("lst"), "lst")):
            if type(entry) is not list or len(entry) != 2 or type(entry[0]) is not str:
                raise wrong(f"lst[{position}]", entry, "a [runner name, results] pair")
            runner, iterations = entry
            artifact.runners.append(runner)
            for iteration, result in enumerate(expect_list(iterations, f"lst[{position}][1]")):
                where = f"lst[{position}][1][{iteration}]"
                result = expect_dict(result, where)
                for name, value in optional_dict(result.get("outputs"), f"{where}.outputs").items():
                    artifact.tensors.append(_summary(name, decode_array(value), iteration, runner))
                artifact.details.setdefault("runtimes_s", []).append(
                    optional_number(result.get("runtime"), f"{where}.runtime"))
        return artifact
    if kind == "tactic-replay":
        replay = expect_dict(document.get("replay"), "replay")
        entries = {name: expect_dict(entry, f"replay.{name}") for name, entry in replay.items()}
        return PolygraphyArtifact(kind, details={"layers": {name: {"implementation": entry.get("implementation"),
                                                                   "tactic": entry.get("tactic")}
                                                            for name, entry in entries.items()}})
    if kind == "debug-replay":
        iterations = {}
        for key, value in document.items():
            success = value.get("success") if isinstance(value, dict) else (value[0] if value else None)
            iterations[key] = success
        return PolygraphyArtifact(kind, details={"iterations": iterations})
    raise ValueError("not a Polygraphy file")
