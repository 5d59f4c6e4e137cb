"""Debugging the model: computations behind the debugging views (no Qt below here)."""
