"""A TensorRT module generated from one version's real surface, to drive trtkit's full-TensorRT paths unchanged.

- Enums, value types (Dims, ...) and the interfaces trtkit subclasses (ILogger, Logger, IProgressMonitor,
  IProfiler, the calibrators: every class with pure virtual methods) are the real classes of the imported module.
- Every other class (Builder, IBuilderConfig, INetworkDefinition, OnnxParser, Runtime, ICudaEngine,
  IExecutionContext, ...) is generated: exactly the methods of the surface (an unknown name is an AttributeError),
  a call checked against the parsed overloads (positional count, keyword names), properties read-only where the
  real ones are. Every call and property assignment is recorded, to be replayed on the real binding
  (tests.conformance.replay).
- What a call returns is a CPU stand-in (BEHAVIOUR): the parser reads the ONNX model's inputs, outputs and nodes;
  the builder calls trtkit's logger, progress monitor and calibrator through the real base classes (pybind11's
  trampolines, as TensorRT does) and serializes a description of the network; the execution context "runs" on
  the CPU stream stand-in (cpu_cuda) and reports layer times to trtkit's profiler.
Nothing here is TensorRT's behaviour: values, shapes and timings are made up.
"""

from __future__ import annotations

import ctypes
import json
from dataclasses import dataclass, field
from types import ModuleType
from typing import Any

from tests.conformance.static_check import Surface, accepts

ENGINE_MAGIC = b"ftrt"


@dataclass
class Record:
    kind: str  # "call" (self.method(...)), "new" (Class(...)), "set" (self.property = value)
    cls: str
    name: str
    args: tuple = ()
    kwargs: dict = field(default_factory=dict)


class DoubleError(AssertionError):
    """trtkit called the double in a way the real surface does not allow."""


class DoubleBase:
    """The base of every generated class; its instance state lives in `_state` only."""

    _surface_name = ""
    _module: Any = None

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        module = type(self)._module
        object.__setattr__(self, "_state", {})
        module.records.append(Record("new", self._surface_name, "__init__", args, kwargs))  # replayed even if refused
        check(module, self._surface_name, "__init__", args, kwargs, bound=True)
        behaviour: Any = BEHAVIOUR.get((self._surface_name, "__init__"))
        if behaviour is not None:
            behaviour(module, self, *args, **kwargs)

    def __setattr__(self, name: str, value: Any) -> None:
        if not name.startswith("_") and not isinstance(getattr(type(self), name, None), property):
            raise AttributeError(f"{self._surface_name} has no attribute {name}")
        object.__setattr__(self, name, value)  # a read-only property raises here, as the real one does


def check(module: Any, cls: str, method: str, args: tuple, kwargs: dict, bound: bool) -> None:
    overloads = module.surface.overloads(cls, method) or []
    if not overloads:
        return
    reasons = [accepts(overload, len(args), list(kwargs), bound) or _enum_problem(module, overload, args, kwargs,
                                                                                bound)
               for overload in overloads]
    if all(reason is not None for reason in reasons):
        raise DoubleError(f"{cls}.{method}{args!r} {kwargs!r}: " + "; ".join(str(reason) for reason in reasons))


def _enum_problem(module: Any, overload: dict, args: tuple, kwargs: dict, bound: bool) -> str | None:
    """An argument for an enum-typed parameter that is not a member of that (real) enum."""
    params = overload["params"][1:] if bound else overload["params"]
    given = [*zip(params, args, strict=False),
             *((param, kwargs[param["name"]]) for param in params if param["name"] in kwargs)]
    for param, value in given:
        entry = module.surface.cls(param["type"] or "")
        if entry is None or entry.get("enum") is None:
            continue
        enum = module.real
        for part in (param["type"] or "").split("."):
            enum = getattr(enum, part)
        if not isinstance(value, enum):
            return f"{param['name']} takes {param['type']}, given {type(value).__name__}"
    return None


def make(module: Any, cls: str, **values: Any) -> Any:
    """A generated instance of `cls` without a constructor call (what a factory method returns)."""
    instance = object.__new__(module.classes[cls])
    object.__setattr__(instance, "_state", dict(values))
    return instance


def _method(cls: str, name: str):
    def method(self: Any, *args: Any, **kwargs: Any) -> Any:
        module = type(self)._module
        module.records.append(Record("call", cls, name, args, kwargs))  # replayed even if refused here
        check(module, cls, name, args, kwargs, bound=True)
        behaviour: Any = BEHAVIOUR.get((cls, name))
        if behaviour is not None:
            return behaviour(module, self, *args, **kwargs)
        overloads = module.surface.overloads(cls, name) or [{"returns": None}]
        return module.default(overloads[0]["returns"])

    method.__name__ = name
    return method


