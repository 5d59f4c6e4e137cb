"""What the review panels share for one window: the bookmarks and the glossary in use.

One ReviewContext lives as a child of the AppState (found with review_for(state)), so the
bookmarks panel, the summary panel, session saving and the report all see the same objects.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QObject, Signal

from app.core.bookmarks import Bookmarks
from app.core.glossary import Glossary, load_glossary
from app.core.session import FileRef, Session
from app.ui.state import AppState
from app.workers import Workers

OBJECT_NAME = "shaplens-review-context"


class ReviewContext(QObject):
    bookmarks_changed = Signal()
    glossary_changed = Signal()

    def __init__(self, state: AppState) -> None:
        super().__init__(state)
        self.setObjectName(OBJECT_NAME)
        self.state = state
        self.bookmarks = Bookmarks()
        self.bookmarks.subscribe(self.bookmarks_changed.emit)
        self.glossary: Glossary = Glossary()
        self.glossary_path: Path | None = None
        self.workers = Workers(self)  # glossary files are read off the GUI thread
        # Bookmarks name rows of one dataset: a new dataset starts a new list.
        state.data_changed.connect(self.bookmarks.clear)

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
    )


def restore_review(state: AppState, session: Session) -> None:
    """After the shell has reopened the session's model and data: bookmarks and glossary."""
    review = review_for(state)
    review.set_bookmarks(session.bookmark_list())
    if session.glossary is not None and Path(session.glossary.path).is_file():
        review.open_glossary(Path(session.glossary.path))
