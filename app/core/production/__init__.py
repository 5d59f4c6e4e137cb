"""Watching a model in production: drift, latency, comparing models, inspecting a model file."""
