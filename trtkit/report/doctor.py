"""Rendering of the doctor report: a Rich summary and the `trtkit/doctor/v1` document."""

from __future__ import annotations

import dataclasses
from typing import Any

from rich.markup import escape

from trtkit.io.jsonout import document
from trtkit.report import console
from trtkit.results.doctor import DoctorReport


def doctor_document(report: DoctorReport) -> dict[str, Any]:
    payload = dataclasses.asdict(report)
    payload.pop("trtkit")  # the document header carries trtkit_version
    for key in ("tensorrt", "tensorrt_rtx"):
        payload[key].pop("module")
    return document("doctor", payload)


def _found(version: str | None) -> str:
    return escape(version) if version else "[dim]not installed[/dim]"


def render_doctor(report: DoctorReport) -> None:
    out = console.out()
    rows = [("Python", f"{report.python} ({report.platform})"), ("trtkit", report.trtkit)]
    rows += [(name, _found(version) + (f" [red](cannot be used: {escape(report.unusable[name])})[/red]"
                                       if name in report.unusable else ""))
             for name, version in report.packages.items()]
    for probe in (report.tensorrt, report.tensorrt_rtx):
        if probe.available:
            state = escape(probe.version or "unknown version")
        else:
            state = f"[dim]not available ({escape(probe.error or '')})[/dim]"
        rows.append((probe.display_name, state))
    cuda = report.cuda
    if cuda.gpus:
        driver = cuda.driver_version or "unknown"
        rows.append(("CUDA driver", f"{driver} (CUDA {cuda.driver_api_version})"))
        for gpu in cuda.gpus:
            rows.append((f"GPU {gpu.index}", f"{escape(gpu.name)}, compute capability {gpu.compute_capability}, "
                                             f"{gpu.memory_bytes / 2**30:.1f} GiB"))
    else:
        rows.append(("GPU", f"[dim]none ({escape(cuda.error or '')})[/dim]"))
    out.print(console.table("Environment", ["component", "version"], rows))
    stage_rows = [(stage.stage, "[green]yes[/green]" if stage.available else "[red]no[/red]", escape(stage.detail))
                  for stage in report.stages]
    out.print(console.table("What each stage can do here", ["stage", "available", "detail"], stage_rows))
