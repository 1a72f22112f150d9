"""IEngineInspector output in every form, as layers and I/O tensors.

- JSON (`getEngineInformation(kJSON)`, trtexec --exportLayerInfo): TensorRT 8.2-10.x with `Bindings` and
  `Format/Datatype`; 11.x with `I/O Tensors` objects and separate `Format`/`DataType`; names-only plans
  (`Layers` as strings); per-layer objects (`getLayerInformation`) concatenated.
- The one-line text form (kONELINE; also the `Layers:` listing of trtexec --dumpLayerInfo and of a
  TensorRT or TensorRT-RTX verbose build log with detailed verbosity).
- The `Engine Layer Information:` listing of verbose TensorRT 8.x-10.x build logs.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from trtkit.plan.formats import canonical_dtype, parse_format
from trtkit.plan.model import PROFILE_SUFFIX, IOTensor, Layer, TensorInfo, constant_from, normalize_tactic
from trtkit.plan.shape import MalformedArtifactError, expect_list, optional_list, optional_text, wrong

_SEPARATORS = re.compile(r"[\x1e\x1f]|\\u001[ef]")
_ONNX_LAYER = re.compile(r"\[ONNX Layer: (.*?)\](?=\[ONNX Layer: |$)")

@dataclass
class InspectorResult:
    """What one inspector document holds."""

    layers: list[Layer] = field(default_factory=list)
    io_tensors: list[IOTensor] = field(default_factory=list)
    detailed: bool = True
    form: str = "json"
    raw_io: list[dict] = field(default_factory=list)  # I/O tensor records as listed (one-line text form)


def split_lines(text: str) -> list[str]:
    """Lines split at newlines only: str.splitlines() would also split at U+001E/U+001F, the separators
    inside layer metadata."""
    return text.replace("\r\n", "\n").split("\n")


def onnx_nodes_from_metadata(metadata: Any) -> list[str]:
    """ONNX node names from a layer's Metadata: `[ONNX Layer: a]<U+001E or U+001F>[ONNX Layer: b]`, raw or escaped."""
    if not metadata or not isinstance(metadata, str) or "[ONNX Layer: " not in metadata:
        return []
    if "\x1e" not in metadata and "\x1f" not in metadata and "\\u001" not in metadata:
        return _ONNX_LAYER.findall(metadata.strip())
    nodes: list[str] = []
    for chunk in _SEPARATORS.split(metadata):
        nodes.extend(_ONNX_LAYER.findall(chunk.strip()))
    return nodes


def _dimensions(value: Any) -> tuple[int, ...] | None:
    if isinstance(value, (list, tuple)):
        try:
            return tuple(int(dim) for dim in value)
        except (TypeError, ValueError):
            return None
    if isinstance(value, str):
        parts = [part for part in value.strip("[]() ").replace("x", ",").split(",") if part.strip()]
        try:
            return tuple(int(part) for part in parts)
        except ValueError:
            return None
    return None


def _lowered(raw: dict[str, Any]) -> dict[str, Any]:
    return {str(key).lower().replace(" ", ""): value for key, value in raw.items()}


def tensor_from_dict(raw: dict[str, Any], where: str | None = None) -> TensorInfo:
    """A layer input or output in any form: `Format/Datatype`, or `Format` with `DataType`/`Datatype`.

    With `where` (the record's JSON path) the fields are checked: a malformed one raises MalformedArtifactError."""
    if "Name" not in raw:  # legacy lowercase keys
        raw = {_CANONICAL_TENSOR_KEYS.get(key, key): value for key, value in _lowered(raw).items()}
    get = raw.get
    if where is not None:
        _check_tensor(raw, where)
    combined = get("Format/Datatype")
    format_text: str | None
    if combined is not None:
        format_text = combined if type(combined) is str else str(combined)
        dtype, layout = parse_format(format_text)
    else:
        format_text = raw.get("Format")
        format_dtype, layout = parse_format(str(format_text)) if format_text else (None, None)
        if format_text and layout is None:
            layout = _leading_layout(str(format_text))
        declared = raw.get("DataType", raw.get("Datatype"))
        dtype = canonical_dtype(str(declared)) if declared else format_dtype
    dimensions = get("Dimensions")
    if type(dimensions) is list and not all(type(dim) is int for dim in dimensions):
        dimensions = _dimensions(dimensions)
    name = get("Name", "")
    # positional arguments: this runs for every tensor of every layer
    return TensorInfo(name if type(name) is str else str(name),
                      tuple(dimensions) if type(dimensions) is list else _dimensions(dimensions),
                      dtype, layout, get("Location"), format_text)


