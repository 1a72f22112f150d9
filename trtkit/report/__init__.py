"""Renderers: Rich tables for people, JSON for machines."""
