"""A workspace to a Session and back (the review part: bookmarks, glossary, redaction).

The caller adds what only it knows (the window: its layout, filter and cohorts) and reopens the
session's model and data itself before `restore_review`.
"""

from __future__ import annotations

import copy
from pathlib import Path

from app.core.review.redaction import Redaction
from app.core.review.session import FileRef, Session
from app.core.workspace.workspace import Workspace


def session_of(
    workspace: Workspace,
    view_layout: str = "",
    filter_expression: str = "",
    cohorts: list[dict[str, object]] | None = None,
) -> Session:
    """A Session of the workspace. Its files are not hashed here (the GUI thread may call
    this): `save_session` hashes them on the way out."""
    ws, review = workspace, workspace.review
    data = ws.data
    return Session(
        model=FileRef.pending(ws.model_path) if ws.model_path is not None else None,
        data=FileRef.pending(ws.data_path) if ws.data_path is not None else None,
        label_column=data.label_column if data is not None else None,
        output_index=ws.selection.output_index,
        threshold=ws.selection.threshold,
        filter_expression=filter_expression,
        cohorts=list(cohorts or []),
        bookmarks=[copy.copy(b) for b in review.bookmarks],  # copies: saved on a worker
        glossary=(
            FileRef.pending(review.glossary_path) if review.glossary_path is not None else None
        ),
        view_layout=view_layout,
        redacted_columns=review.redaction.sorted(),
    )


def restore_review(workspace: Workspace, session: Session) -> None:
    """After the session's model and data are reopened: bookmarks, redaction and glossary."""
    review = workspace.review
    review.set_bookmarks(session.bookmark_list())
    data = workspace.data
    columns = set(map(str, data.frame.columns)) if data is not None else set()
    review.set_redaction(Redaction.of(c for c in session.redacted_columns if c in columns))
    if session.glossary is not None and Path(session.glossary.path).is_file():
        review.open_glossary(Path(session.glossary.path))
