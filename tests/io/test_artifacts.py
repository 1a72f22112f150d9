import hashlib

from trtkit.io.artifacts import EngineArtifacts, sha256_file


def test_names_match_trex(tmp_path):
    artifacts = EngineArtifacts.for_name(tmp_path, "resnet.onnx")
    assert artifacts.engine.name == "resnet.onnx.engine"
    assert artifacts.graph.name == "resnet.onnx.engine.graph.json"
    assert artifacts.profile.name == "resnet.onnx.engine.profile.json"
    assert artifacts.timing.name == "resnet.onnx.engine.timing.json"
    assert artifacts.profile_metadata.name == "resnet.onnx.engine.profile.metadata.json"
    assert artifacts.build_metadata.name == "resnet.onnx.engine.build.metadata.json"


def test_any_member_finds_its_set(fixtures_dir):
    folder = fixtures_dir / "trt8" / "resnet18-a100" / "fp16"
    for member in folder.iterdir():
        if member.name.endswith((".graph.json", ".profile.json", ".timing.json", ".metadata.json")):
            assert EngineArtifacts.from_any(member).engine == folder / "resnet.onnx.engine"
    found = EngineArtifacts.from_any(folder / "resnet.onnx.engine.graph.json").existing()
    assert set(found) == {"graph", "profile", "timing", "profile_metadata", "build_metadata", "device_metadata"}


def test_sha256_matches_hashlib(tmp_path):
    path = tmp_path / "blob"
    data = bytes(range(256)) * 5000
    path.write_bytes(data)
    assert sha256_file(path, chunk_size=4096) == hashlib.sha256(data).hexdigest()
