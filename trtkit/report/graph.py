"""The engine's layer graph in Graphviz DOT — layers as nodes coloured by precision or type, tensors as edges
labelled with shape and format — rendered to SVG by `dot` where it is installed.

Large engines are where TREx's graphs time out: `--query REGEX` keeps the matching layers (with their
neighbours for context) and `--beam NODE:RADIUS` the layers within RADIUS tensors of NODE.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from collections import deque
from dataclasses import dataclass, field
from itertools import pairwise

from trtkit.plan.model import EnginePlan, Layer, TensorInfo
from trtkit.report.svg import category_colors, precision_color

DOT_TIMEOUT_S = 60


@dataclass
class LayerGraph:
    """The layers to draw, the tensors between them, and the engine inputs and outputs at the edges."""

    layers: list[Layer]
    edges: list[tuple[str, str, TensorInfo | None]] = field(default_factory=list)  # (from id, to id, tensor)
    context: set[int] = field(default_factory=set)  # indices of layers drawn only as neighbours
    inputs: list[str] = field(default_factory=list)
    outputs: list[str] = field(default_factory=list)
    connected: bool = True  # False: the plan has no tensor names (names only): layers chained in order


def _node_id(layer: Layer) -> str:
    return f"L{layer.index}"


def _adjacency(layers: list[Layer]) -> tuple[dict[int, set[int]], dict[str, int]]:
    producers: dict[str, int] = {}
    for layer in layers:
        for tensor in layer.outputs:
            producers.setdefault(tensor.name, layer.index)
    neighbours: dict[int, set[int]] = {layer.index: set() for layer in layers}
    for layer in layers:
        for tensor in layer.inputs:
            source = producers.get(tensor.name)
            if source is not None and source != layer.index:
                neighbours[layer.index].add(source)
                neighbours[source].add(layer.index)
    return neighbours, producers


def parse_beam(text: str) -> tuple[str, int]:
    """NODE:RADIUS of --beam; the radius counts tensors (edges) from the node."""
    node, separator, radius = text.rpartition(":")
    if not separator or not node or not radius.isdigit():
        raise ValueError(f"--beam {text!r}: expected NODE:RADIUS, e.g. conv1:2")
    return node, int(radius)


def select(plan: EnginePlan, layers: list[Layer], query: str | None = None,
           beam: tuple[str, int] | None = None) -> LayerGraph:
    """The part of the graph to draw: all of it, the layers a query matches (and their neighbours), or a beam."""
    neighbours, producers = _adjacency(layers)
    by_index = {layer.index: layer for layer in layers}
    chosen: set[int] = set(by_index)
    context: set[int] = set()
    if query is not None:
        pattern = re.compile(query)
        chosen = {layer.index for layer in layers if pattern.search(layer.name) or pattern.search(layer.kind)
                  or any(pattern.search(node) for node in layer.onnx_nodes)}
        context = {other for index in chosen for other in neighbours[index]} - chosen
    if beam is not None:
        name, radius = beam
        starts = [layer.index for layer in layers if layer.name == name or layer.base_name == name] or \
                 [layer.index for layer in layers if name in layer.name]
        if not starts:
            raise LookupError(f"--beam: no layer is named {name!r} or has it in its name")
        reached = {starts[0]: 0}
        queue = deque([starts[0]])
        while queue:
            index = queue.popleft()
            if reached[index] == radius:
                continue
            for other in neighbours[index]:
                if other not in reached:
                    reached[other] = reached[index] + 1
                    queue.append(other)
        chosen = set(reached) if query is None else chosen & set(reached)
    drawn = [layer for layer in layers if layer.index in chosen or layer.index in context]
    graph = LayerGraph(drawn, context=context)
    graph.connected = any(layer.inputs or layer.outputs for layer in layers)
    if not graph.connected:
        graph.edges = [(_node_id(first), _node_id(second), None) for first, second in pairwise(drawn)]
        return graph
    drawn_ids = {layer.index for layer in drawn}
    engine_inputs = {tensor.name for tensor in plan.io_tensors if tensor.mode == "Input"}
    engine_outputs = {tensor.name for tensor in plan.io_tensors if tensor.mode == "Output"}
    for layer in drawn:
        for tensor in layer.inputs:
            source = producers.get(tensor.name)
            if source is not None and source in drawn_ids and source != layer.index:
                graph.edges.append((f"L{source}", _node_id(layer), tensor))
            elif source is None and tensor.name in engine_inputs:
                graph.inputs.append(tensor.name)
                graph.edges.append((f"in:{tensor.name}", _node_id(layer), tensor))
        for tensor in layer.outputs:
            if tensor.name in engine_outputs:
                graph.outputs.append(tensor.name)
                graph.edges.append((_node_id(layer), f"out:{tensor.name}", tensor))
    return graph


def _quote(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'


def _tensor_label(tensor: TensorInfo | None) -> str:
    if tensor is None:
        return ""
    shape = "x".join(str(dim) for dim in tensor.dimensions) if tensor.dimensions is not None else "?"
    return " ".join(part for part in (shape, tensor.dtype, tensor.layout) if part)


def to_dot(plan: EnginePlan, graph: LayerGraph, color_by: str = "precision") -> str:
    """DOT text of the selected graph: one box per layer (name, kind, precision, latency), one edge per tensor."""
    kinds = sorted({layer.kind for layer in graph.layers})
    kind_colors = category_colors(kinds)
    title = f"{plan.name}: {len(graph.layers)} layers" + ("" if graph.connected else
                                                          " in execution order (the plan has no tensor names)")
    lines = ["digraph engine {",
             f"  graph [rankdir=TB, fontname=Helvetica, fontsize=11, labelloc=t, label={_quote(title)}];",
             '  node [shape=box, style="rounded,filled", fontname=Helvetica, fontsize=9, color="#555555"];',
             '  edge [fontname=Helvetica, fontsize=8, color="#777777", fontcolor="#444444"];']
    for name in dict.fromkeys(graph.inputs):
        lines.append(f"  {_quote('in:' + name)} [shape=ellipse, fillcolor=\"#ffffff\", label={_quote(name)}];")
    for name in dict.fromkeys(graph.outputs):
        lines.append(f"  {_quote('out:' + name)} [shape=ellipse, fillcolor=\"#ffffff\", label={_quote(name)}];")
    for layer in graph.layers:
        precision = layer.compute_precision
        name = layer.name if len(layer.name) <= 48 else layer.name[:47] + "…"
        label = f"{name}\n{layer.kind}" + (f" · {precision}" if precision else "")
        if layer.timing is not None:
            label += f"\n{layer.latency_ms:.4f} ms"
        color = precision_color(precision) if color_by == "precision" else kind_colors[layer.kind]
        style = ', style="rounded,filled,dashed", fillcolor="#eeeeee"' if layer.index in graph.context else \
            f', fillcolor="{color}"'
        lines.append(f"  {_node_id(layer)} [label={_quote(label)}, tooltip={_quote(layer.name)}{style}];")
    for source, target, tensor in graph.edges:
        attributes = f"label={_quote(_tensor_label(tensor))}" if tensor is not None else 'style=dashed'
        lines.append(f"  {_quote(source)} -> {_quote(target)} [{attributes}];")
    lines.append("}")
    return "\n".join(lines) + "\n"


def render_svg(dot_text: str, timeout: float = DOT_TIMEOUT_S) -> tuple[str | None, str | None]:
    """(inline SVG, None), or (None, why not) when `dot` is missing, fails or takes too long."""
    executable = shutil.which("dot")
    if executable is None:
        return None, "Graphviz `dot` is not installed (apt install graphviz, brew install graphviz)"
    try:
        completed = subprocess.run([executable, "-Tsvg"], input=dot_text, capture_output=True, text=True,
                                   timeout=timeout)
    except subprocess.TimeoutExpired:
        return None, f"`dot` took longer than {timeout:g} s; draw part of the graph with --query or --beam"
    if completed.returncode != 0:
        return None, f"`dot` failed: {completed.stderr.strip().splitlines()[-1] if completed.stderr else 'no message'}"
    svg = completed.stdout
    start = svg.find("<svg")
    if start < 0:
        return None, "`dot` wrote no SVG"
    svg = svg[start:].replace("<svg ", '<svg class="chart graph" data-chart="graph" ', 1)
    return re.sub(r"<!--.*?-->", "", svg, flags=re.DOTALL), None
