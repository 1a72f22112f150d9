"""Analyses: pure functions over the plan model (summaries, statistics, lint rules, comparisons)."""
