"""How the model behaves: partial dependence and ICE, decision plots, performance curves.

Each module is plain numpy over a model adapter or over predictions and labels; the window runs
the slow ones through app.workers and the CLI drives the same generators with a progress line.
"""
