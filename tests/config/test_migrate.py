"""`trtkit migrate`: the real trtexec command lines of the shared logs (TensorRT 7.x to 10.x) and the command lines
of NVIDIA's TensorRT 11 trtexec migration guide, each turned into a config that validates."""

import importlib.util
from pathlib import Path

import pytest

from trtkit.config.loader import parse_yaml, validate_config
from trtkit.config.migrate import command_from_log, migrate, split_command, to_yaml

# The "Before (TensorRT 10.x)" and "After (TensorRT 11.x)" command lines of "Migrating trtexec Usage from TensorRT
# 10.x to 11.x" (docs.nvidia.com/deeplearning/tensorrt/11.0.0/api/migration/tensorrt-10x-to-11x-trtexec.html), and
# of its 8.x-to-10.x appendix with $INPUT_SHAPE filled in.
GUIDE_10X_FP16 = "trtexec --onnx=model.onnx --saveEngine=engine.plan --fp16"
GUIDE_11X_FP16 = "trtexec --onnx=model_fp16.onnx --saveEngine=engine.plan"
GUIDE_8X = ("trtexec --onnx=/path/to/model.onnx --saveEngine=/path/to/engine.trt --optShapes=input:1x3x224x224 "
            "--workspace=1024 --minTiming=1")
GUIDE_10X = ("trtexec --onnx=/path/to/model.onnx --saveEngine=/path/to/engine.trt --optShapes=input:1x3x224x224 "
             "--memPoolSize=workspace:1024")


def _validates(migration) -> dict:
    text = to_yaml(migration, "test")
    config = validate_config(*parse_yaml(text, "migrated.yaml"))
    return config.model_dump(mode="json")


def _logs(fixtures_dir):
    return sorted([*fixtures_dir.glob("logs/*.log"), *fixtures_dir.glob("logs/issue_excerpts/*")])


def test_every_logged_command_line_migrates_to_a_valid_config(fixtures_dir):
    migrated = 0
    for log in _logs(fixtures_dir):
        text = log.read_text(errors="replace")
        if "&&&& RUNNING" not in text:
            with pytest.raises(ValueError):
                command_from_log(text)
            continue
        command, version = command_from_log(text)
        migration = migrate(command, version)
        if migration.legacy_input:  # Caffe with implicit batch (TensorRT 7.x): nothing to build in TensorRT 10+
            assert "caffe" in log.name and migration.get("model") is None
            assert "--deploy=/usr/src/tensorrt/data/resnet50/ResNet50_N2.prototxt" in migration.unknown
            continue
        config = _validates(migration)
        assert config["model"] or config["profile"]["engine"], log.name
        migrated += 1
    assert migrated >= 18


def test_build_options_of_a_10x_log(fixtures_dir):
    command, version = command_from_log(
        (fixtures_dir / "logs/trt10.14.1_mnist_fp16_build_verbose_skipInference.trtexec.log").read_text())
    assert version == "10.14.1"
    migration = migrate(command, version)
    config = _validates(migration)
    build = config["build"]
    assert config["convert"]["precision"] == "fp16"
    assert build["workspace"] == "1GiB" and build["optimization_level"] == 5 and build["max_aux_streams"] == 4
    assert build["timing_cache"] == "model-trained.TimingCache" and build["output"] == "model-trained.trt"
    assert build["profiles"] == {"default": {"min": "x:1x1x28x28", "opt": "x:4x1x28x28", "max": "x:16x1x28x28"}}
    assert config["run"]["stages"] == ["convert", "build", "inspect", "lint"]  # --skipInference
    assert "--fp16 -> convert.precision: fp16" in migration.removed and "--noTF32 -> (removed)" in migration.removed
    text = to_yaml(migration, "test")
    assert "# was --fp16: TensorRT 11 builds strongly typed" in text and "# --verbose: logging" in text


def test_measurement_flags_and_versions_of_8x_logs(fixtures_dir):
    command, version = command_from_log(
        (fixtures_dir / "logs/trt8.5.10_resnet18_qat_best_verbose_dumpProfile.trtexec.log").read_text())
    assert version == "8.5.10"
    migration = migrate(command, version)
    profile = _validates(migration)["profile"]
    # asked for on the command line: kept; TensorRT 8.x defaults are not added when every switch was given
    assert profile["cuda_graph"] is True and profile["spin_wait"] is True and profile["transfers"] is False
    assert profile["per_layer"] is True
    assert migration.get("convert.quantize.mode") == "int8" and "--best -> convert.quantize.mode: int8" in \
        migration.removed
    assert "QAT" in to_yaml(migration, "test")

    command, version = command_from_log((fixtures_dir / "logs/trt8.4.1_mnist_fp32_build_and_run.trtexec.log")
                                        .read_text())
    assert version == "8.4.1"
    config = _validates(migrate(command, version))
    # trtexec 8.x measured without CUDA graph or spin-wait, with transfers: the config keeps that measurement
    assert (config["profile"]["cuda_graph"], config["profile"]["spin_wait"], config["profile"]["transfers"]) == \
        (False, False, True)
    assert config["profile"]["shapes"] == "tensor-0:4x1x28x28"
    assert config["build"]["profiles"]["default"]["max"] == "tensor-0:16x1x28x28"


