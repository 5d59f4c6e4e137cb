"""Foundations every other core module may use: atomic writes and the output gate."""
