"""Orchestration: the pipeline run, the sweep, and the HTML report assembly, above stages and renderers."""
