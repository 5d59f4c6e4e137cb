"""The main window's exports: the current view (PNG/SVG), the clipboard, and the report.

Exporter gets its collaborators explicitly; the window is passed as `parent` only because Qt
needs a parent for the export dialogs and the report job, and for the window's status bar.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtWidgets import QFileDialog, QMainWindow, QWidget

from app.core.base.errors import ShapLensError
from app.ui import dialogs
from app.ui.export_targets import (
    ActiveView,
    ExportTarget,
    shown_data,
    view_caption,
)
from app.ui.plot_tabs import PlotTabs
from app.ui.recent_files import RecentFiles
from app.ui.report_export import REPORT_SUFFIXES, ReportExport
from app.ui.report_request import SLICES_PANEL, report_rows, request_from_window
from app.ui.settings import Settings
from app.ui.state import AppState
from app.workers import Workers

if TYPE_CHECKING:
    from app.plots.export import Caption

REPORT_FILTER = "HTML report (*.html);;PDF report (*.pdf)"


class Exporter:
    """File ▸ Export View… / Copy View Image / Export Report…; reached as `window.exporter`."""

    def __init__(
        self,
        parent: QMainWindow,
        state: AppState,
        plots: PlotTabs,
        workers: Workers,
        recent: RecentFiles,
        message_bar: dialogs.MessageBar,
    ) -> None:
        self.parent, self.state, self.plots, self.workers = parent, state, plots, workers
        self.recent, self.message_bar = recent, message_bar
        self.report_job: ReportExport | None = None
        self.active = ActiveView(plots, parent)  # the panel or tab Export View means

    def target(self) -> ExportTarget:
        """What Export View means now: the panel figure the user worked in last (while it is
        on screen), else the current tab."""
        panel = self.active.panel()
        target = panel.export_target() if panel is not None else None  # type: ignore[attr-defined]
        if target is not None:
            return target
        return ExportTarget(self.plots.current_view(), self.plots.view_widget())

    def caption(self, target: ExportTarget | None = None) -> Caption:
        """Where the view came from (the current one by default), printed under the figure."""
        target = target or self.target()
        waterfall = target.view == "waterfall"
        if not waterfall:
            return view_caption(self.state, None, target.cohort)
        # An exported waterfall also carries the row's plain-language summary.
        return view_caption(self.state, self.state.selected_row, "", [self.row_sentence()])

    def row_sentence(self) -> str:
        """The selected row's plain-language summary (as the Summary panel words it, with the
        glossary in use), or "" when no row is selected or its SHAP values are not known yet."""
        from app.core.review.sentences import summarize_explained_row

        s = self.state
        row = s.selected_row
        if row is None or s.model is None or s.data is None:
            return ""
        known = s.row_values(row)
        if known is None:
            return ""
        values, base = known
        predictions = s.predictions()
        average = predictions.mean(axis=0) if predictions is not None else None
        review = s.review
        summary = summarize_explained_row(
            s.model, s.data, row, values, base, s.output_index, review.glossary, average,
            redacted=review.redaction.columns,
        )  # fmt: skip
        return summary.text

    def shown_data(self, widget: QWidget, view: str | None = None) -> object:
        """What an export or a copy of `widget` draws: its data with personal values redacted."""
        return shown_data(self.state, view or self.plots.current_view(), widget)

    def export_view(self, path: Path | None = None, width: int | None = None) -> Path | None:
        """Save the current view (dialog when no path is given); returns the written file."""
        try:
            from app.plots.export import export_widget
        except ImportError:
            self.message_bar.show_message("Export is not available in this build.")
            return None
        target = self.target()
        widget, view = target.widget, target.view
        height = None if width is None else round(width * widget.height() / max(widget.width(), 1))
        if path is None:
            start = Path(self.recent.save_start(f"{view}.png"))
            dialog = dialogs.ExportDialog(
                view, (widget.width(), widget.height()), start, self.parent
            )
            if dialog.exec() != dialogs.ExportDialog.DialogCode.Accepted:
                return None
            choice = dialog.choice()
            path, width, height = choice.path, choice.width, choice.height
        try:
            inputs = (self.state.model_path, self.state.data_path)
            data = self.shown_data(widget, view)
            export_widget(widget, path, width, height, self.caption(target), inputs, data)
        except ShapLensError as error:  # ExportError: nothing to export, bad size, unwritable
            self.message_bar.show_message(str(error))
            return None
        except OSError as error:
            self.message_bar.show_message(f"Could not write {path}: {error}")
            return None
        self.recent.remember_save(Path(path))
        self.parent.statusBar().showMessage(f"Saved {view} view to {path}", 8000)
        return path

    def copy_view(self) -> None:
        try:
            from app.plots.export import copy_to_clipboard
        except ImportError:
            self.message_bar.show_message("Copying images is not available in this build.")
            return
        try:
            target = self.target()
            data = self.shown_data(target.widget, target.view)
            copy_to_clipboard(target.widget, self.caption(target), data)
        except ShapLensError as error:
            self.message_bar.show_message(str(error))
            return
        self.parent.statusBar().showMessage("Copied the view to the clipboard.", 5000)

    def report_rows(self) -> list[int]:
        """The rows a report explains in detail: every bookmarked row and the selected one."""
        return report_rows(self.state)

    def settings(self) -> Settings:
        return getattr(self.parent, "settings", None) or self.recent.settings

    def mark_personal(self) -> bool:
        """File ▸ Personal Columns…: choose the columns redacted in everything exported."""
        from app.ui.report_dialog import PersonalColumnsDialog

        if self.state.data is None:
            self.message_bar.show_message("Open a dataset to mark its personal columns.")
            return False
        review = self.state.review
        columns = [str(c) for c in self.state.data.frame.columns]
        dialog = PersonalColumnsDialog(columns, review.redaction, self.parent)
        if dialog.exec() != PersonalColumnsDialog.DialogCode.Accepted:
            return False
        review.set_redaction(dialog.redaction())
        names = ", ".join(review.redaction.sorted()) or "none"
        self.parent.statusBar().showMessage(f"Personal columns (redacted): {names}", 8000)
        return True

    def choose_sections(self) -> tuple[str, ...] | None:
        """The sections dialog (remembers the choice); None when cancelled."""
        from app.ui.report_dialog import ReportSectionsDialog

        review = self.state.review
        missing = {
            "fairness": "" if review.sensitive else "choose a column in the Fairness panel",
            "drift": "" if review.drift else "run File > Compare with Data first",
            "compare": "" if review.comparison else "run File > Compare with Model first",
            "latency": "" if review.latency else "press Measure in the Latency panel first",
        }
        dialog = ReportSectionsDialog(
            self.settings(),
            {k: v for k, v in missing.items() if v},
            ", ".join(review.redaction.sorted()),
            self.parent,
        )
        dialog.personal_button.clicked.connect(
            lambda: (
                self.mark_personal()
                and dialog.set_redaction_text(", ".join(self.state.review.redaction.sorted()))
            )
        )
        if dialog.exec() != ReportSectionsDialog.DialogCode.Accepted:
            return None
        return dialog.sections()

    def export_report(
        self, path: Path | None = None, sections: tuple[str, ...] | None = None
    ) -> ReportExport | None:
        """Write the report (HTML or PDF by suffix) in the background; returns the running job.
        Without `path` the user picks the file and the sections; with it, the sections chosen
        last time are used (unless `sections` is given)."""
        from app.core.review.report_model import SECTIONS

        s = self.state
        if not s.ready or s.model_path is None or s.data_path is None:
            self.message_bar.show_message("Open a model and a dataset before exporting a report.")
            return None
        if path is None:
            start = Path(self.recent.save_start(f"{s.model_path.stem}_report.html"))
            name, chosen = QFileDialog.getSaveFileName(
                self.parent, "Export report", str(start), REPORT_FILTER
            )
            if not name:
                return None
            path = Path(name)
            self.recent.remember_save(path)
            if path.suffix.lower() not in REPORT_SUFFIXES:
                path = path.with_suffix(".pdf" if "PDF" in chosen else ".html")
            sections = self.choose_sections()
            if sections is None:
                return None
        path = Path(path)
        if path.suffix.lower() not in REPORT_SUFFIXES:
            self.message_bar.show_message(f"A report is a .html or .pdf file, not {path.name}.")
            return None
        if sections is None:
            sections = self.settings().report_sections(SECTIONS)
        if self.report_job is not None and self.report_job.running:
            self.report_job.cancel()
        docks = getattr(self.parent, "dock_set", None)
        dock = docks.by_module.get(SLICES_PANEL) if docks is not None else None
        request = request_from_window(s, sections, dock.widget() if dock is not None else None)
        job = ReportExport(self.workers, path, self.parent)
        job.progress.connect(lambda text: self.parent.statusBar().showMessage(text))
        job.finished.connect(
            lambda written: self.parent.statusBar().showMessage(
                f"Saved the report to {written}", 10000
            )
        )
        job.failed.connect(self.message_bar.show_message)
        self.report_job = job
        job.start(request)
        return job

    def cancel_report(self) -> None:
        """Stop a report still being made (the window is closing)."""
        if self.report_job is not None:
            self.report_job.cancel()