def test_windows_engine_and_bare_plugins(fixtures_dir):
    command, version = command_from_log(
        (fixtures_dir / "logs/issue_excerpts/trt10.2.0_windows_powershell_loadengine_head.EXCERPT.txt").read_text())
    assert split_command(command)[0] == "--loadEngine=FM_P_D_fp16.engine"
    config = _validates(migrate(command, version))
    assert config["profile"]["engine"] == "FM_P_D_fp16.engine" and config["run"]["stages"] == ["profile", "inspect",
                                                                                                "lint"]
    assert config["profile"]["shapes"].startswith("ref_y:1x128x100x160,c1:1x48x1600x2560")
    command, version = command_from_log(
        (fixtures_dir / "logs/trt8.5.2_yolov8n_seg_nms_plugin_fp16_shellprompt.trtexec.log").read_text())
    migration = migrate(command, version)
    assert migration.unknown == ["--plugins"]  # no library named: listed, not dropped
    assert "#   --plugins" in to_yaml(migration, "test")
    assert _validates(migration)["build"]["workspace"] == "8GiB"


def test_trtexec_11_migration_guide_command_lines():
    before = migrate(GUIDE_10X_FP16)
    config = _validates(before)
    assert config["convert"]["precision"] == "fp16" and config["model"] == "model.onnx"
    assert before.removed == ["--fp16 -> convert.precision: fp16"]
    after = migrate(GUIDE_11X_FP16, "11.0.0")
    config = _validates(after)
    assert after.removed == [] and after.unknown == []
    assert config["convert"]["precision"] == "fp32" and config["run"]["stages"] == ["build", "profile", "inspect",
                                                                                    "lint"]
    # TensorRT 11 trtexec's defaults are trtkit's: nothing to write in profile:
    assert after.get("profile") is None
    for command in (GUIDE_8X, GUIDE_10X):
        config = _validates(migrate(command))
        assert config["build"]["workspace"] == "1GiB"
        assert config["build"]["profiles"]["default"] == {"min": "input:1x3x224x224", "opt": "input:1x3x224x224",
                                                          "max": "input:1x3x224x224"}
    assert "--minTiming=1: the timing iterations" in to_yaml(migrate(GUIDE_8X), "test")


def test_target_10_keeps_weak_typing_in_build():
    command = ("trtexec --onnx=model.onnx --int8 --fp16 --calib=model.cache --precisionConstraints=obey "
               "--layerPrecisions=conv1:fp32,fc:fp16 --stronglyTyped --tacticSources=-CUDNN,+CUBLAS")
    migration = migrate(command, target="10")
    build = _validates(migration)["build"]
    assert build["precision"] == ["tf32", "int8", "fp16"]
    assert build["calibration"]["cache"] == "model.cache" and build["precision_constraints"] == "obey"
    assert build["layer_precisions"] == {"conv1": "fp32", "fc": "fp16"} and build["strongly_typed"] is True
    assert build["tactic_sources"] == ["cublas"]
    assert migration.removed == []
    eleven = migrate(command)
    config = _validates(eleven)
    assert config["convert"]["quantize"]["mode"] == "int8" and config["build"]["precision"] == []
    assert any(item.startswith("--layerPrecisions") for item in eleven.removed)


def test_cli_writes_a_valid_file_and_lists_unknown_options(run_cli, tmp_path):
    output = tmp_path / "pipeline.yaml"
    result = run_cli("migrate", "trtexec --onnx=model.onnx --fp16 --weightStreamingBudget=1G --threads", "-o", output)
    assert result.exit_code == 0, result.stderr
    text = output.read_text()
    assert "#   --weightStreamingBudget=1G" in text and "#   --threads" in text
    assert "not migrated: --weightStreamingBudget=1G" in result.stderr
    validate_config(*parse_yaml(text, str(output)))
    again = run_cli("migrate", "trtexec --onnx=model.onnx", "-o", output)
    assert again.exit_code == 2 and "exists" in again.stderr and output.read_text() == text
    result = run_cli("migrate", "trtexec --onnx=model.onnx --fp16 --foo", "--json")
    assert result.exit_code == 0 and result.json()["unknown"] == ["--foo"]
    assert result.json()["config"]["convert"]["precision"] == "fp16"
    assert run_cli("migrate").exit_code == 2
    assert run_cli("migrate", "--log", tmp_path / "missing.log").exit_code == 3
    assert run_cli("migrate", "trtexec --verbose").exit_code == 2
    assert run_cli("migrate", "trtexec --onnx=m.onnx", "--target", "9").exit_code == 2