_TENSOR_TEXT_KEYS = ("Name", "Format/Datatype", "Format", "DataType", "Datatype", "Location")
_LAYER_TEXT_KEYS = ("Name", "LayerType", "ParameterType", "TacticName", "Metadata", "Origin")


def _check_tensor(raw: dict[str, Any], where: str) -> None:
    if "Name" not in raw:  # legacy lowercase keys
        raw = {_CANONICAL_TENSOR_KEYS.get(key, key): value for key, value in _lowered(raw).items()}
    get = raw.get
    for key in _TENSOR_TEXT_KEYS:  # inline checks: this runs for every tensor of every layer
        value = get(key)
        if value is not None and type(value) is not str:
            optional_text(value, f"{where}.{key}")
    dimensions = get("Dimensions")
    if dimensions is not None and type(dimensions) is not str and (
            type(dimensions) is not list or not all(type(dim) is int for dim in dimensions)):
        raise wrong(f"{where}.Dimensions", dimensions, "a list of integers")


_CANONICAL_TENSOR_KEYS = {"name": "Name", "format/datatype": "Format/Datatype", "format": "Format",
                          "datatype": "DataType", "dimensions": "Dimensions", "location": "Location"}


def _leading_layout(text: str) -> str | None:
    # TensorRT-RTX logs write "(NHWC) Channel major format", "(Linear) Row major linear format"
    match = re.match(r"\(([^)]+)\)", text.strip())
    return match.group(1).upper() if match else None


_CANONICAL_LAYER_KEYS = {"name": "Name", "layertype": "LayerType", "parametertype": "ParameterType",
                         "inputs": "Inputs", "outputs": "Outputs", "tacticname": "TacticName",
                         "tacticvalue": "TacticValue", "metadata": "Metadata", "streamid": "StreamId",
                         "weights": "Weights", "bias": "Bias", "origin": "Origin", "constants": "Constants"}
CONSUMED_KEYS = frozenset(_CANONICAL_LAYER_KEYS.values())


def layer_from_dict(raw: dict[str, Any], index: int, where: str | None = None) -> Layer:
    """A Layer from one detailed inspector record; the record stays available as `attributes`.

    With `where` (the record's JSON path) the fields are checked: a malformed one raises MalformedArtifactError."""
    if "Name" not in raw or "weights" in raw or "bias" in raw:  # legacy lowercase keys (8.6 Constant layers)
        raw = {_CANONICAL_LAYER_KEYS.get(str(key).lower().replace(" ", ""), key): value for key, value in raw.items()}
    get = raw.get
    if where is not None:
        return _checked_layer(raw, index, where)
    stream_id = get("StreamId")
    name = get("Name", f"layer {index}")
    weights, bias = get("Weights"), get("Bias")
    # positional arguments, in Layer's field order: this runs for every layer of every plan
    layer = Layer(
        index, name if type(name) is str else str(name), get("LayerType"), get("ParameterType"),
        [tensor_from_dict(tensor) for tensor in get("Inputs") or () if type(tensor) is dict],
        [tensor_from_dict(tensor) for tensor in get("Outputs") or () if type(tensor) is dict],
        get("TacticName") or None, normalize_tactic(get("TacticValue")), onnx_nodes_from_metadata(get("Metadata")),
        stream_id if type(stream_id) is int else None,
        constant_from(weights) if weights else None, constant_from(bias) if bias else None, get("Origin"), 0,
        raw,  # the record itself: its other keys (Kernel, Groups...) are the attributes, without a copy
    )
    constants = get("Constants")
    if constants and layer.weights is None:
        tensors = [tensor_from_dict(tensor) for tensor in constants if isinstance(tensor, dict)]
        layer.attributes["Constants"] = [tensor.name for tensor in tensors]
        layer.weights = _constants_as_weights(tensors)
    return layer


