"""Stages: the work of each subcommand, returning typed results and printing nothing."""
