"""The one list of views: which plot class draws each, and which are tabs of the window.

The window's tabs (app.ui.plot_tabs), the figure export (app.plots.export, `shaplens export`)
and the model-behaviour panels all look a view up here. Plot classes are named, not imported,
so a view that fails to import costs a note in its tab, not the window.

Adding a view (docs/ARCHITECTURE.md): one module with the plot class and a data function, and
one `register_view(...)` line.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class ViewSpec:
    name: str  # the key: export's --view, the tab, the figure
    plot: str  # "module:Class", a QWidget with set_data(data) and clear()
    title: str = ""  # a tab of the window when set; "" for panel- and export-only views
    tip: str = ""
    data: str = ""  # "module:function", ViewInputs -> plot-ready data (run in a worker)


VIEWS: dict[str, ViewSpec] = {}


def register_view(
    name: str, plot: str, *, title: str = "", tip: str = "", data: str = ""
) -> ViewSpec:
    """Add (or replace) a view; with a `title` it becomes a tab of every window opened after."""
    spec = ViewSpec(name, plot, title, tip, data)
    VIEWS[name] = spec
    return spec


def unregister_view(name: str) -> None:
    VIEWS.pop(name, None)


def _resolve(target: str) -> Any:
    module, _, attr = target.partition(":")
    return getattr(importlib.import_module(module), attr)


def plot_class(name: str) -> type:
    """The view's plot class (imported now); KeyError for an unknown view, ImportError or
    AttributeError when its module is broken."""
    return _resolve(VIEWS[name].plot)


def data_function(name: str) -> Callable[[Any], object] | None:
    spec = VIEWS[name]
    return _resolve(spec.data) if spec.data else None


def tab_views() -> list[ViewSpec]:
    """The window's tabs, in registration order."""
    return [spec for spec in VIEWS.values() if spec.title]


# The window's tabs (their data is built by app.ui.plot_tabs, which follows each chunk).
register_view(
    "importance",
    "app.plots.importance:ImportancePlot",
    title="Importance",
    tip="Global importance: mean |SHAP value| per feature over the explained rows",
)
register_view(
    "beeswarm",
    "app.plots.beeswarm:BeeswarmPlot",
    title="Beeswarm",
    tip="One dot per row and feature: SHAP value (x), feature value (colour)",
)
register_view(
    "waterfall",
    "app.plots.waterfall:WaterfallPlot",
    title="Waterfall",
    tip="How the selected row's prediction is built from the base value, feature by feature",
)
# Model-behaviour views: drawn in panels and exported, not tabs.
for _name, _plot in {
    "pdp": "app.plots.pdp:PDPlot",
    "ice": "app.plots.pdp:PDPlot",
    "pdp2": "app.plots.pdp:PD2Plot",
    "decision": "app.plots.decision:DecisionPlot",
    "roc": "app.plots.curves:CurvePlot",
    "pr": "app.plots.curves:CurvePlot",
    "calibration": "app.plots.curves:CurvePlot",
    "lift": "app.plots.curves:CurvePlot",
    "fit": "app.plots.curves:FitPlot",
    "residuals": "app.plots.curves:FitPlot",
}.items():
    register_view(_name, _plot)
# The Interactions panel's two figures (File > Export View and the panel's Export…).
register_view("interactions", "app.plots.interactions:InteractionHeatmap")
register_view("interaction_pair", "app.ui.panels.debug_dependence:DependencePlot")
