"""Read any artifact file and decide what it is from its content, not its name.

Every file either becomes an `Artifact` or raises `InputFileError` with one line saying what it is
not and what to do (exit 3).
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from trtkit.errors import InputFileError
from trtkit.io.file_kind import ENGINE_MAGICS
from trtkit.plan import inspector, metadata, profile
from trtkit.plan.shape import MalformedArtifactError


@dataclass
class Artifact:
    """One file, what it was read as (`kind`), and its parsed content."""

    path: Path
    kind: str
    data: Any
    tensorrt_version: str | None = None


def read_artifact(path: str | Path) -> Artifact:
    """Read and classify one file; raises InputFileError (exit 3) when it is none of the known kinds."""
    path = Path(path)
    # os.path's checks never raise; Path.is_file raised OSError for a name too long to look up
    if not os.path.isfile(path):
        raise InputFileError(f"{path} does not exist" if not os.path.exists(path) else f"{path} is not a file",
                             "check the path")
    try:
        data = path.read_bytes()
    except OSError as error:
        raise InputFileError(f"cannot read {path}: {error.strerror}", "check its permissions") from None
    if not data.strip():
        raise InputFileError(f"{path} is empty", "re-export the artifact")
    try:
        return _classified(path, data)
    except MalformedArtifactError as error:
        raise error.in_file(path) from None
    except RecursionError:
        raise InputFileError(f"{path} is nested too deeply to be an artifact", "re-export it") from None


def _classified(path: Path, data: bytes) -> Artifact:
    if data[:4] in ENGINE_MAGICS:
        return Artifact(path, "engine", None)
    if data[:1] == b"\x08" or b"\x00" in data[:4096]:  # protobuf (ONNX starts with ir_version) or binary
        return _binary(path)
    text = data.decode("utf-8", errors="replace").lstrip("\ufeff")
    if text.lstrip()[:1] not in ("{", "["):
        return _text_artifact(path, text)
    try:
        documents = profile.json_documents(text)
    except json.JSONDecodeError as error:
        # logs start with "[date]" too: JSON that does not parse may still be a known text artifact
        try:
            return _text_artifact(path, text)
        except InputFileError:
            raise InputFileError(
                f"{path} is not valid JSON (line {error.lineno}, column {error.colno}: {error.msg}); the file is "
                "truncated or was edited", "re-export it from TensorRT") from None
    return _json_artifact(path, documents)


def _binary(path: Path) -> Artifact:
    if path.suffix.lower() in (".engine", ".plan", ".trt"):
        return Artifact(path, "engine", None)
    if path.suffix.lower() == ".json":  # else read as an ONNX model, and refused as one ("not a readable ONNX model")
        raise InputFileError(f"{path} holds binary data, not JSON; the file is corrupt",
                             "re-export it from TensorRT")
    from trtkit.io.onnx_model import load_onnx

    return Artifact(path, "onnx", load_onnx(path))


def _json_artifact(path: Path, documents: list[Any]) -> Artifact:
    first = documents[0]
    if isinstance(first, dict) and first.get("schema") == "trtkit/build-metadata/v1":
        metadata.check_build_metadata(first)
        versions = first.get("versions") or {}
        version = versions.get("tensorrt")
        if version and versions.get("backend") == "tensorrt-rtx":
            version = f"{version} (TensorRT-RTX)"
        return Artifact(path, "build-metadata", first, version)
    if isinstance(first, dict) and str(first.get("schema", "")).startswith("trtkit/"):
        return Artifact(path, "trtkit", first)
    if isinstance(first, dict) and first.get("version") == "2.1.0" and isinstance(first.get("runs"), list):
        return Artifact(path, "sarif", first)  # trtkit lint --format sarif, beside the engine in a run's workdir
    if all(profile.is_export_profile(document) for document in documents):
        return Artifact(path, "export-profile", [profile.parse_export_profile(document) for document in documents])
    if all(profile.is_export_times(document) for document in documents):
        return Artifact(path, "export-times", [profile.parse_export_times(document) for document in documents])
    if len(documents) > 1 and all(isinstance(document, dict) and "Name" in document for document in documents):
        return Artifact(path, "layer-records", inspector.parse_inspector_json(documents))
    if metadata.is_profile_metadata(first):
        metadata.check_profile_metadata(first)
        return Artifact(path, "profile-metadata", first)
    if metadata.is_build_metadata(first):
        metadata.check_build_metadata(first)
        return Artifact(path, "build-metadata", first)
    if metadata.is_device_properties(first):
        metadata.check_device_properties(first)
        return Artifact(path, "device-properties", metadata.device_from_properties(first))
    from trtkit.plan import polygraphy

    kind = polygraphy.polygraphy_kind(first)
    if kind:
        try:
            return Artifact(path, "polygraphy", polygraphy.parse_polygraphy(first))
        except MalformedArtifactError as error:
            raise error.in_file(path) from None
        except (ValueError, KeyError, TypeError, AttributeError, EOFError, OSError) as error:
            raise InputFileError(f"{path} looks like Polygraphy {kind} but cannot be read ({error})",
                                 "re-save it with Polygraphy") from None
    if isinstance(first, dict) and _is_inspector(first):
        return Artifact(path, "inspector-json", inspector.parse_inspector_json(first))
    raise InputFileError(f"{path} is JSON but not an artifact trtkit knows", _KNOWN_HINT)


def _is_inspector(document: dict[str, Any]) -> bool:
    keys = {str(key).lower() for key in document}
    return bool(keys & {"layers", "bindings", "i/o tensors"}) or {"name", "layertype"} <= keys


def _text_artifact(path: Path, text: str) -> Artifact:
    from trtkit.plan import calibration, trtexec_log

    if calibration.looks_like_calibration_cache(text):
        try:
            cache = calibration.parse_calibration_cache(text)
        except ValueError as error:
            raise InputFileError(f"{path}: calibration cache {error}", "regenerate the cache") from None
        return Artifact(path, "calibration-cache", cache, cache.tensorrt_version)
    if trtexec_log.looks_like_trtexec_log(text):
        runs = trtexec_log.parse_trtexec_log(text)
        return Artifact(path, "trtexec-log", runs, next((run.tensorrt_version for run in runs
                                                          if run.tensorrt_version), None))
    listing = inspector.parse_oneline_text(text) or inspector.parse_engine_layer_information(text)
    if listing is not None:
        return Artifact(path, "inspector-text", listing)
    records = inspector.parse_layer_record_stream(text)
    if records is not None:
        return Artifact(path, "layer-records", records)
    timings = profile.parse_iprofiler_text(text)
    if timings is not None:
        return Artifact(path, "iprofiler-text", [timings])
    raise InputFileError(f"{path} is not an artifact trtkit knows", _KNOWN_HINT)


_KNOWN_HINT = ("give IEngineInspector JSON or text, --exportProfile/--exportTimes JSON, a trtexec log, TREx "
               "metadata, a calibration cache, Polygraphy JSON, an ONNX model or an engine")