@pytest.mark.skipif(importlib.util.find_spec("tensorrt_rtx") is None or importlib.util.find_spec("modelopt") is None,
                    reason="needs TensorRT-RTX and Model Optimizer (make install)")
def test_a_migrated_command_line_runs(run_cli, example_models, tmp_path, monkeypatch):
    # as a user would: in the folder trtexec ran in, migrate its command line, then run the pipeline
    monkeypatch.chdir(example_models["resnet18"].parent)
    output = tmp_path / "from-trtexec.yaml"
    command = (f"trtexec --onnx={example_models['resnet18'].name} --saveEngine={tmp_path}/cnn.plan "
               "--minShapes=input:1x3x64x64 --optShapes=input:2x3x64x64 --maxShapes=input:4x3x64x64 --fp16 "
               "--skipInference --verbose")
    assert run_cli("migrate", command, "-o", output).exit_code == 0
    result = run_cli("run", output, "--json")
    assert result.exit_code == 0, result.stderr
    assert [stage["status"] for stage in result.json()["outcomes"]] == ["ran", "ran", "ran", "ran"]
    assert (tmp_path / "cnn.plan").is_file() and (tmp_path / "cnn.plan.graph.json").is_file()


def test_migrated_values_are_written_by_the_config_formatters():
    # trtexec's --duration is in seconds and --warmUp in ms; %g once wrote 1.23457e+06s, which no config reads
    migration = migrate("trtexec --onnx=model.onnx --duration=1234567 --warmUp=1500 --l2LimitForTiling=1048576")
    text = to_yaml(migration, "test")
    assert "  duration: 1234567s\n" in text and "  warmup: 1.5s\n" in text and "  l2_limit_for_tiling: 1MiB\n" in text
    config = validate_config(*parse_yaml(text, "migrated.yaml"))
    assert (config.profile.duration, config.profile.warmup) == (1234567.0, 1.5)
    assert config.build.l2_limit_for_tiling == 2**20


def test_migrate_writes_the_models_workdir_and_backend_defaults():
    from trtkit.config.models import PipelineConfig

    fields = PipelineConfig.model_fields
    saved = fields["workdir"].default, fields["backend"].default
    try:
        fields["workdir"].default, fields["backend"].default = Path("artifacts"), "tensorrt-rtx"
        PipelineConfig.model_rebuild(force=True)
        migrated = migrate("trtexec --onnx=model.onnx")
    finally:
        fields["workdir"].default, fields["backend"].default = saved
        PipelineConfig.model_rebuild(force=True)
    assert (migrated.data["workdir"], migrated.data["backend"]) == ("artifacts", "tensorrt-rtx")
    assert PipelineConfig().workdir == Path("trtkit-out")


@pytest.mark.parametrize("option, reason", [
    ("--duration=-1", "run until stopped"),
    ("--duration=nan", "not a valid profile.duration"),
    ("--duration=inf", "not a valid profile.duration"),
    ("--warmUp=-3", "not a valid profile.warmup"),
    ("--iterations=-5", "not a valid profile.iterations"),
    ("--percentile=150", "not a valid profile.percentiles"),
])
def test_a_value_trtkit_cannot_take_is_listed_not_written(run_cli, tmp_path, option, reason):
    """trtexec values with no trtkit equivalent (its -1 duration runs until stopped) were written into a config
    that does not validate, printed with exit 0; now the option is listed as not migrated, with why, and the rest
    migrates to a config that validates."""
    migration = migrate(f"trtexec --onnx=model.onnx --fp16 {option}")
    assert [item for item in migration.unknown if item.startswith(option)] and reason in " ".join(migration.unknown)
    config = _validates(migration)
    assert config["convert"]["precision"] == "fp16"
    printed = run_cli("migrate", f"trtexec --onnx=model.onnx --fp16 {option}")
    assert printed.exit_code == 0 and f"not migrated: {option}" in printed.stderr
    validate_config(*parse_yaml(printed.stdout, "printed.yaml"))