def _checked_layer(raw: dict[str, Any], index: int, where: str) -> Layer:
    """layer_from_dict for a JSON record, every field it reads checked first."""
    if "Name" not in raw:
        raise MalformedArtifactError(where, "has no Name: a layer record names its layer")
    for key in _LAYER_TEXT_KEYS:
        value = raw.get(key)
        if value is not None and type(value) is not str:
            optional_text(value, f"{where}.{key}")
    tactic = raw.get("TacticValue")
    if tactic is not None and type(tactic) not in (str, int):
        raise wrong(f"{where}.TacticValue", tactic, "a string or an integer")
    for key in ("Groups", "OutMaps"):  # read by the MAC count and the channel lint rules
        value = raw.get(key)
        if value is not None and (type(value) is not int or value < 0):
            raise wrong(f"{where}.{key}", value, "a non-negative integer")
    kernel = raw.get("Kernel")
    if kernel is not None and (type(kernel) is not list or not all(type(size) is int for size in kernel)):
        raise wrong(f"{where}.Kernel", kernel, "a list of integers")
    for key in ("Inputs", "Outputs", "Constants"):
        for position, tensor in enumerate(optional_list(raw.get(key), f"{where}.{key}")):
            if key == "Constants" and type(tensor) is str:
                continue  # Myelin layers of TensorRT 10+ list their constants by name
            if type(tensor) is not dict:
                raise wrong(f"{where}.{key}[{position}]", tensor, "a tensor object")
            _check_tensor(tensor, f"{where}.{key}[{position}]")
    return layer_from_dict(raw, index)  # checked: built as any record is


def _constants_as_weights(constants: list[TensorInfo]):  # -> Constant | None
    from trtkit.plan.model import Constant

    if not any(tensor.volume is not None and tensor.dtype for tensor in constants):
        return None  # constants listed by name only (TensorRT-RTX): their size is unknown, not 0
    count = sum(tensor.volume or 0 for tensor in constants)
    by_size: dict[str | None, int] = {}
    for tensor in constants:
        by_size[tensor.dtype] = by_size.get(tensor.dtype, 0) + (tensor.volume or 0)
    dtype = max(by_size, key=lambda key: by_size[key]) if by_size else None
    return Constant(dtype, count)


def io_tensor_from_dict(raw: dict[str, Any]) -> IOTensor:
    """A TensorRT 11 `I/O Tensors` record."""
    lowered = _lowered(raw)
    profiles, formats = [], []
    optional_text(lowered.get("iomode"), "I/O Tensors[].IOMode")
    for info in optional_list(lowered.get("profileinfo"), "I/O Tensors[].ProfileInfo"):
        info = _lowered(info) if isinstance(info, dict) else {}
        shapes = {key: _dimensions(info.get(f"{key}shape")) for key in ("min", "opt", "max")}
        if any(shape is not None for shape in shapes.values()):
            profiles.append(shapes)
        if info.get("format"):
            formats.append(str(info["format"]))
    shape_io = lowered.get("isshapeinferenceio")
    return IOTensor(
        name=str(lowered.get("name", "")),
        mode=lowered.get("iomode"),
        dtype=canonical_dtype(str(lowered.get("datatype", ""))),
        dimensions=_dimensions(lowered.get("dimensions")),
        location=lowered.get("location"),
        is_shape_io=shape_io if isinstance(shape_io, bool) else (str(shape_io).lower() == "true"
                                                                if shape_io is not None else None),
        profile_shapes=profiles,
        formats=formats,
    )


