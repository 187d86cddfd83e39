"""Renderers: pure functions from derivations and numbers to text in one output format."""
