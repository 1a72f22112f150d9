"""`trtkit doctor` says a stage can use a package only after the check the stage makes: a package whose metadata is
installed but that does not import (or lacks what trtkit needs with it) is shown as unusable, with the reason."""

import json
import os
import subprocess
import sys

from tests.conftest import REPO

# a child trtkit in which these modules cannot be imported, as on a machine where they are missing or broken
BLOCKED = "import sys\nfor name in {blocked!r}: sys.modules[name] = None\nsys.argv = ['trtkit', *{args!r}]\n" \
          "from trtkit.cli.app import main\nmain()\n"


def _trtkit_without(blocked: list[str], *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-c", BLOCKED.format(blocked=blocked, args=list(map(str, args)))],
                          capture_output=True, text=True, timeout=120, cwd=REPO,
                          env={**os.environ, "PYTHONPATH": str(REPO), "NO_COLOR": "1"})


def test_model_optimizer_without_pytorch_is_not_offered_for_precision(example_models, tmp_path):
    doctor = _trtkit_without(["torch"], "--json", "doctor")
    assert doctor.returncode == 0, doctor.stderr
    document = json.loads(doctor.stdout)
    assert document["packages"]["nvidia-modelopt"]  # its metadata is there
    assert document["unusable"] == {"nvidia-modelopt": "PyTorch, which Model Optimizer needs, is not installed"}
    convert = next(stage for stage in document["stages"] if stage["stage"] == "convert")
    # was "precision and quantization with Model Optimizer 0.47.0", while the conversion below exits 4
    assert "with Model Optimizer" not in convert["detail"]
    assert "FP16/BF16 and quantization unavailable: PyTorch" in convert["detail"]
    converted = _trtkit_without(["torch"], "convert", example_models["resnet18"], "-o", tmp_path / "r.onnx",
                                "--precision", "fp16")
    assert converted.returncode == 4 and "needs NVIDIA Model Optimizer" in converted.stderr


def test_an_onnxruntime_that_does_not_import_is_no_verification(run_cli):
    doctor = _trtkit_without(["onnxruntime"], "--json", "doctor")
    document = json.loads(doctor.stdout)
    assert document["packages"]["onnxruntime"] and document["unusable"]["onnxruntime"].startswith("does not import")
    stages = {stage["stage"]: stage["detail"] for stage in document["stages"]}
    assert "verification with onnxruntime" not in stages["convert"] and "no verification" in stages["convert"]
    assert "ONNX outputs need onnxruntime (does not import" in stages["compare"]
    table = _trtkit_without(["onnxruntime"], "doctor").stdout
    assert "cannot be used: does not import" in " ".join(table.split())
    here = run_cli("--json", "doctor").json()  # this machine, where every package imports
    assert here["unusable"] == {}