def parse_inspector_json(document: Any) -> InspectorResult:
    """Layers and I/O tensors from an inspector JSON document (engine- or layer-level).

    A document without the shape it claims (`{"Layers": null}`, a layer whose Inputs is a number) raises
    MalformedArtifactError naming the JSON path."""
    if isinstance(document, list):  # several getLayerInformation() records
        return _from_layer_records(document, "json", checked=True)
    if not isinstance(document, dict):
        raise wrong("the document", document, "an IEngineInspector object or a list of layer records")
    keys = {str(key).lower().replace(" ", ""): key for key in document}
    if not keys.keys() & {"layers", "bindings", "i/otensors"}:  # one getLayerInformation() record
        return _from_layer_records([document], "json", checked=True, prefix=None)
    layers: list[Any] = []
    if "layers" in keys:  # absent in the documentation's I/O-only fragments; present, it lists every layer
        layers = expect_list(document[keys["layers"]], str(keys["layers"]), "a list of layers")
        if not layers:
            raise MalformedArtifactError(str(keys["layers"]), "is empty: an engine has at least one layer")
    result = _from_layer_records(layers, "json", checked=True, prefix=str(keys.get("layers", "Layers")))
    io_key, bindings_key = keys.get("i/otensors", "I/O Tensors"), keys.get("bindings", "Bindings")
    records = optional_list(document.get(io_key), str(io_key))
    for position, raw in enumerate(records):
        if type(raw) is not dict:
            raise wrong(f"{io_key}[{position}]", raw, "a tensor object")
    bindings = optional_list(document.get(bindings_key), str(bindings_key))
    for position, name in enumerate(bindings):
        if type(name) is not str:
            raise wrong(f"{bindings_key}[{position}]", name, "a tensor name")
    if records:  # trtkit writes both (TREx reads Bindings): the objects say more
        result.io_tensors = [io_tensor_from_dict(raw) for raw in records]
    else:
        result.io_tensors = [IOTensor(name=name) for name in bindings]
    return result


def _from_layer_records(records: Iterable[Any], form: str, checked: bool = False,
                        prefix: str | None = "") -> InspectorResult:
    """Layers from records: objects (detailed) or names (names-only). `checked` (JSON documents): anything
    else, and malformed fields, raise MalformedArtifactError; `prefix` is the list's JSON path (None: the
    document is the one record)."""
    result = InspectorResult(form=form)
    for index, raw in enumerate(records):
        where = f"{prefix}[{index}]" if prefix is not None else "the layer record"
        if isinstance(raw, dict):
            result.layers.append(layer_from_dict(raw, index, where if checked else None))
        elif checked and type(raw) is not str:
            raise wrong(where, raw, "a layer object or a layer name")
        else:
            name = str(raw)
            suffix = PROFILE_SUFFIX.search(name)
            result.layers.append(Layer(index=index, name=name, profile=int(suffix.group(1)) if suffix else 0))
    result.detailed = bool(result.layers) and all(layer.type is not None for layer in result.layers)
    assign_profiles(result.layers)
    return result


_MYELIN_GROUP = re.compile(r"_myl(\d+)_\d+$")


