"""Foundations every other core module may use: atomic writes and the output gate, the input
gate and structured-input schemas."""
