"""Icons and the desktop entry, installed with ShapLens as `app.resources`."""