def assign_profiles(layers: list[Layer]) -> None:
    """The optimization profile of each layer. TensorRT lists the layers of profile 0, then of profile 1...;
    it marks names with "[profile N]" (inside Myelin names too, or only on their tensors), so a layer takes
    the highest mark among its name, its tensors, its Myelin group and the layers before it."""
    def marked(layer: Layer) -> int:
        names = [layer.name, *(tensor.name for tensor in layer.inputs + layer.outputs)]
        return max((int(match.group(1)) for name in names if "[profile " in name
                    for match in PROFILE_SUFFIX.finditer(name)), default=0)

    explicit = [marked(layer) for layer in layers]
    if not any(explicit):
        return  # one optimization profile: every layer keeps profile 0
    myelin = [_MYELIN_GROUP.search(layer.name) for layer in layers]
    groups: dict[str, int] = {}
    for group, mark in zip(myelin, explicit, strict=True):
        if group:
            groups[group.group(1)] = max(groups.get(group.group(1), 0), mark)
    current = 0
    for layer, group, mark in zip(layers, myelin, explicit, strict=True):
        current = max(current, mark, groups.get(group.group(1), 0) if group else 0)
        layer.profile = current


# ---- the one-line text form -------------------------------------------------------------------

_TEXT_FIELDS = {"Name", "Metadata", "TacticName", "LayerType", "ParameterType", "Format", "Format/Datatype",
                "DataType", "Datatype"}
# a key is followed by ": ", or ends the record with an empty value (TensorRT-RTX writes "StreamId: 0, Metadata: ")
_KEY_AHEAD = re.compile(r"[A-Za-z][A-Za-z0-9/_]{0,40}:(?: |$)")
_OPEN, _CLOSE = "([{", ")]}"


def _split_fields(text: str) -> list[str]:
    """Split `Key: value, Key: value` at commas outside brackets that are followed by a key."""
    parts, depth, start, index = [], 0, 0, 0
    while index < len(text):
        char = text[index]
        if char in _OPEN:
            depth += 1
        elif char in _CLOSE:
            depth = max(0, depth - 1)
        elif char == "," and depth == 0 and _KEY_AHEAD.match(text, index + 2 if text[index + 1:index + 2] == " "
                                                              else index + 1):
            parts.append(text[start:index])
            start = index + 1
        index += 1
    parts.append(text[start:])
    return [part.strip() for part in parts if part.strip()]


def _split_objects(text: str) -> list[str]:
    """The `{ ... }` items of a bracketed list, at depth one."""
    items, depth, start = [], 0, None
    for index, char in enumerate(text):
        if char == "{":
            depth += 1
            if depth == 1:
                start = index + 1
        elif char == "}":
            depth -= 1
            if depth == 0 and start is not None:
                items.append(text[start:index])
                start = None
    return items


def _value(text: str) -> Any:
    text = text.strip()
    if text.startswith("[") and "{" in text:
        return [parse_fields(item) for item in _split_objects(text)]
    if text.startswith("[") and text.endswith("]"):
        items = [item.strip() for item in text[1:-1].split(",") if item.strip()]
        try:
            return [int(item) for item in items]
        except ValueError:
            return items
    if text.startswith("{") and '"' in text:
        try:
            return json.loads(text)
        except json.JSONDecodeError:
            return text
    if re.fullmatch(r"-?\d+", text):
        return int(text)
    return text


def parse_fields(text: str) -> dict[str, Any]:
    """`Key: value, Key: value` text (one inspector record) as a dict."""
    record: dict[str, Any] = {}
    for part in _split_fields(text):
        key, separator, value = part.partition(":")
        if separator:
            key = key.strip()
            record[key] = value.strip() if key in _TEXT_FIELDS else _value(value)
    return record


_LOG_PREFIX = re.compile(r"^.*?\[[IVWEF]\] (?:\[TRT\] )?(?:\[[IVWEF]\] )?")
_LOG_LINE = re.compile(r"^\s*(?:\[\d{2}/\d{2}/\d{4}-\d{2}:\d{2}:\d{2}\]\s*)?\[(?:I|V|W|E|F|TRT)\] ")
_SECTION = re.compile(r"^[A-Z][A-Za-z/ ]*:$")


