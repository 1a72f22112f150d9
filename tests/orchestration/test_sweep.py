"""`trtkit sweep`: the matrix, shared conversions, the example CNN swept (precision x two profiles) with real
TensorRT-RTX builds on the CPU by the local executor and by a local Ray instance (the same table), a failing
point that does not stop the others, resuming after a kill, and the GPU placement of the local executor."""

import importlib.util
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest

from tests.conftest import REPO, SMALL_CNN_PIPELINE
from trtkit.errors import ConfigError, UsageError
from trtkit.orchestration.sweep import mark_pareto, plan_points, point_values
from trtkit.results.sweep import Point

needs_pipeline = pytest.mark.skipif(
    importlib.util.find_spec("tensorrt_rtx") is None or importlib.util.find_spec("modelopt") is None,
    reason="needs TensorRT-RTX and Model Optimizer (make install)")
needs_ray = pytest.mark.skipif(importlib.util.find_spec("ray") is None, reason="Ray is not installed (trtkit[ray])")
MATRIX = """sweep:
  axes:
    convert.precision: [fp32, fp16]
    build.profiles.small.max: [input:4x3x64x64, input:8x3x64x64]
"""


def _config(tmp_path, model, extra=MATRIX):
    config = tmp_path / "sweep.yaml"
    config.write_text("name: cnn\n" + SMALL_CNN_PIPELINE.format(model=model) + extra)
    return config


def test_matrix_include_exclude_and_validation(example_models, tmp_path):
    config = _config(tmp_path, example_models["resnet18"], MATRIX + """  exclude:
    - {convert.precision: fp32, build.profiles.small.max: input:8x3x64x64}
  include:
    - {convert.precision: bf16}
""")
    base, points, root = plan_points(config, [])
    assert [point.values for point in points] == [
        {"convert.precision": "fp32", "build.profiles.small.max": "input:4x3x64x64"},
        {"convert.precision": "fp16", "build.profiles.small.max": "input:4x3x64x64"},
        {"convert.precision": "fp16", "build.profiles.small.max": "input:8x3x64x64"},
        {"convert.precision": "bf16"}]
    assert [point.name for point in points] == ["precision-fp32_max-input-4x3x64x64",
                                                "precision-fp16_max-input-4x3x64x64",
                                                "precision-fp16_max-input-8x3x64x64", "precision-bf16"]
    assert root == tmp_path / "trtkit-out" / "sweep"
    # one conversion per distinct convert: section: the two FP16 points share theirs
    groups = [point.convert_group for point in points]
    assert groups[1] == groups[2] and len(set(groups)) == 3
    assert all(f"workdir={json.dumps(str(point.workdir))}" in point.overrides for point in points)

    bad = _config(tmp_path, example_models["resnet18"], "sweep:\n  axes:\n    convert.precision: [fp16, fp12]\n")
    with pytest.raises(ConfigError) as error:
        plan_points(bad, [])
    assert error.value.lines()[0].startswith("sweep point precision-fp12: ") and "convert.precision" in \
        error.value.lines()[0]
    with pytest.raises(UsageError, match="the sweep has no points"):
        plan_points(_config(tmp_path, example_models["resnet18"], ""), [])
    with pytest.raises(ConfigError, match="a sweep varies the pipeline"):
        plan_points(_config(tmp_path, example_models["resnet18"], "sweep:\n  axes:\n    sweep.workers: [1, 2]\n"),
                    [])


def test_wildcard_axis_sets_every_profile(example_models, tmp_path):
    config = _config(tmp_path, example_models["resnet18"], "    large:\n      min: input:4x3x64x64\n"
                     "      opt: input:4x3x64x64\n      max: input:8x3x64x64\n"
                     "sweep:\n  axes:\n    build.profiles.*.max: [input:8x3x64x64, input:16x3x64x64]\n")
    _, points, _ = plan_points(config, [])
    assert [point.name for point in points] == ["max-input-8x3x64x64", "max-input-16x3x64x64"]
    assert 'build.profiles.small.max="input:16x3x64x64"' in points[1].overrides
    assert 'build.profiles.large.max="input:16x3x64x64"' in points[1].overrides
    with pytest.raises(UsageError, match="matches nothing"):
        plan_points(_config(tmp_path, example_models["resnet18"],
                            "sweep:\n  axes:\n    build.layer_precisions.*: [fp16]\n"), [])


