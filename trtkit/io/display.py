"""Rich display in Jupyter without upward imports: a result type (the plan, lint results, comparisons) asks here for
its HTML, and the renderers above it (trtkit.report.notebook) register how to draw each type."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

_RENDERERS: dict[type, Callable[[Any], str]] = {}


def register_html(kind: type, render: Callable[[Any], str]) -> None:
    """Draw instances of `kind` (and of its subclasses) with `render` in notebooks."""
    _RENDERERS[kind] = render


def html_of(value: object) -> str | None:
    """The HTML of `value` from the renderer registered for its type, or None (the notebook then shows its repr)."""
    for kind in type(value).__mro__:
        render = _RENDERERS.get(kind)
        if render is not None:
            return render(value)
    return None


class HtmlDisplay:
    """A type Jupyter draws as HTML, with the views of the HTML report (once `import trtkit.api` registered them)."""

    __slots__ = ()

    def _repr_html_(self) -> str | None:
        return html_of(self)