def parse_oneline_text(text: str) -> InspectorResult | None:
    """The kONELINE form (and the `Layers:` listings in logs); None when the text has none."""
    lines = split_lines(text)
    start = next((index for index, line in enumerate(lines) if _LOG_PREFIX.sub("", line).strip() == "Layers:"), None)
    if start is None:
        return None
    layer_records: list[Any] = []
    io_tensors: list[IOTensor] = []
    raw_io: list[dict] = []
    section = "Layers:"
    for line in lines[start + 1:]:
        if _LOG_LINE.match(line):
            break  # a log line ends the listing
        stripped = line.strip()
        if not stripped:
            continue
        if _SECTION.match(stripped):
            section = stripped
        elif section == "Layers:":
            layer_records.append(parse_fields(stripped) if stripped.startswith("Name: ") else stripped)
        elif section == "Bindings:":
            io_tensors.append(IOTensor(name=stripped))
        elif section == "I/O Tensors:" and stripped.startswith("Name: "):
            raw_io.append(parse_fields(stripped))
            io_tensors.append(io_tensor_from_dict(raw_io[-1]))
    if not layer_records:
        return None
    result = _from_layer_records(layer_records, "oneline")
    result.io_tensors, result.raw_io = io_tensors, raw_io
    return result


# ---- "Engine Layer Information:" of verbose build logs -----------------------------------------

_ENGINE_LAYER = re.compile(r"^Layer\(([^)]*)\): (.*?), Tactic: (0x[0-9a-fA-F]+|-?\d+), (.*)$")
_TENSOR_TYPE = re.compile(r" ?\((?P<dtype>[A-Za-z0-9]+)\[(?P<dims>[-\d:,]*)\]\)")


def _engine_layer_tensors(text: str) -> list[TensorInfo]:
    tensors, position = [], 0
    for match in _TENSOR_TYPE.finditer(text):
        name = text[position:match.start()].lstrip(", ").strip()
        dims = [part.split(":")[0] for part in match.group("dims").split(",") if part]
        vectorized = next((part.split(":")[1] for part in match.group("dims").split(",") if ":" in part), None)
        tensors.append(TensorInfo(name=name, dimensions=tuple(int(dim) for dim in dims),
                                  dtype=canonical_dtype(match.group("dtype")),
                                  layout=f"vectorized:{vectorized}" if vectorized else None))
        position = match.end()
    return tensors


def parse_engine_layer_information(text: str) -> InspectorResult | None:
    """The `Engine Layer Information:` listing of a verbose build log; None when absent."""
    lines = split_lines(text)
    start = next((index for index, line in enumerate(lines) if line.rstrip().endswith("Engine Layer Information:")),
                 None)
    if start is None:
        return None
    result = InspectorResult(form="engine-layer-information")
    for line in lines[start + 1:]:
        match = _ENGINE_LAYER.match(line.strip())
        if not match:
            if result.layers:
                break
            continue
        layer_type, name, tactic, tensors = match.groups()
        inputs_text, _, outputs_text = tensors.partition(" -> ")
        suffix = PROFILE_SUFFIX.search(name)
        result.layers.append(Layer(index=len(result.layers), name=name, type=layer_type,
                                   tactic_value=normalize_tactic(tactic), inputs=_engine_layer_tensors(inputs_text),
                                   outputs=_engine_layer_tensors(outputs_text),
                                   profile=int(suffix.group(1)) if suffix else 0))
    return result if result.layers else None


def parse_layer_record_stream(text: str) -> InspectorResult | None:
    """Per-layer JSON records written one after another, with or without `--- Layer N ---` lines."""
    decoder = json.JSONDecoder()
    records, position = [], 0
    while True:
        position = text.find("{", position)
        if position < 0:
            break
        try:
            record, end = decoder.raw_decode(text, position)
        except json.JSONDecodeError:
            return None
        records.append(record)
        position = end
    if not records or not all(isinstance(record, dict) and "Name" in record for record in records):
        return None
    return _from_layer_records(records, "layer-records", checked=True)
