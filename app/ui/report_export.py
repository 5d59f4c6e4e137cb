"""File > Export Report…: the HTML (or PDF) report of what the window shows, built in steps so
the window stays responsive.

1. A worker runs app.core.report.build_report with a renderer that only records each figure
   (its plot-ready data) and returns a placeholder; predictions, SHAP values for chosen rows,
   groups and sentences are all computed there, as are the files' hashes.
2. On the GUI thread (Qt draws figures only there) each figure is rendered offscreen, one per
   event-loop turn, with a busy cursor and progress in the status bar, and swapped in for its
   placeholder.
3. HTML is written atomically by a worker; a PDF is laid out by Qt on the GUI thread.
"""

from __future__ import annotations

import base64
import re
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path

from PySide6.QtCore import QObject, Qt, QTimer, Signal
from PySide6.QtWidgets import QApplication

from app.core.align import AlignedData
from app.core.base.atomic import write_text_atomic
from app.core.bookmarks import Bookmarks
from app.core.errors import ShapLensError
from app.core.glossary import Glossary
from app.core.models.base import ModelAdapter
from app.core.report import build_report
from app.core.session import file_sha256
from app.core.types import Explanation
from app.workers import Workers

JOB = "report"
REPORT_SUFFIXES = (".html", ".htm", ".pdf")


@dataclass
class Figure:
    view: str
    data: object
    row: int | None
    covered: str


@dataclass
class Draft:
    """The report with placeholders where figures go, and what each figure shows."""

    html: str
    figures: list[Figure] = field(default_factory=list)
    model_hash: str = ""
    data_hash: str = ""


def placeholder(index: int) -> str:
    """The base64 text standing for figure `index` until it is drawn."""
    return base64.b64encode(f"shaplens-figure-{index:05d}".encode()).decode("ascii")


def draft_job(
    model: ModelAdapter,
    model_path: Path,
    data: AlignedData,
    data_path: Path,
    rows: list[int],
    output: int,
    threshold: float,
    explanation: Explanation | None,
    bookmarks: Bookmarks,
    glossary: Glossary,
    glossary_path: Path | None,
) -> Draft:
    """Everything but drawing (worker thread)."""
    figures: list[Figure] = []

    def record(view: str, view_data: object, row: int | None, covered: str) -> bytes:
        figures.append(Figure(view, view_data, row, covered))
        return base64.b64decode(placeholder(len(figures) - 1))

    html = build_report(
        model, model_path, data, data_path,
        rows=rows, output=output, threshold=threshold, explanation=explanation,
        bookmarks=bookmarks, glossary=glossary, glossary_path=glossary_path, render=record,
    )  # fmt: skip
    return Draft(html, figures, file_sha256(model_path)[:8], file_sha256(data_path)[:8])


def fill_figure(html: str, index: int, png: bytes | None, problem: str = "") -> str:
    """Put figure `index` in place of its placeholder (or a note saying why it is missing)."""
    if png is not None:
        return html.replace(placeholder(index), base64.b64encode(png).decode("ascii"), 1)
    pattern = re.compile(
        r'<img src="data:image/png;base64,' + re.escape(placeholder(index)) + r'"[^>]*>'
    )
    note = f'<span class="note">Figure not drawn: {problem}</span>'
    return pattern.sub(lambda _m: note, html, count=1)


class ReportExport(QObject):
    """One report being made; `finished(path)` or `failed(message)` ends it."""

    progress = Signal(str)
    finished = Signal(Path)
    failed = Signal(str)

    def __init__(self, workers: Workers, path: Path, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.workers, self.path = workers, Path(path)
        self.draft: Draft | None = None
        self._caption_names = ("", "", "", "")
        self._next = 0
        self.running = False
        self.inputs: tuple[Path | None, ...] = ()

    def start(self, state, rows: list[int], bookmarks: Bookmarks, glossary, glossary_path) -> None:
        model, data = state.model, state.data
        self._caption_names = (
            state.model_path.name,
            state.data_path.name,
            model.unit.value,
            model.info.explainer,
        )
        self.inputs = (state.model_path, state.data_path, glossary_path)  # never written over
        self.running = True
        self.progress.emit("Report: computing…")
        self.workers.run(
            JOB, draft_job,
            model, state.model_path, data, state.data_path, rows, state.output_index,
            state.threshold, state.explanation, bookmarks, glossary, glossary_path,
            on_result=self._on_draft, on_error=self._on_error,
        )  # fmt: skip

    def cancel(self) -> None:
        self.workers.cancel(JOB)
        self.running = False

    # ------------------------------------------------------------------ drawing (GUI thread)
    def _on_draft(self, draft: Draft) -> None:
        self.draft, self._next = draft, 0
        QApplication.setOverrideCursor(Qt.CursorShape.BusyCursor)
        QTimer.singleShot(0, self._draw_next)

    def _draw_next(self) -> None:
        draft = self.draft
        if draft is None or not self.running:
            QApplication.restoreOverrideCursor()
            return
        if self._next >= len(draft.figures):
            QApplication.restoreOverrideCursor()
            self._write()
            return
        from app.commands.report import FIGURE_SIZE
        from app.plots.export import Caption, png_bytes

        i, figure = self._next, draft.figures[self._next]
        self.progress.emit(f"Report: drawing figure {i + 1} of {len(draft.figures)}…")
        model_name, data_name, unit, explainer = self._caption_names
        caption = Caption(
            model_name, data_name, figure.row, unit, explainer,
            model_hash=draft.model_hash, data_hash=draft.data_hash, cohort=figure.covered,
        )  # fmt: skip
        try:
            png = png_bytes(figure.view, figure.data, *FIGURE_SIZE[figure.view], caption)
            draft.html = fill_figure(draft.html, i, png)
        except ShapLensError as error:
            draft.html = fill_figure(draft.html, i, None, str(error))
        self._next += 1
        QTimer.singleShot(0, self._draw_next)

    def _write(self) -> None:
        assert self.draft is not None
        html = self.draft.html
        if self.path.suffix.lower() == ".pdf":
            from app.ui.report_pdf import write_pdf

            self.progress.emit("Report: laying out the PDF…")
            QApplication.setOverrideCursor(Qt.CursorShape.BusyCursor)
            try:
                write_pdf(html, self.path, title=self._title(), inputs=self.inputs)
            except ShapLensError as error:
                self._on_error(error)
                return
            finally:
                QApplication.restoreOverrideCursor()
            self._done(self.path)
            return
        self.workers.run(
            JOB, partial(write_text_atomic, inputs=self.inputs), self.path, html,
            on_result=self._done, on_error=self._on_error,
        )  # fmt: skip

    def _title(self) -> str:
        return f"{self._caption_names[0]} on {self._caption_names[1]}"

    def _done(self, path: object) -> None:
        self.running = False
        self.finished.emit(Path(str(path)))

    def _on_error(self, error: object) -> None:
        self.running = False
        if isinstance(error, ShapLensError):
            message = str(error)
        elif isinstance(error, OSError):
            message = f"Could not write {self.path}: {error}"
        else:
            message = f"The report could not be made: {error!r}"
        self.failed.emit(message)