def test_point_values_without_axes_are_the_includes():
    from trtkit.config.models import SweepConfig

    sweep = SweepConfig(include=[{"build.optimization_level": 3}, {"build.optimization_level": 5}])
    assert point_values(sweep) == [{"build.optimization_level": 3}, {"build.optimization_level": 5}]


def test_pareto_front():
    def point(name, cost, loss, status="done"):
        return Point(name, {}, [], REPO, status=status, figures={"latency_ms": cost, "accuracy_max_abs": loss})

    points = [point("fp32", 2.0, 0.0), point("fp16", 1.0, 0.01), point("int8", 0.6, 0.08),
              point("slow-fp16", 1.5, 0.01), point("failed", 0.1, 0.0, "failed")]
    assert mark_pareto(points) == "latency_ms"
    assert [p.name for p in points if p.pareto] == ["fp32", "fp16", "int8"]


def _table(document) -> list[tuple]:
    # what must not depend on the executor (times do)
    return sorted((point["name"], point["status"], point["convert_group"], point["figures"].get("engine_bytes"),
                   point["figures"].get("accuracy_max_abs"), point["figures"].get("lint_errors"), point["pareto"])
                  for point in document["points"])


@needs_pipeline
def test_local_sweep_shares_conversions_and_fails_points_one_by_one(run_cli, example_models, tmp_path):
    config = _config(tmp_path, example_models["resnet18"], MATRIX + "  include:\n    - {build.workspace: 1KiB}\n")
    result = run_cli("--json", "sweep", config)
    document = result.json()
    assert document["schema"] == "trtkit/sweep/v1" and document["executor"] == "local"
    points = {point["name"]: point for point in document["points"]}
    assert len(points) == 5
    failed = points.pop("workspace-1KiB")
    assert failed["status"] == "failed" and failed["reason"].startswith("build: ") and "workspace" in failed["reason"]
    assert result.exit_code == failed["exit_code"] == 2  # the worst point's exit code
    assert all(point["status"] == "done" for point in points.values())
    fp16 = [point for name, point in points.items() if "fp16" in name]
    assert fp16[0]["figures"]["engine_bytes"] < points["precision-fp32_max-input-4x3x64x64"]["figures"]["engine_bytes"]
    assert 0 < fp16[0]["figures"]["accuracy_max_abs"] < 0.05 and fp16[0]["figures"]["accuracy_passed"] is True
    assert points["precision-fp32_max-input-4x3x64x64"]["figures"]["accuracy_max_abs"] < 1e-5
    assert document["pareto_axis"] == "engine_bytes"  # no GPU: nothing was profiled
    assert any(point["pareto"] for point in points.values())
    # two conversions (FP32, FP16) fed five builds (the 1KiB point's FP32 one too): each read a shared model
    root = tmp_path / "trtkit-out" / "sweep"
    assert sorted(path.name.split("-")[0] for path in (root / "_convert").iterdir()) == ["fp16", "fp32"]
    assert failed["convert_group"] == points["precision-fp32_max-input-4x3x64x64"]["convert_group"]
    for name in points:
        manifest = json.loads((root / name / "trtkit.manifest.json").read_text())
        assert "convert" not in manifest["stages"] and manifest["stages"]["build"]["status"] == "ran"
        [converted] = manifest["stages"]["build"]["inputs"]
        assert "/_convert/" in converted
    stored = json.loads((root / "sweep.json").read_text())
    assert _table(stored) == _table(document)