def _property(cls: str, name: str, writable: bool, type_text: str | None):
    def getter(self: Any) -> Any:
        state = self._state
        if name in state:
            return state[name]
        return type(self)._module.default(type_text)

    def setter(self: Any, value: Any) -> None:
        type(self)._module.records.append(Record("set", cls, name, (value,)))
        self._state[name] = value

    return property(getter, setter if writable else None)


class DoubleModule(ModuleType):
    """The generated `tensorrt`: real enums, value types and interfaces, generated object classes."""

    def __init__(self, real: ModuleType, surface_data: dict):
        super().__init__(real.__name__)
        self.real, self.surface = real, Surface(surface_data)
        self.records: list[Record] = []
        self.__version__ = real.__version__
        self.classes: dict[str, type] = {}
        self.run_on = lambda stream, work: work()  # replaced by the CPU CUDA stand-in's
        interfaces = set(surface_data.get("pure_virtual", {})) | {"Logger"}
        for name, entry in surface_data["classes"].items():
            if "." in name or "alias_of" in entry:
                continue
            real_class = getattr(real, name, None)
            if real_class is None:
                continue
            if entry["enum"] is not None or self._is_interface(real_class, interfaces) or self._is_value(real_class):
                setattr(self, name, real_class)
                continue
            namespace: dict[str, Any] = {"_surface_name": name, "_module": self}
            for entry_part in self.surface.chain(name):
                for method in entry_part["methods"]:
                    if method != "__init__" and method not in namespace:
                        namespace[method] = _method(name, method)
                for prop, info in entry_part["properties"].items():
                    namespace.setdefault(prop, _property(name, prop, info["writable"], info["type"]))
            for attribute in dir(real_class):  # nested enums and constants (Logger.ERROR is real)
                value = getattr(real_class, attribute)
                if not attribute.startswith("_") and attribute not in namespace and not callable(value):
                    namespace[attribute] = value
            generated = type(name, (DoubleBase,), namespace)
            self.classes[name] = generated
            setattr(self, name, generated)
        for name in surface_data["functions"]:
            setattr(self, name, getattr(real, name))

    @staticmethod
    def _is_interface(cls: type, interfaces: set[str]) -> bool:
        return any(base.__name__ in interfaces or "Calibrator" in base.__name__ for base in cls.__mro__)

    @staticmethod
    def _is_value(cls: type) -> bool:
        try:
            cls()
        except Exception:
            return False
        return True

    def default(self, type_text: str | None) -> Any:
        """What a call returns when no behaviour says: a generated object of the return type, else a plain value."""
        if not type_text or type_text == "None":
            return None
        name = type_text.removeprefix("Optional[").removesuffix("]")
        if name in self.classes:
            return make(self, name)
        return {"bool": True, "int": 0, "float": 0.0, "str": ""}.get(name)


# ---------------------------------------------------------------------------------------------------------------
# CPU stand-ins of what TensorRT's calls return


def _onnx_network(path: str) -> dict:
    import onnx

    model = onnx.load(path, load_external_data=False)
    initializers = {initializer.name for initializer in model.graph.initializer}

    def tensors(values) -> list[dict]:
        return [{"name": value.name, "shape": [dim.dim_value if dim.HasField("dim_value") else -1
                                               for dim in value.type.tensor_type.shape.dim]}
                for value in values if value.name not in initializers]

    return {"inputs": tensors(model.graph.input), "outputs": tensors(model.graph.output),
            "layers": [node.name or f"{node.op_type}_{index}" for index, node in enumerate(model.graph.node)]}


def _builder_init(module: DoubleModule, builder: Any, logger: Any) -> None:
    builder._state["logger"] = logger


def _network(module: DoubleModule, builder: Any, flags: int = 0) -> Any:
    return make(module, "INetworkDefinition", flags=flags, num_layers=0, num_inputs=0, num_outputs=0,
                description={"inputs": [], "outputs": [], "layers": []})


def _parser_init(module: DoubleModule, parser: Any, network: Any, logger: Any) -> None:
    parser._state.update(network=network, logger=logger, num_errors=0)


def _parse_from_file(module: DoubleModule, parser: Any, path: str) -> bool:
    """The model's tensors and nodes into the network; a model named *unsupported* fails with one error."""
    if "unsupported" in path:
        parser._state["num_errors"] = 1
        return False
    network = parser._state["network"]
    description = _onnx_network(path)
    network._state.update(description=description, num_inputs=len(description["inputs"]),
                          num_outputs=len(description["outputs"]), num_layers=len(description["layers"]))
    module.real.ILogger.log(parser._state["logger"], module.real.ILogger.Severity.WARNING, "parsed (stand-in)")
    return True


