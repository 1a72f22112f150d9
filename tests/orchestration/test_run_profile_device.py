"""A profile measured on one GPU is not reused on another: the GPU and its driver are part of the profile stage's
key, so a work directory from another machine (a CI cache) profiles again instead of reporting 'unchanged'.
The GPUs below are made by hand (no GPU here); they test the key, not CUDA."""

from trtkit.backends import cuda
from trtkit.backends.cuda import CudaProbe, GpuInfo
from trtkit.config.loader import load_config
from trtkit.io.manifest import stage_key
from trtkit.orchestration.run import Pipeline


def _profile_key(config, monkeypatch, gpu: str, capability: str, driver: str) -> str:
    monkeypatch.setattr(cuda, "probe_cuda", lambda: CudaProbe("12.8", driver, [GpuInfo(0, gpu, capability, 2**36)]))
    work = Pipeline(load_config(config), config).work("profile")
    return stage_key("profile", {}, work.config, work.versions)


def test_another_gpu_or_driver_is_another_profile(example_models, tmp_path, monkeypatch):
    config = tmp_path / "pipeline.yaml"
    config.write_text(f"model: {example_models['resnet18']}\nbackend: tensorrt-rtx\n")
    a100 = _profile_key(config, monkeypatch, "NVIDIA A100-SXM4-80GB", "8.0", "570.86")
    assert _profile_key(config, monkeypatch, "NVIDIA A100-SXM4-80GB", "8.0", "570.86") == a100
    assert _profile_key(config, monkeypatch, "NVIDIA L4", "8.9", "570.86") != a100  # was equal: "unchanged"
    assert _profile_key(config, monkeypatch, "NVIDIA A100-SXM4-80GB", "8.0", "580.65") != a100
