"""What the review panels share for one window: the bookmarks and the glossary in use, the
columns marked personal (redacted in every export), and what the report should carry from other
views: the Fairness panel's sensitive column and the latest drift, model comparison and latency
results while their dialog or panel shows them.

One ReviewContext lives as a child of the AppState (found with review_for(state)), so the
bookmarks panel, the summary panel, session saving and the report all see the same objects.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QObject, Signal

from app.core.production.compare_models import ModelComparison
from app.core.production.drift import DriftReport
from app.core.production.latency import LatencyReport
from app.core.review.bookmarks import Bookmarks
from app.core.review.glossary import Glossary, load_glossary
from app.core.review.redaction import Redaction
from app.core.review.session import FileRef, Session
from app.ui.state import AppState
from app.workers import Workers

OBJECT_NAME = "shaplens-review-context"


class ReviewContext(QObject):
    bookmarks_changed = Signal()
    glossary_changed = Signal()
    redaction_changed = Signal()

    def __init__(self, state: AppState) -> None:
        super().__init__(state)
        self.setObjectName(OBJECT_NAME)
        self.state = state
        self.bookmarks = Bookmarks()
        self.bookmarks.subscribe(self.bookmarks_changed.emit)
        self.glossary: Glossary = Glossary()
        self.glossary_path: Path | None = None
        self.redaction = Redaction()
        self.sensitive: str | None = None  # the Fairness panel's column, once it showed it
        self.drift: DriftReport | None = None
        self.drift_name = ""
        self.comparison: ModelComparison | None = None
        self.latency: LatencyReport | None = None
        self.workers = Workers(self)  # glossary files are read off the GUI thread
        # Bookmarks name rows of one dataset: a new dataset starts a new list.
        state.data_changed.connect(self.bookmarks.clear)
        state.data_changed.connect(self._on_data_changed)
        state.model_changed.connect(self._forget_results)

    def _forget_results(self) -> None:
        self.drift, self.drift_name, self.comparison, self.latency = None, "", None, None

    def _on_data_changed(self) -> None:
        """Results and marks about the previous dataset do not carry over (column names that
        the new data still has stay redacted: the user marked them as personal)."""
        self._forget_results()
        data = self.state.data
        columns = set(map(str, data.frame.columns)) if data is not None else set()
        if self.sensitive not in columns:
            self.sensitive = None
        kept = Redaction.of(c for c in self.redaction.columns if c in columns)
        if kept != self.redaction:
            self.set_redaction(kept)

    def set_redaction(self, redaction: Redaction) -> None:
        self.redaction = redaction
        self.redaction_changed.emit()

    def set_bookmarks(self, bookmarks: Bookmarks) -> None:
        """Replace the bookmarks (e.g. from a loaded session)."""
        self.bookmarks.unsubscribe(self.bookmarks_changed.emit)
        self.bookmarks = bookmarks
        bookmarks.subscribe(self.bookmarks_changed.emit)
        self.bookmarks_changed.emit()

    def set_glossary(self, glossary: Glossary | None, path: Path | None = None) -> None:
        self.glossary = glossary or Glossary()
        self.glossary_path = path
        self.glossary_changed.emit()

    def open_glossary(self, path: Path, then: Callable[[], None] | None = None) -> None:
        """Load a glossary file on a worker, then `then()`; a bad file (FIFO, huge, malformed)
        is reported through the state and nothing changes. `glossary_changed` says it is in."""

        def loaded(glossary: Glossary) -> None:
            self.set_glossary(glossary, Path(path))
            if then is not None:
                then()

        self.workers.run(
            "glossary",
            load_glossary,
            Path(path),
            on_result=loaded,
            on_error=lambda error: self.state.report_error(str(error)),
        )


def review_for(state: AppState) -> ReviewContext:
    """The state's ReviewContext, created on first use."""
    found = state.findChild(ReviewContext, OBJECT_NAME)
    return found if found is not None else ReviewContext(state)


def session_from_state(
    state: AppState,
    view_layout: str = "",
    filter_expression: str = "",
    cohorts: list[dict[str, object]] | None = None,
) -> Session:
    """A Session of what the window shows (the shell adds its layout, filter and cohorts).

    Its files are not hashed here (GUI thread): `save_session` hashes them on the way out."""
    review = review_for(state)
    data = state.data
    return Session(
        model=FileRef.pending(state.model_path) if state.model_path is not None else None,
        data=FileRef.pending(state.data_path) if state.data_path is not None else None,
        label_column=data.label_column if data is not None else None,
        output_index=state.output_index,
        threshold=state.threshold,
        filter_expression=filter_expression,
        cohorts=list(cohorts or []),
        bookmarks=[copy.copy(b) for b in review.bookmarks],  # copies: saved on a worker
        glossary=(
            FileRef.pending(review.glossary_path) if review.glossary_path is not None else None
        ),
        view_layout=view_layout,
        redacted_columns=review.redaction.sorted(),
    )


def restore_review(state: AppState, session: Session) -> None:
    """After the shell has reopened the session's model and data: bookmarks and glossary."""
    review = review_for(state)
    review.set_bookmarks(session.bookmark_list())
    columns = set(map(str, state.data.frame.columns)) if state.data is not None else set()
    review.set_redaction(Redaction.of(c for c in session.redacted_columns if c in columns))
    if session.glossary is not None and Path(session.glossary.path).is_file():
        review.open_glossary(Path(session.glossary.path))
