"""Grouping artifacts into engines and joining profiles, times and metadata onto their layers."""

import json

import pytest

from trtkit.errors import BackendUnavailableError
from trtkit.plan.loader import load

A100 = "trt8/resnet18-a100"
VARIANTS = {"fp32": "resnet.onnx", "fp16": "resnet.onnx", "qat": "resnet-qat.onnx",
            "qat-residual": "resnet-qat-residual.onnx", "qat-residual-qgap": "resnet-qat-residual-qgap.onnx"}


@pytest.mark.parametrize("variant", VARIANTS)
def test_a100_graph_pulls_in_its_companions_and_joins_every_layer(fixtures_dir, variant):
    folder = fixtures_dir / A100 / variant
    graph = folder / f"{VARIANTS[variant]}.engine.graph.json"
    [plan] = load([graph]).plans
    assert {source.kind for source in plan.sources} == {"inspector-json", "export-profile", "export-times",
                                                         "profile-metadata", "build-metadata", "device-properties"}
    profile = [record for record in json.loads((folder / f"{VARIANTS[variant]}.engine.profile.json").read_text())
               if "name" in record]
    assert all(layer.timing is not None for layer in plan.layers)
    assert sum(layer.latency_ms for layer in plan.layers) == pytest.approx(sum(r["averageMs"] for r in profile))
    assert plan.notes == []
    assert plan.device.name == "NVIDIA A100 80GB PCIe"
    timing = json.loads((folder / f"{VARIANTS[variant]}.engine.timing.json").read_text())
    assert len(plan.iteration_times) == len(timing)


def test_the_folder_and_any_member_give_the_same_plan(fixtures_dir):
    folder = fixtures_dir / A100 / "fp16"
    [from_folder] = load([folder]).plans
    [from_profile] = load([folder / "resnet.onnx.engine.profile.json"]).plans
    assert [layer.name for layer in from_folder.layers] == [layer.name for layer in from_profile.layers]
    assert from_folder.has_profile and from_profile.has_profile


def test_listing_with_its_profile_is_one_engine(fixtures_dir):
    [plan] = load([fixtures_dir / "layer_info/trt8.6.1_controlnet_sd_fp16_myelin_plugin.layers.json",
                   fixtures_dir / "profile/trt8.6.1_controlnet_sd_fp16_myelin_plugin.profile.json"]).plans
    assert len(plan.layers) == 389 and plan.profile_iterations == 175


def test_unjoined_records_are_reported(fixtures_dir, tmp_path):
    graph = tmp_path / "resnet-layers.json"
    graph.write_bytes((fixtures_dir / "trt8/resnet18-a100/fp16/resnet.onnx.engine.graph.json").read_bytes())
    [plan] = load([graph, fixtures_dir / "profile/trt8.6.1_controlnet_sd_fp16_myelin_plugin.profile.json"]).plans
    assert any("match no layer" in note and "not attributed" in note for note in plan.notes)
    assert any("have no time" in note for note in plan.notes)


def test_names_only_plan_with_profile(fixtures_dir):
    [plan] = load([fixtures_dir / "layer_info/trt10.x_detr_resnet50_int8_names_only.layers.json",
                   fixtures_dir / "profile/trt10.x_detr_resnet50_int8.profile.json"]).plans
    assert not plan.detailed and plan.has_profile
    records = [r for r in json.loads((fixtures_dir / "profile/trt10.x_detr_resnet50_int8.profile.json").read_text())
               if "name" in r]
    assert sum(layer.timing is not None for layer in plan.layers) == len(records) == len(plan.layers)
    assert plan.profile_iterations == 641


def test_profile_alone_is_a_names_only_plan_and_concatenations_split(fixtures_dir):
    plans = load([fixtures_dir / "profile/trt7.x_jetson_resnet50_int8_batchsweep.profile.concat.json"]).plans
    assert len(plans) == 7 and not plans[0].detailed and plans[0].has_profile
    assert plans[2].name.endswith("#run3")


def test_trtexec_log_with_profile_and_layers(fixtures_dir):
    [plan] = load([fixtures_dir / "logs/trt8.5.10_resnet18_qat_best_verbose_dumpProfile.trtexec.log"]).plans
    assert plan.detailed and plan.tensorrt_version == "8.5.10" and plan.performance.throughput_qps == 7329.45
    # the 8.x profile table cuts long names to their tail: they still join
    timed = [layer for layer in plan.layers if layer.timing]
    assert len(timed) == 24
    assert any(layer.name.startswith("fc.weight") and layer.timing for layer in plan.layers)


def test_bindings_get_types_from_the_layers(fixtures_dir):
    [plan] = load([fixtures_dir / "trt8/resnet18-a100/fp32/resnet.onnx.engine.graph.json"]).plans
    modes = {tensor.name: (tensor.mode, tensor.dtype, tensor.dimensions) for tensor in plan.io_tensors}
    assert modes["input.1"] == ("Input", "FP32", (32, 3, 224, 224))
    assert modes["191"][0] == "Output"


def test_engine_file_needs_gpu_or_its_graph(rtx_builds, tmp_path):
    with pytest.raises(BackendUnavailableError) as caught:
        load([rtx_builds["resnet18"].engine])
    assert caught.value.exit_code == 4 and ".graph.json" in caught.value.one_line()
    engine = tmp_path / "m.engine"
    engine.write_bytes(rtx_builds["resnet18"].engine.read_bytes())
    (tmp_path / "m.engine.graph.json").write_text(rtx_builds["resnet18"].log.read_text())
    [plan] = load([engine]).plans
    assert plan.detailed and any("was not deserialized" in note for note in plan.notes)
