"""File > Export Report…: the report of what the window shows, built in steps so the window stays
responsive. The report itself is app.core.review's, the same one `shaplens report` writes.

1. A worker builds the Report model from the window's ReportRequest: predictions, SHAP values
   for chosen rows, groups, slices, sentences and the files' hashes.
2. On the GUI thread (Qt draws figures only there) each figure is drawn like an export, one per
   event-loop turn, with a busy cursor and progress in the status bar.
3. A worker renders the HTML and writes it atomically; a PDF is laid out by Qt on the GUI thread.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QObject, Qt, QTimer, Signal
from PySide6.QtWidgets import QApplication

from app.core.base.atomic import write_text_atomic
from app.core.base.errors import ShapLensError
from app.core.review.report_build import build_report_model
from app.core.review.report_html import render_html
from app.core.review.report_model import Report
from app.core.review.report_request import ReportRequest
from app.workers import Workers

JOB = "report"
REPORT_SUFFIXES = (".html", ".htm", ".pdf")


def _write_html(
    path: Path, report: Report, images: list[bytes | str], inputs: tuple[Path | None, ...]
) -> Path:
    """Render and write (worker thread), never over one of `inputs`."""
    return write_text_atomic(path, render_html(report, images), inputs=inputs)


class ReportExport(QObject):
    """One report being made; `finished(path)` or `failed(message)` ends it."""

    progress = Signal(str)
    finished = Signal(Path)
    failed = Signal(str)

    def __init__(self, workers: Workers, path: Path, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.workers, self.path = workers, Path(path)
        self.report: Report | None = None
        self.images: list[bytes | str] = []
        self.html = ""
        self.running = False
        self.inputs: tuple[Path | None, ...] = ()

    def start(self, request: ReportRequest) -> None:
        # Never written over: the open model, data and glossary.
        self.inputs = (request.model_path, request.data_path, request.glossary_path)
        self.running = True
        self.progress.emit("Report: computing…")
        self.workers.run(
            JOB, build_report_model, request, on_result=self._on_report, on_error=self._on_error
        )

    def cancel(self) -> None:
        self.workers.cancel(JOB)
        self.running = False

    # ------------------------------------------------------------------ drawing (GUI thread)
    def _on_report(self, report: Report) -> None:
        self.report, self.images = report, []
        QApplication.setOverrideCursor(Qt.CursorShape.BusyCursor)
        QTimer.singleShot(0, self._draw_next)

    def _draw_next(self) -> None:
        report = self.report
        if report is None or not self.running:
            QApplication.restoreOverrideCursor()
            return
        figures = list(report.figures())
        i = len(self.images)
        if i >= len(figures):
            QApplication.restoreOverrideCursor()
            self._write()
            return
        from app.plots.report_figures import figure_png

        self.progress.emit(f"Report: drawing figure {i + 1} of {len(figures)}…")
        try:
            self.images.append(figure_png(figures[i], report))
        except ShapLensError as error:
            self.images.append(str(error))
        QTimer.singleShot(0, self._draw_next)

    def _write(self) -> None:
        assert self.report is not None
        if self.path.suffix.lower() == ".pdf":
            from app.plots.report_pdf import write_pdf

            self.progress.emit("Report: laying out the PDF…")
            self.html = render_html(self.report, self.images)
            QApplication.setOverrideCursor(Qt.CursorShape.BusyCursor)
            try:
                write_pdf(self.html, self.path, title=self.report.title, inputs=self.inputs)
            except ShapLensError as error:
                self._on_error(error)
                return
            finally:
                QApplication.restoreOverrideCursor()
            self._done(self.path)
            return
        self.workers.run(
            JOB, _write_html, self.path, self.report, list(self.images), self.inputs,
            on_result=self._done, on_error=self._on_error,
        )  # fmt: skip

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
