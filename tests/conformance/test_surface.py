"""The API surface read from each version's real module (tests.conformance.surface)."""

from __future__ import annotations

from tests.conformance.conftest import BY_NAME, Target, load_surface, prepared
from tests.conformance.surface import parse_overloads, split_top_level


def test_every_version_has_its_classes_overloads_properties_and_interfaces(surface: dict, target: Target) -> None:
    classes = surface["classes"]
    assert len(classes) > 150 and surface["version"] == (target.version or surface["version"])
    [overload] = classes["IBuilderConfig"]["methods"]["set_memory_pool_limit"]
    assert [param["name"] for param in overload["params"]] == ["self", "pool", "pool_size"]
    assert overload["params"][1]["type"] == "MemoryPoolType" and overload["returns"] == "None"
    assert classes["IBuilderConfig"]["properties"]["profiling_verbosity"] == {"writable": True,
                                                                              "type": "ProfilingVerbosity"}
    assert classes["ICudaEngine"]["properties"]["num_io_tensors"]["writable"] is False
    assert "FLOAT" in classes["DataType"]["enum"] and "FP32" not in classes["DataType"]["enum"]
    assert surface["pure_virtual"]["ILogger"] == ["log"]
    assert surface["pure_virtual"]["IProgressMonitor"] == ["phase_finish", "phase_start", "step_complete"]
    weak = target.major == 10
    assert ("int8_calibrator" in classes["IBuilderConfig"]["properties"]) is weak
    assert ("FP16" in classes["BuilderFlag"]["enum"]) is weak and "TF32" in classes["BuilderFlag"]["enum"]


def test_versions_differ_where_trtkit_must_check_members() -> None:
    old, new = (load_surface(prepared(BY_NAME[name]))["classes"] for name in ("10.8", "10.13"))
    assert old["HardwareCompatibilityLevel"]["enum"] == ["NONE", "AMPERE_PLUS"]
    assert "SAME_COMPUTE_CAPABILITY" in new["HardwareCompatibilityLevel"]["enum"]


def test_overloaded_docstrings_and_nested_types_parse() -> None:
    doc = ("set_shape(*args, **kwargs)\nOverloaded function.\n\n1. set_shape(self: tensorrt.tensorrt.X, input: str, "
           "dims: Dict[str, List[int]] = {}) -> None\n\ndoc\n\n2. set_shape(self: tensorrt.tensorrt.X, arg0: int) "
           "-> bool\n")
    first, second = parse_overloads("set_shape", doc)
    assert [(p["name"], p["type"], p["default"]) for p in first["params"]] == [
        ("self", "X", False), ("input", "str", False), ("dims", "Dict[str, List[int]]", True)]
    assert second["params"][1]["keyword"] is False and second["returns"] == "bool"
    assert split_top_level("a: Dict[str, int], b: str = 'x, y'") == ["a: Dict[str, int]", "b: str = 'x, y'"]
