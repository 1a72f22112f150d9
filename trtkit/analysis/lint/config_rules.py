"""Config rules: options the target TensorRT removed or ignores, and profiles that do not fit the model."""

from __future__ import annotations

import re

from trtkit.analysis.lint import LintContext, Location, rule

# TensorRT 11 removed weak typing: these build options have a replacement in `convert`.
REMOVED_IN_11 = {
    "precision": "set convert.precision (fp16, bf16) or convert.quantize (int8, fp8, int4) and rebuild the "
                 "converted model (tf32 stays)",
    "calibration": "quantize in convert.quantize with calibration data (Model Optimizer PTQ)",
    "precision_constraints": "precisions live in the model: keep layers in FP32 with convert.keep_fp32_nodes",
    "layer_precisions": "keep layers in FP32 with convert.keep_fp32_nodes / keep_fp32_op_types",
    "layer_output_types": "set tensor types in the model (convert) instead",
    "strongly_typed": "every network is strongly typed in TensorRT 11: remove the option",
}
# TensorRT-RTX accepts these but they do nothing (DESIGN.md): timing cache and optimization levels are no-ops.
NO_OP_ON_RTX = ("timing_cache", "optimization_level", "editable_timing_cache", "error_on_timing_cache_miss",
                "max_tactics")


def _key_location(context: LintContext, *path: str | int) -> Location:
    origin = context.config_sources.origin(tuple(path)) if context.config_sources else context.config_path
    match = re.match(r"^(.*):(\d+)$", origin or "")
    dotted = ".".join(str(part) for part in path)
    if match:
        return Location("config-key", dotted, match.group(1), int(match.group(2)))
    return Location("config-key", dotted, context.config_path)


def _is_set(value, default) -> bool:
    return value not in (None, [], {}) and value != default


@rule("config-invalid", "config", "error", "The config does not validate",
      "fix the key at the line given (`trtkit config validate` shows the same)")
def config_invalid(context: LintContext):
    for problem in context.config_problems:
        match = re.match(r"^(.*?):(\d+): ([^:]+): (.*)$", problem)
        if match:
            file, line, key, message = match.groups()
            yield (f"{key}: {message}", Location("config-key", key, file, int(line)), {})
        else:
            yield (problem, Location("file", context.config_path or "config", context.config_path), {})


@rule("config-removed-in-trt11", "config", "error",
      "A build option TensorRT 11 removed (weak typing: precision flags, calibration, precision constraints)",
      "choose precision in the model with `trtkit convert` (see the message for the replacement)")
def removed_in_trt11(context: LintContext):
    from trtkit.config.models import BuildConfig

    if not context.strongly_typed_only or context.config is None:
        return
    build = context.config.build
    for key, replacement in REMOVED_IN_11.items():
        value, default = getattr(build, key), BuildConfig.model_fields[key].default
        if key == "precision":  # TF32 stays (BuilderFlag.TF32: how FP32 layers compute in a strongly typed build)
            value = [precision for precision in value if precision != "tf32"]
        if _is_set(value, default):
            target = "TensorRT-RTX" if context.target == "rtx" else f"TensorRT {context.target}"
            yield (f"build.{key} is set, but {target} builds strongly typed networks only: {replacement}",
                   _key_location(context, "build", key), {"key": f"build.{key}"})


@rule("config-meaningless-for-backend", "config", "warning",
      "An option the selected backend accepts but ignores",
      "remove it, or select the backend it is meant for (backend: tensorrt)")
def meaningless_for_backend(context: LintContext):
    config = context.config
    if config is None:
        return
    build = config.build
    if context.target == "rtx":
        for key in NO_OP_ON_RTX:
            if getattr(build, key) not in (None, False):
                yield (f"build.{key} is a no-op on TensorRT-RTX (it builds ahead of time and ignores it)",
                       _key_location(context, "build", key), {"key": f"build.{key}"})
        if build.dla.core is not None:
            yield ("build.dla is set, but TensorRT-RTX has no DLA support", _key_location(context, "build", "dla"), {})
    elif build.compute_capabilities:
        yield ("build.compute_capabilities only applies to TensorRT-RTX ahead-of-time builds; full TensorRT builds "
               "for the GPU it runs on", _key_location(context, "build", "compute_capabilities"), {})


@rule("config-profile-inputs", "config", "error",
      "An optimization profile names an input the model does not have, misses a dynamic input, or contradicts "
      "the model's fixed dimensions", "make each profile list every dynamic input of the model with its rank "
      "(`trtkit config init MODEL.onnx` writes one)")
def profile_inputs(context: LintContext):
    from trtkit.io.onnx_model import graph_inputs

    if context.config is None or context.model is None:
        return
    inputs = {spec.name: spec for spec in graph_inputs(context.model)}
    for profile_name, profile in context.config.build.profiles.items():
        for name, shape in profile.min.items():
            spec = inputs.get(name)
            if spec is None:
                yield (f"profile {profile_name} sets {name!r}, which is not an input of the model (inputs: "
                       f"{', '.join(inputs)})", _key_location(context, "build", "profiles", profile_name), {})
                continue
            if spec.dims is None:
                continue
            if len(spec.dims) != len(shape):
                yield (f"profile {profile_name}: {name} has rank {len(shape)}, the model's input has rank "
                       f"{len(spec.dims)}", _key_location(context, "build", "profiles", profile_name), {})
                continue
            for key, shapes in (("min", profile.min), ("opt", profile.opt), ("max", profile.max)):
                for axis, (fixed, given) in enumerate(zip(spec.dims, shapes[name], strict=True)):
                    if isinstance(fixed, int) and fixed != given:
                        yield (f"profile {profile_name}: {key} of {name} sets axis {axis} to {given}, but the model "
                               f"fixes it at {fixed}", _key_location(context, "build", "profiles", profile_name,
                                                                     key), {})
                        break
        for name, spec in inputs.items():
            if spec.dims and spec.dynamic_axes and name not in profile.min:
                yield (f"profile {profile_name} does not set the dynamic input {name!r}",
                       _key_location(context, "build", "profiles", profile_name), {})
