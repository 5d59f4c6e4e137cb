"""What the window shows, as a ReportRequest: the same state `shaplens report`'s flags describe.

Read on the GUI thread (the objects it reads belong to it); the report itself is built from the
request off the GUI thread by app.core.review.report_build.
"""

from __future__ import annotations

from PySide6.QtWidgets import QWidget

from app.core.review.bookmarks import Bookmarks
from app.core.review.report_model import SECTIONS
from app.core.review.report_request import FilterState, ReportRequest, SliceOptions
from app.ui.state import AppState

SLICES_PANEL = "app.ui.panels.debug_slices"


def report_rows(state: AppState) -> list[int]:
    """The rows a report explains in detail: every bookmarked row and the selected one."""
    rows = {b.row for b in state.review.bookmarks}
    if state.selected_row is not None:
        rows.add(state.selected_row)
    n = state.data.n_rows if state.data is not None else 0
    return sorted(r for r in rows if 0 <= r < n)


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
    if state.model is None or state.data is None or state.model_path is None:
        raise ValueError("Open a model and a dataset first.")
    review, debug = state.review, state.debug
    cohort = debug.cohorts.get(debug.cohort)
    explanation = state.explanation
    if explanation is not None and explanation.n_rows == 0:
        explanation = None
    return ReportRequest(
        state.model,
        state.model_path,
        state.data,
        state.data_path,
        output=state.output_index,
        threshold=state.threshold,
        rows=report_rows(state),
        sensitive=review.sensitive,
        filter=FilterState(debug.preset, debug.expression, debug.cohort, cohort.expression),
        slices=slice_options(slices_panel),
        glossary=review.glossary,
        glossary_path=review.glossary_path,
        bookmarks=Bookmarks(list(review.bookmarks)),  # a copy: the worker reads it
        explanation=explanation,
        drift=review.drift,
        drift_name=review.drift_name,
        comparison=review.comparison,
        latency=review.latency,
        redaction=review.redaction,
        sections=sections,
    )