def _get_error(module: DoubleModule, parser: Any, index: int) -> Any:
    return make(module, "ParserError")


def _error_text(module: DoubleModule, error: Any) -> str:
    return "unsupported operator (stand-in)"


def _tensor(module: DoubleModule, description: dict) -> Any:
    return make(module, "ITensor", name=description["name"], shape=tuple(description["shape"]),
                dtype=module.real.DataType.FLOAT)


def _get_input(module: DoubleModule, network: Any, index: int) -> Any:
    return _tensor(module, network._state["description"]["inputs"][index])


def _get_output(module: DoubleModule, network: Any, index: int) -> Any:
    return _tensor(module, network._state["description"]["outputs"][index])


def _get_layer(module: DoubleModule, network: Any, index: int) -> Any:
    layers = network._state.setdefault("layer_objects", {})
    if index not in layers:
        layers[index] = make(module, "ILayer", name=network._state["description"]["layers"][index], num_outputs=1)
    return layers[index]


def _set_shape(module: DoubleModule, profile: Any, name: str, low: Any, opt: Any, high: Any) -> None:
    profile._state.setdefault("shapes", {})[name] = [list(low), list(opt), list(high)]


def _add_profile(module: DoubleModule, config: Any, profile: Any) -> int:
    profiles = config._state.setdefault("profiles", [])
    profiles.append(profile._state.get("shapes", {}))
    return len(profiles) - 1


def _build(module: DoubleModule, builder: Any, network: Any, config: Any) -> Any:
    """The builder's callbacks into trtkit, as TensorRT makes them, then the "engine": a description."""
    real = module.real
    logger = builder._state["logger"]
    real.ILogger.log(logger, real.ILogger.Severity.INFO, "Total Weights Memory: 1024 bytes")
    monitor = config._state.get("progress_monitor")
    if monitor is not None:
        real.IProgressMonitor.phase_start(monitor, "Building engine", None, 1)
        if not real.IProgressMonitor.step_complete(monitor, "Building engine", 0):
            return None
        real.IProgressMonitor.phase_finish(monitor, "Building engine")
    calibrator = config._state.get("int8_calibrator")
    if calibrator is not None:
        base: Any = next(cls for cls in type(calibrator).__mro__ if cls.__module__ == real.ILogger.__module__)
        base.get_batch_size(calibrator)
        if calibrator.read_calibration_cache() is None:
            names = [tensor["name"] for tensor in network._state["description"]["inputs"]]
            while calibrator.get_batch(names) is not None:
                pass
            calibrator.write_calibration_cache(memoryview(b"calibration scales"))
    description = {**network._state["description"], "profiles": config._state.get("profiles", [])}
    return ENGINE_MAGIC + json.dumps(description).encode()  # IHostMemory: a buffer


def _timing_cache(module: DoubleModule, config: Any, data: Any = b"") -> Any:
    return make(module, "ITimingCache")


def _serialize(module: DoubleModule, cache: Any) -> bytes:
    return b"timing cache (stand-in)"


def _deserialize(module: DoubleModule, runtime: Any, serialized: Any) -> Any:
    data = bytes(serialized)
    if not data.startswith(ENGINE_MAGIC):
        return None
    description = json.loads(data[len(ENGINE_MAGIC):])
    names = [tensor["name"] for tensor in description["inputs"] + description["outputs"]]
    return make(module, "ICudaEngine", description=description, num_io_tensors=len(names),
                num_optimization_profiles=max(len(description["profiles"]), 1), num_layers=len(description["layers"]))


def _io(engine: Any, name: str) -> tuple[dict, bool]:
    description = engine._state["description"]
    for tensor in description["inputs"]:
        if tensor["name"] == name:
            return tensor, True
    return next(tensor for tensor in description["outputs"] if tensor["name"] == name), False


def _tensor_name(module: DoubleModule, engine: Any, index: int) -> str:
    description = engine._state["description"]
    return (description["inputs"] + description["outputs"])[index]["name"]


def _tensor_mode(module: DoubleModule, engine: Any, name: str) -> Any:
    mode = module.real.TensorIOMode
    return mode.INPUT if _io(engine, name)[1] else mode.OUTPUT


def _tensor_shape(module: DoubleModule, engine: Any, name: str) -> tuple:
    return tuple(_io(engine, name)[0]["shape"])


def _tensor_dtype(module: DoubleModule, engine: Any, name: str) -> Any:
    return module.real.DataType.FLOAT


