"""`trtkit doctor`: what is installed and what each stage can do on this machine.

CLI modules keep their annotations evaluated (no `from __future__ import annotations`): typer reads them
at start-up, and string annotations would cost an eval per parameter on every run.
"""


from trtkit.cli.options import JsonFlag, wants_json


def doctor(json: JsonFlag = False) -> None:
    """Show installed packages, TensorRT flavours, the CUDA driver and GPUs, and what each stage can do."""
    from trtkit.io.jsonout import emit_json
    from trtkit.report.doctor import doctor_document, render_doctor
    from trtkit.stages.doctor import run_doctor

    report = run_doctor()
    if wants_json(json):
        emit_json(doctor_document(report))
    else:
        render_doctor(report)
