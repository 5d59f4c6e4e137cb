"""Which plot class draws each behaviour view (the export and the window look them up here)."""

from __future__ import annotations

import importlib

VIEWS: dict[str, tuple[str, str]] = {
    "pdp": ("app.plots.pdp", "PDPlot"),
    "ice": ("app.plots.pdp", "PDPlot"),
    "pdp2": ("app.plots.pdp", "PD2Plot"),
    "decision": ("app.plots.decision", "DecisionPlot"),
    "roc": ("app.plots.curves", "CurvePlot"),
    "pr": ("app.plots.curves", "CurvePlot"),
    "calibration": ("app.plots.curves", "CurvePlot"),
    "lift": ("app.plots.curves", "CurvePlot"),
    "fit": ("app.plots.curves", "FitPlot"),
    "residuals": ("app.plots.curves", "FitPlot"),
}


def plot_class(view: str) -> type:
    module, name = VIEWS[view]
    return getattr(importlib.import_module(module), name)
