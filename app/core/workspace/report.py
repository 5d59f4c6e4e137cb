"""A Workspace as a ReportRequest: the one reading of the review state that File > Export Report
and `shaplens report` share, so a fix to what a report carries is a fix for both.

The window passes its workspace (and its Error slices panel's controls); the command puts its
flags into a fresh workspace through the workspace's setters and passes that. Read on the thread
that owns the workspace (the window: the GUI thread); the report is built from the request
elsewhere (app.core.review.report_build).
"""

from __future__ import annotations

from collections.abc import Sequence

from app.core.review.bookmarks import Bookmarks
from app.core.review.report_model import SECTIONS
from app.core.review.report_request import DEFAULT_SAMPLE, FilterState, ReportRequest, SliceOptions
from app.core.workspace.workspace import Workspace


class NotReadyError(ValueError):
    """No model or no dataset yet: there is nothing to report."""


def report_rows(ws: Workspace) -> list[int]:
    """The rows a report explains in detail: every bookmarked row and the selected one."""
    rows = {b.row for b in ws.review.bookmarks}
    if ws.selection.selected_row is not None:
        rows.add(ws.selection.selected_row)
    n = ws.data.n_rows if ws.data is not None else 0
    return sorted(r for r in rows if 0 <= r < n)


def request_from_workspace(
    ws: Workspace,
    sections: tuple[str, ...] = SECTIONS,
    slices: SliceOptions | None = None,
    *,
    rows: Sequence[int] | None = None,
    sample: int = DEFAULT_SAMPLE,
    figures: bool = True,
) -> ReportRequest:
    """The report of the workspace: its model, data, threshold, output, filter and cohort, the
    review's bookmarks, sensitive column, glossary, redaction and production results, and the
    explanation computed so far.

    `rows` are the rows explained in detail; None: the bookmarked and the selected rows (what
    the window shows). `slices` are the Error slices controls (defaults when None)."""
    if ws.model is None or ws.data is None or ws.model_path is None or ws.data_path is None:
        raise NotReadyError("Open a model and a dataset first.")
    review, debug, selection = ws.review, ws.debug, ws.selection
    cohort = debug.cohorts.get(debug.cohort)
    explanation = ws.explained.explanation
    if explanation is not None and explanation.n_rows == 0:
        explanation = None
    return ReportRequest(
        ws.model,
        ws.model_path,
        ws.data,
        ws.data_path,
        output=selection.output_index,
        threshold=selection.threshold,
        rows=report_rows(ws) if rows is None else list(rows),
        sensitive=review.sensitive,
        filter=FilterState(debug.preset, debug.expression, debug.cohort, cohort.expression),
        slices=slices if slices is not None else SliceOptions(),
        glossary=review.glossary,
        glossary_path=review.glossary_path,
        bookmarks=Bookmarks(list(review.bookmarks)),  # a copy: the report's worker reads it
        explanation=explanation,
        sample=sample,
        drift=review.drift,
        drift_name=review.drift_name,
        comparison=review.comparison,
        latency=review.latency,
        redaction=review.redaction,
        sections=sections,
        figures=figures,
    )
