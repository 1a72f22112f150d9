"""The output settings the CLI's global options set once (--json, --quiet, -v, colour, --debug), readable by every
layer: the consoles that print are renderers' (`trtkit.report.console`); lower layers only ask what was chosen."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass
class OutputSettings:
    json: bool = False
    quiet: bool = False
    verbose: int = 0
    color: bool = True
    debug: bool = False


OUTPUT = OutputSettings()
