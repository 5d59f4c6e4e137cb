"""Dock panels. Each module listed here is added to the main window as a dock tab.

To register a panel, add its module path to PANEL_MODULES, e.g. "app.ui.panels.overview".
The module exposes `TITLE: str` and `create(state: AppState) -> QWidget`; the widget subscribes
to the state's signals. A module that fails to import is skipped with a status-bar message.

PANEL_GROUPS puts panels into dock groups (tabs of one dock area); a module not named there
joins the first group. DEFAULT_VISIBLE are shown on a fresh layout; the others start hidden and
are one click away in View > Panels.
"""

from __future__ import annotations

_P = "app.ui.panels."

PANEL_MODULES: list[str] = [
    _P + "debug_filter",
    _P + "debug_threshold",
    _P + "debug_slices",
    _P + "debug_fairness",
    _P + "debug_dependence",
    _P + "debug_compare",
    _P + "debug_whatif",
    _P + "debug_counterfactuals",
    _P + "debug_cohort_compare",
    _P + "review_summary",
    _P + "review_bookmarks",
    _P + "production_overview",
    _P + "production_latency",
    _P + "behaviour_pdp",
    _P + "behaviour_decision",
    _P + "behaviour_curves",
    _P + "interactions",
    _P + "row_interactions",  # beside the Summary: one row, like the waterfall
]

# The filter bar is a control and sits above the table (app.ui.docks); debugging tools work on
# many rows at once (wide tables); review and production panels describe one row or the model.
# Each group is one tab stack.
PANEL_GROUPS: dict[str, list[str]] = {
    "Filter": PANEL_MODULES[:1],
    "Debug": PANEL_MODULES[1:9] + PANEL_MODULES[13:-1],  # + model behaviour, interactions
    "Review and production": PANEL_MODULES[9:13] + PANEL_MODULES[-1:],
}

DEFAULT_VISIBLE: set[str] = {
    _P + "debug_filter",
    _P + "debug_threshold",
    _P + "debug_slices",
    _P + "review_summary",
}