ENCODER = """model: {model}
name: encoder
backend: tensorrt-rtx
convert:
  keep_fp32_op_types: [LayerNormalization, Softmax]
compare:
  tolerances:
    "*": {{atol: 0.05, rtol: 0.05}}
build:
  profiles:
    default:
      min: {{input_ids: 1x1, attention_mask: 1x1}}
      opt: {{input_ids: 2x16, attention_mask: 2x16}}
      max: {{input_ids: 4x32, attention_mask: 4x32}}
sweep:
  axes:
    convert.precision: [fp32, fp16]
    build.profiles.default.max: [{{input_ids: 4x32, attention_mask: 4x32}}, {{input_ids: 8x64, attention_mask: 8x64}}]
"""


def _free_port() -> int:
    """A TCP port nothing listens on now (the kernel's pick for port 0)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def ray_cluster():
    """An existing Ray cluster on this machine (`ray start --head`), as a team's cluster would be; on free ports and
    in its own temporary folder, so that another cluster on the machine (another test run) neither blocks it nor
    is joined by it. Its processes form one process group, led by `ray start --block`, which is ended afterwards
    whatever the test did (`ray stop` would end every Ray cluster on the machine)."""
    ray = os.path.join(os.path.dirname(sys.executable), "ray")
    port = _free_port()
    temp_dir = tempfile.mkdtemp(prefix="trtkit-ray-", dir="/tmp")  # short: Ray's socket paths must fit 107 bytes
    log = Path(temp_dir) / "start.log"
    with log.open("wb") as output:
        head = subprocess.Popen(
            [ray, "start", "--head", "--block", "--num-cpus", "2", "--port", str(port), "--node-ip-address",
             "127.0.0.1", "--dashboard-agent-listen-port", str(_free_port()), "--temp-dir", temp_dir,
             "--disable-usage-stats", "--include-dashboard=false"],
            stdout=output, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        deadline = time.monotonic() + 180
        while b"Ray runtime started" not in log.read_bytes():
            assert head.poll() is None, log.read_text(errors="replace")[-2000:]
            assert time.monotonic() < deadline, "ray start did not finish in 180 s"
            time.sleep(0.5)
        yield f"127.0.0.1:{port}"
    finally:
        _end_group(head)
        shutil.rmtree(temp_dir, ignore_errors=True)


def _end_group(head: subprocess.Popen) -> None:
    """End the process group `head` leads: SIGTERM (Ray's processes stop gracefully), SIGKILL what is left."""
    for sent, grace in ((signal.SIGTERM, 15.0), (signal.SIGKILL, 30.0)):
        if not _group_alive(head.pid):
            return
        try:
            os.killpg(head.pid, sent)
        except ProcessLookupError:  # ended between the check and the signal
            return
        deadline = time.monotonic() + grace
        while time.monotonic() < deadline:
            head.poll()  # reaps the head, whose zombie would keep the group alive
            if not _group_alive(head.pid):
                return
            time.sleep(0.5)


def _group_alive(group: int) -> bool:
    try:
        os.killpg(group, 0)
    except ProcessLookupError:
        return False
    return True


@needs_pipeline
@needs_ray
def test_ray_sweep_gives_the_same_table(run_cli, example_models, tmp_path, ray_cluster, monkeypatch):
    # the example CNN and the example encoder, each precision x two profiles: a local Ray instance started on the
    # fly gives the local executor's table
    encoder = tmp_path / "encoder"
    encoder.mkdir()
    (encoder / "sweep.yaml").write_text(ENCODER.format(model=example_models["transformer_encoder"]))
    # "local": ray.init() starts its own instance instead of joining the latest cluster `ray start` left on the machine
    monkeypatch.setenv("RAY_ADDRESS", "local")
    for config in (_config(tmp_path, example_models["resnet18"]), encoder / "sweep.yaml"):
        local = run_cli("--json", "sweep", config, "--set", "sweep.workdir=local")
        assert local.exit_code == 0, local.stderr
        assert [point["status"] for point in local.json()["points"]] == ["done"] * 4
        shared = run_cli("--json", "sweep", config, "--ray", "--set", "sweep.workdir=ray")
        assert shared.exit_code == 0, shared.stderr
        assert shared.json()["executor"] == "ray"
        assert _table(shared.json()) == _table(local.json())
    # an existing cluster, whose workers do not share the work directory: each point in a scratch folder, its
    # files sent back to the driver
    monkeypatch.delenv("RAY_ADDRESS")  # it would take precedence over sweep.ray_address
    returned = run_cli("--json", "sweep", encoder / "sweep.yaml", "--ray", "--set", "sweep.workdir=returned",
                       "--set", "sweep.return_artifacts=true", "--set", f"sweep.ray_address={ray_cluster}")
    assert returned.exit_code == 0, returned.stderr
    assert [row[:2] + row[3:6] for row in _table(returned.json())] == \
        [row[:2] + row[3:6] for row in _table(local.json())]
    for point in returned.json()["points"]:
        assert (encoder / "returned" / point["name"] / "encoder.engine").is_file()


@needs_pipeline
def test_killed_sweep_resumes_without_redoing_finished_points(example_models, tmp_path):
    config = _config(tmp_path, example_models["resnet18"], MATRIX + "  workers: 1\n")
    root = tmp_path / "trtkit-out" / "sweep"
    child = subprocess.Popen([sys.executable, "-m", "trtkit", "sweep", str(config)], cwd=REPO,
                             stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True,
                             env={**os.environ, "PYTHONPATH": str(REPO)})
    first_done = root / "precision-fp32_max-input-4x3x64x64" / "cnn.compare.json"
    deadline = time.monotonic() + 300
    while not first_done.exists() and child.poll() is None and time.monotonic() < deadline:
        time.sleep(0.05)
    assert first_done.exists(), "the first point never finished"
    os.killpg(child.pid, signal.SIGKILL)  # the sweep and its worker processes, mid-run
    child.wait(timeout=30)
    assert not (root / "sweep.json").exists()  # it never got to the end
    engine = root / "precision-fp32_max-input-4x3x64x64" / "cnn.engine"
    built = engine.stat().st_mtime_ns

    from trtkit.orchestration.sweep import run_sweep

    result = run_sweep(config)
    assert [point.status for point in result.points] == ["done"] * 4
    finished = next(point for point in result.points if point.name == "precision-fp32_max-input-4x3x64x64")
    assert {outcome["status"] for outcome in finished.outcomes} <= {"unchanged", "skipped"}
    assert engine.stat().st_mtime_ns == built
    assert any(outcome["status"] == "ran" for point in result.points for outcome in point.outcomes)


def _record_gpu_task(seconds: float) -> dict:
    """A task of known length that says which GPU it was pinned to, and when it ran."""
    start = time.time()
    time.sleep(seconds)
    return {"gpu": os.environ.get("CUDA_VISIBLE_DEVICES"), "pid": os.getpid(), "start": start, "end": time.time()}


def test_local_executor_runs_one_task_per_gpu_at_a_time():
    # no GPU is touched: this checks the placement (pinning and queueing); bench/sweep_gpu_placement.py runs real
    # timed kernels on two GPUs
    from trtkit.backends.executors import LocalExecutor

    executor = LocalExecutor(workers=1, gpus=[0, 1])
    try:
        placed = [executor.submit_gpu(_record_gpu_task, 0.4) for _ in range(6)]
        runs = [(gpu, future.result(timeout=120)) for gpu, future in placed]
    finally:
        executor.close()
    assert sorted(gpu for gpu, _ in runs) == [0, 0, 0, 1, 1, 1]
    for gpu, run in runs:
        assert run["gpu"] == str(gpu)  # pinned with CUDA_VISIBLE_DEVICES before the task ran
    for gpu in (0, 1):
        spans = sorted((run["start"], run["end"]) for placed_gpu, run in runs if placed_gpu == gpu)
        assert all(previous[1] <= following[0] for previous, following in zip(spans, spans[1:], strict=False))
        assert len({run["pid"] for placed_gpu, run in runs if placed_gpu == gpu}) == 1
    first = [run for gpu, run in runs if gpu == 0][0]
    second = [run for gpu, run in runs if gpu == 1][0]
    assert first["start"] < second["end"] and second["start"] < first["end"]  # the two GPUs work at once
