"""What the review views share: the bookmarks and the glossary in use, the columns marked
personal (redacted in every export), and what the report should carry from other views: the
Fairness view's sensitive column and the latest drift, model comparison and latency results
while their dialog or panel shows them."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from psygnal import Signal

from app.core.production.compare_models import ModelComparison
from app.core.production.drift import DriftReport
from app.core.production.latency import LatencyReport
from app.core.review.bookmarks import Bookmarks
from app.core.review.glossary import Glossary, load_glossary
from app.core.review.redaction import Redaction
from app.core.workspace.jobs import InlineJobs, JobRunner

if TYPE_CHECKING:
    from app.core.workspace.workspace import Workspace

GLOSSARY_JOB = "glossary"


class ReviewState:
    """Bookmarks, glossary, redaction, the sensitive column and the report's other results."""

    bookmarks_changed = Signal()
    glossary_changed = Signal()
    redaction_changed = Signal()

    def __init__(self, workspace: Workspace) -> None:
        self._ws = workspace
        self.bookmarks = Bookmarks()
        self.bookmarks.subscribe(self._bookmarks_edited)
        self.glossary: Glossary = Glossary()
        self.glossary_path: Path | None = None
        self.redaction = Redaction()
        self.sensitive: str | None = None  # the Fairness view's column, once it showed it
        self.drift: DriftReport | None = None
        self.drift_name = ""
        self.comparison: ModelComparison | None = None
        self.latency: LatencyReport | None = None
        self._jobs: JobRunner = InlineJobs()
        workspace.data_changed.connect(self._on_data_changed)
        workspace.model_changed.connect(self._forget_results)

    def attach(self, jobs: JobRunner) -> None:
        """Read glossary files through `jobs` (the window: its Workers, off the GUI thread)."""
        self._jobs = jobs

    def _bookmarks_edited(self) -> None:
        self.bookmarks_changed.emit()

    def _forget_results(self) -> None:
        self.drift, self.drift_name, self.comparison, self.latency = None, "", None, None

    def _on_data_changed(self) -> None:
        """Bookmarks name rows of one dataset: a new dataset starts a new list. Results and
        marks about the previous dataset do not carry over (column names that the new data
        still has stay redacted: the user marked them as personal)."""
        self.bookmarks.clear()
        self._forget_results()
        data = self._ws.data
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
        self.bookmarks.unsubscribe(self._bookmarks_edited)
        self.bookmarks = bookmarks
        bookmarks.subscribe(self._bookmarks_edited)
        self.bookmarks_changed.emit()

    def set_glossary(self, glossary: Glossary | None, path: Path | None = None) -> None:
        self.glossary = glossary or Glossary()
        self.glossary_path = path
        self.glossary_changed.emit()

    def open_glossary(self, path: Path, then: Callable[[], None] | None = None) -> None:
        """Load a glossary file through the job runner, then `then()`; a bad file (FIFO, huge,
        malformed) is reported as an error and nothing changes. `glossary_changed` says it is
        in."""

        def loaded(glossary: Glossary) -> None:
            self.set_glossary(glossary, Path(path))
            if then is not None:
                then()

        self._jobs.run(
            GLOSSARY_JOB,
            load_glossary,
            Path(path),
            on_result=loaded,
            on_error=lambda error: self._ws.messages.report_error(str(error)),
        )
