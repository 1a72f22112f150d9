"""Polygraphy's JSON encoding: which kind of Polygraphy file a document is, and its arrays decoded (the inputs
trtkit reads as data, the outputs it compares); `trtkit.plan.polygraphy` summarizes the files themselves."""

from __future__ import annotations

import base64
import io
from typing import Any


def decode_array(record: Any):
    """A numpy array from Polygraphy's {"array": base64 .npy, "polygraphy_class": "ndarray"}; also unwraps
    LazyNumpyArray's {"values": {...}}."""
    import numpy as np

    if isinstance(record, dict) and "values" in record and "array" not in record:
        record = record["values"]
    if not isinstance(record, dict) or "array" not in record:
        raise ValueError("not a Polygraphy array record")
    return np.load(io.BytesIO(base64.b64decode(record["array"])), allow_pickle=False)


def polygraphy_kind(document: Any) -> str | None:
    """inputs | run-results | tactic-replay | debug-replay, or None when the document is none of them."""
    if isinstance(document, dict):
        polygraphy_class = document.get("polygraphy_class")
        if polygraphy_class == "RunResults" or "lst" in document:
            return "run-results"
        if polygraphy_class == "TacticReplayData" or "replay" in document:
            return "tactic-replay"
        if document and all(str(key).startswith("_N") for key in document):
            return "debug-replay"
    if isinstance(document, list) and document and all(isinstance(feed, dict) and feed for feed in document) and all(
            isinstance(value, dict) and "array" in value for feed in document for value in feed.values()):
        return "inputs"
    return None
