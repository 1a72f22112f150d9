"""Aligning the layers of two engines built from the same (or a re-exported) model.

First by ONNX node names: from the layers' metadata, or, for plans without metadata (TensorRT 8.x),
from the node names TensorRT joins into layer names ("Conv_0 + Relu_1"); two layers match when they
share the most node names. What remains is aligned in execution order by a signature of layer kind
and output shapes (difflib's longest matching blocks). Unmatched layers are returned, never dropped.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass, field

from trtkit.plan.model import Layer

_REFORMAT_NAME = re.compile(r"^Reformatting CopyNode for (Input|Output) Tensor \d+ to (.*)$")


@dataclass
class LayerPair:
    first: Layer
    second: Layer
    method: str  # onnx-nodes | signature


@dataclass
class Alignment:
    pairs: list[LayerPair] = field(default_factory=list)
    only_first: list[Layer] = field(default_factory=list)
    only_second: list[Layer] = field(default_factory=list)


def node_names(layer: Layer) -> frozenset[str]:
    """The ONNX nodes a layer computes: its metadata, else the parts of its name."""
    if layer.onnx_nodes:
        return frozenset(layer.onnx_nodes)
    name = layer.base_name
    reformat = _REFORMAT_NAME.match(name)
    if reformat:  # a reformat is named after the layer it feeds: key it apart from that layer
        return frozenset(f"reformat:{reformat.group(1)}:{part}" for part in reformat.group(2).split(" + "))
    return frozenset(part.strip() for part in name.split(" + ") if part.strip())


def signature(layer: Layer) -> tuple:
    return (layer.kind, tuple(tensor.dimensions for tensor in layer.outputs))


def align(first: list[Layer], second: list[Layer]) -> Alignment:
    """Pair the layers of two plans (one optimization profile each)."""
    index: dict[str, list[int]] = {}
    for position, layer in enumerate(second):
        for node in node_names(layer):
            index.setdefault(node, []).append(position)
    taken: set[int] = set()
    matched: dict[int, int] = {}
    for position, layer in enumerate(first):
        overlap: dict[int, int] = {}
        for node in node_names(layer):
            for candidate in index.get(node, ()):
                if candidate not in taken:
                    overlap[candidate] = overlap.get(candidate, 0) + 1
        if overlap:
            best = max(overlap, key=lambda candidate: (overlap[candidate], -abs(candidate - position)))
            matched[position] = best
            taken.add(best)
    result = Alignment()
    by_signature = _align_by_signature([i for i in range(len(first)) if i not in matched],
                                       [j for j in range(len(second)) if j not in taken], first, second)
    for position, layer in enumerate(first):
        if position in matched:
            result.pairs.append(LayerPair(layer, second[matched[position]], "onnx-nodes"))
        elif position in by_signature:
            result.pairs.append(LayerPair(layer, second[by_signature[position]], "signature"))
        else:
            result.only_first.append(layer)
    paired = set(matched.values()) | set(by_signature.values())
    result.only_second = [layer for position, layer in enumerate(second) if position not in paired]
    return result


def _align_by_signature(left: list[int], right: list[int], first: list[Layer], second: list[Layer]) -> dict[int, int]:
    left_signatures = [signature(first[i]) for i in left]
    right_signatures = [signature(second[j]) for j in right]
    matcher = difflib.SequenceMatcher(a=left_signatures, b=right_signatures, autojunk=False)
    pairs: dict[int, int] = {}
    for block in matcher.get_matching_blocks():
        for offset in range(block.size):
            pairs[left[block.a + offset]] = right[block.b + offset]
    return pairs
