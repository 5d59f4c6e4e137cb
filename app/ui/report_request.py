"""What the window shows, as a ReportRequest: the workspace read by
app.core.workspace.report.request_from_workspace (which `shaplens report` uses too), with the
Error slices panel's controls.

Read on the GUI thread (the objects it reads belong to it); the report itself is built from the
request off the GUI thread by app.core.review.report_build.
"""

from __future__ import annotations

from PySide6.QtWidgets import QWidget

from app.core.review.report_model import SECTIONS
from app.core.review.report_request import ReportRequest, SliceOptions
from app.core.workspace import report as workspace_report
from app.ui.state import AppState

SLICES_PANEL = "app.ui.panels.debug_slices"


def report_rows(state: AppState) -> list[int]:
    """The rows a report explains in detail: every bookmarked row and the selected one."""
    return workspace_report.report_rows(state.workspace)


def slice_options(panel: QWidget | None) -> SliceOptions:
    """The Error slices panel's controls (defaults when the panel is not there)."""
    if panel is None or not hasattr(panel, "bins"):
        return SliceOptions()
    return SliceOptions(
        pairs=panel.pairs.isChecked(),
        bins=panel.bins.value(),
        within_filter=panel.within.isChecked(),
    )


def request_from_window(
    state: AppState,
    sections: tuple[str, ...] = SECTIONS,
    slices_panel: QWidget | None = None,
) -> ReportRequest:
    """The report of what the user is looking at (model, data and the views' state)."""
    return workspace_report.request_from_workspace(
        state.workspace, sections, slice_options(slices_panel)
    )
