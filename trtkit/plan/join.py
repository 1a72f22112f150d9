"""Joining per-layer profiles to plan layers; what does not join is reported, never dropped."""

from __future__ import annotations

from collections import defaultdict

from trtkit.plan.model import EnginePlan, Layer, LayerTiming
from trtkit.plan.profile import LayerProfile


def join_profile(plan: EnginePlan, profile: LayerProfile, source: str) -> None:
    """Attach each profile record to the layer of the same name (in order where names repeat).

    A plan without layers (a profile read on its own) gets one names-only layer per record."""
    if not plan.layers:
        plan.layers = [Layer(index=index, name=name, timing=timing)
                       for index, (name, timing) in enumerate(profile.layers)]
        plan.detailed = False
        plan.profile_iterations = profile.iterations
        return
    by_name: dict[str, list[Layer]] = defaultdict(list)
    for layer in plan.layers:
        by_name[layer.name].append(layer)
    unmatched: list[tuple[str, LayerTiming]] = []
    for name, timing in profile.layers:
        candidates = by_name.get(name)
        if candidates:
            candidates.pop(0).timing = timing
        else:
            unmatched.append((name, timing))
    unmatched = _join_truncated(plan, unmatched)
    plan.profile_iterations = profile.iterations
    untimed = [layer.name for layer in plan.layers if layer.timing is None]
    if unmatched:
        lost = sum(timing.average_ms for _, timing in unmatched)
        plan.notes.append(f"{len(unmatched)} of {len(profile.layers)} profile records in {source} match no layer "
                          f"(first: {unmatched[0][0]!r}); their {lost:.4f} ms are not attributed")
    if untimed:
        plan.notes.append(f"{len(untimed)} of {len(plan.layers)} layers have no time in {source} "
                          f"(first: {untimed[0]!r})")


def _join_truncated(plan: EnginePlan, unmatched: list[tuple[str, LayerTiming]]) -> list[tuple[str, LayerTiming]]:
    """TensorRT 8.x's `=== Profile ===` table cuts long names to their tail: join a record to the first
    untimed layer whose name ends with it."""
    remaining = []
    for name, timing in unmatched:
        tail = name.strip()
        layer = next((layer for layer in plan.layers if layer.timing is None and len(tail) >= 16
                      and layer.name.endswith(tail)), None)
        if layer is None:
            remaining.append((name, timing))
        else:
            layer.timing = timing
    return remaining
