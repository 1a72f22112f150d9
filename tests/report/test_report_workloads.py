"""The HTML report's per-layer deltas judge engines measured on one workload only: against a profile at other input
shapes it says "not comparable" instead of drawing layers slower (red) or faster (green)."""

import json
import shutil

A100_FP16 = "trt8/resnet18-a100/fp16"


def test_deltas_between_different_workloads_are_not_drawn(run_cli, fixtures_dir, tmp_path):
    # an edited real record: the A100 FP16 profile metadata, said to be measured at batch 1 instead of 32
    current = tmp_path / "batch1"
    shutil.copytree(fixtures_dir / A100_FP16, current)
    metadata_path = current / "resnet.onnx.engine.profile.metadata.json"
    metadata = json.loads(metadata_path.read_text())
    metadata["inference_options"]["Input inference shape"] = "input.1=1x3x224x224"
    metadata_path.write_text(json.dumps(metadata))
    output = tmp_path / "report.html"
    result = run_cli("report", fixtures_dir / A100_FP16, current, "--no-graph", "-o", output)
    assert result.exit_code == 0, result.stderr
    deltas = output.read_text().split("<h3>Aligned layers")[1]
    assert "Latency deltas not comparable: measured on different workloads: input shapes" in deltas
    assert 'data-chart="deltas-' not in deltas and 'class="slower"' not in deltas

    copy = shutil.copytree(fixtures_dir / A100_FP16, tmp_path / "copy")
    same = tmp_path / "same.html"  # the same workload twice: the deltas are drawn
    assert run_cli("report", fixtures_dir / A100_FP16, copy, "--no-graph", "-o", same).exit_code == 0
    assert 'data-chart="deltas-' in same.read_text()
