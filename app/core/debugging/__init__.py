"""Debugging tools that work on a loaded model and dataset (no Qt below here)."""
