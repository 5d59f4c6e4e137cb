"""What the compare dialogs share: a file picker, Run/Cancel, a busy bar and a status line
(CompareDialog), and read-only result tables whose numbers sort as numbers (make_table,
fill_table; the production overview panel uses fill_table too).

The work runs through app.workers; closing a dialog cancels its job (late results are dropped).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np
from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QDialog,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QProgressBar,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from app.core.base import formatting
from app.ui.dialogs import MODEL_FILTER
from app.ui.state import AppState
from app.workers import Workers


def fill_table(table: QTableWidget, headers: list[str], rows: list[list[object]]) -> None:
    """Replace a table's contents; numbers are right-aligned and sort as numbers."""
    table.setSortingEnabled(False)
    table.clear()
    table.setColumnCount(len(headers))
    table.setHorizontalHeaderLabels(headers)
    table.setRowCount(len(rows))
    for r, row in enumerate(rows):
        for c, value in enumerate(row):
            item = QTableWidgetItem()
            if isinstance(value, (int, float, np.integer, np.floating)):
                item.setText(formatting.metric(value))
                item.setData(Qt.ItemDataRole.UserRole, float(value))
                item.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
            else:
                item.setText(str(value))
            table.setItem(r, c, item)
    table.resizeColumnsToContents()


def make_table(parent: QWidget) -> QTableWidget:
    table = QTableWidget(parent)
    table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
    table.setSelectionBehavior(QTableWidget.SelectionBehavior.SelectRows)
    table.verticalHeader().setVisible(False)
    table.setAlternatingRowColors(True)
    return table


class CompareDialog(QDialog):
    """File picker, Run/Cancel, a busy bar and a status line; subclasses fill in the results."""

    finished_computing = Signal(object)  # the result, once shown (tests wait on it)
    failed = Signal(str)

    job_key = "compare"
    file_filter = MODEL_FILTER

    def __init__(self, state: AppState, workers: Workers, parent: QWidget | None = None):
        super().__init__(parent)
        self.state, self.workers = state, workers
        self.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose, False)
        self.path_edit = QLineEdit(self)
        self.path_edit.setPlaceholderText("choose a file…")
        browse = QPushButton("Browse…", self)
        browse.clicked.connect(self._browse)
        self.run_button = QPushButton("Compare", self)
        self.run_button.setDefault(True)
        self.run_button.clicked.connect(self.run)
        self.cancel_button = QPushButton("Cancel", self)
        self.cancel_button.clicked.connect(self.cancel)
        self.cancel_button.setEnabled(False)
        self.busy = QProgressBar(self)
        self.busy.setRange(0, 0)
        self.busy.setVisible(False)
        self.status = QLabel(self)
        self.status.setWordWrap(True)
        self.status.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.form = QFormLayout()
        picker = QHBoxLayout()
        picker.addWidget(self.path_edit, 1)
        picker.addWidget(browse)
        self.form.addRow(self.path_label(), picker)
        buttons = QHBoxLayout()
        buttons.addWidget(self.busy, 1)
        buttons.addWidget(self.run_button)
        buttons.addWidget(self.cancel_button)
        self.body = QVBoxLayout(self)
        self.body.addLayout(self.form)
        self.body.addLayout(buttons)
        self.body.addWidget(self.status)
        self.resize(900, 640)

    def path_label(self) -> str:
        return "File"

    def set_path(self, path: str | Path) -> None:
        self.path_edit.setText(str(path))

    def _browse(self) -> None:
        start = str(self.state.data_path.parent) if self.state.data_path else ""
        name, _ = QFileDialog.getOpenFileName(self, self.windowTitle(), start, self.file_filter)
        if name:
            self.set_path(name)

    def run(self) -> None:
        if not self.state.ready:
            self._fail("Open a model and a dataset first.")
            return
        text = self.path_edit.text().strip()
        if not text:
            self._fail("Choose a file to compare with.")
            return
        self._set_running(True)
        self.status.setText("Computing…")
        self.workers.run(
            self.job_key, self.job(Path(text)), on_result=self._on_result, on_error=self._on_error
        )

    def cancel(self) -> None:
        self.workers.cancel(self.job_key)
        self._set_running(False)
        self.status.setText("Cancelled.")

    def job(self, path: Path) -> Callable[[], object]:
        """The work for Workers.run: a callable taking no arguments (runs off the GUI thread)."""
        raise NotImplementedError

    def show_result(self, result: object) -> None:
        raise NotImplementedError

    def _set_running(self, running: bool) -> None:
        self.busy.setVisible(running)
        self.run_button.setEnabled(not running)
        self.cancel_button.setEnabled(running)

    def _on_result(self, result: object) -> None:
        self._set_running(False)
        self.show_result(result)
        self.finished_computing.emit(result)

    def _on_error(self, error: object) -> None:
        self._set_running(False)
        self._fail(str(error) or type(error).__name__)

    def _fail(self, message: str) -> None:
        self.status.setText(f"<span style='color:#b00020'>{message}</span>")
        self.failed.emit(message)

    def done(self, result: int) -> None:  # closing (Esc, ✕) cancels any running job
        self.workers.cancel(self.job_key)
        super().done(result)
