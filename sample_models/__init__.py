"""Sample model and data, installed with ShapLens as `app.sample_models` (see README.md here)."""