def _profile_shape(module: DoubleModule, engine: Any, name: str, index: int) -> list:
    return [tuple(shape) for shape in engine._state["description"]["profiles"][index][name]]


def _context(module: DoubleModule, engine: Any) -> Any:
    return make(module, "IExecutionContext", engine=engine, shapes={}, addresses={})


def _inspector(module: DoubleModule, engine: Any) -> Any:
    return make(module, "EngineInspector", engine=engine)


def _engine_information(module: DoubleModule, inspector: Any, format: Any) -> str:
    description = inspector._state["engine"]._state["description"]
    return json.dumps({"Layers": [{"Name": name, "LayerType": "Stand-in"} for name in description["layers"]],
                       "Bindings": [tensor["name"] for tensor in description["inputs"] + description["outputs"]]})


def _set_input_shape(module: DoubleModule, context: Any, name: str, shape: Any) -> bool:
    context._state["shapes"][name] = tuple(shape)
    return True


def _context_shape(module: DoubleModule, context: Any, name: str) -> tuple:
    tensor, is_input = _io(context._state["engine"], name)
    if is_input:
        return context._state["shapes"].get(name, tuple(tensor["shape"]))
    batch = next(iter(context._state["shapes"].values()), (1,))[0]
    return tuple(batch if dim < 0 else dim for dim in tensor["shape"])


def _set_address(module: DoubleModule, context: Any, name: str, address: int) -> bool:
    context._state["addresses"][name] = address
    return True


def _execute(module: DoubleModule, context: Any, stream: int) -> bool:
    """The outputs written (zeros) on the stream, and each layer's time reported to trtkit's profiler."""
    import numpy as np

    def work() -> None:
        engine = context._state["engine"]
        for tensor in engine._state["description"]["outputs"]:
            size = int(np.prod(_context_shape(module, context, tensor["name"]))) * 4
            ctypes.memset(context._state["addresses"][tensor["name"]], 0, size)
        profiler = context._state.get("profiler")
        if profiler is not None:
            for layer in engine._state["description"]["layers"]:
                module.real.IProfiler.report_layer_time(profiler, layer, 0.01)

    module.run_on(int(stream), work)
    return True


def _true(module: DoubleModule, instance: Any, *args: Any) -> bool:
    return True


def _registry(module: DoubleModule, builder: Any) -> Any:
    return make(module, "IPluginRegistry")


def _library(module: DoubleModule, registry: Any, path: str) -> Any:
    return object()  # a library handle: trtkit only tests it against None


BEHAVIOUR = {
    ("IPluginRegistry", "load_library"): _library,
    ("Builder", "__init__"): _builder_init, ("Builder", "create_network"): _network,
    ("Builder", "build_serialized_network"): _build, ("Builder", "get_plugin_registry"): _registry,
    ("OnnxParser", "__init__"): _parser_init, ("OnnxParser", "parse_from_file"): _parse_from_file,
    ("OnnxParser", "get_error"): _get_error, ("ParserError", "desc"): _error_text,
    ("INetworkDefinition", "get_input"): _get_input, ("INetworkDefinition", "get_output"): _get_output,
    ("INetworkDefinition", "get_layer"): _get_layer,
    ("IOptimizationProfile", "set_shape"): _set_shape, ("IBuilderConfig", "add_optimization_profile"): _add_profile,
    ("IBuilderConfig", "create_timing_cache"): _timing_cache, ("IBuilderConfig", "get_timing_cache"): _timing_cache,
    ("ITimingCache", "serialize"): _serialize, ("IBuilderConfig", "set_calibration_profile"): _true,
    ("Runtime", "deserialize_cuda_engine"): _deserialize,
    ("ICudaEngine", "get_tensor_name"): _tensor_name, ("ICudaEngine", "get_tensor_mode"): _tensor_mode,
    ("ICudaEngine", "get_tensor_shape"): _tensor_shape, ("ICudaEngine", "get_tensor_dtype"): _tensor_dtype,
    ("ICudaEngine", "get_tensor_profile_shape"): _profile_shape,
    ("ICudaEngine", "create_execution_context"): _context, ("ICudaEngine", "create_engine_inspector"): _inspector,
    ("EngineInspector", "get_engine_information"): _engine_information,
    ("IExecutionContext", "set_input_shape"): _set_input_shape, ("IExecutionContext", "get_tensor_shape"):
        _context_shape, ("IExecutionContext", "set_tensor_address"): _set_address,
    ("IExecutionContext", "execute_async_v3"): _execute,
    ("IExecutionContext", "set_optimization_profile_async"): _true,
}
