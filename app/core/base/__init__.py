"""Foundations every other core module may use: the input gate and structured-input schemas."""
