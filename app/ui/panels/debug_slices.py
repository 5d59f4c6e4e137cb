"""Error slices: the feature bins and pairs where the model errs most; a click filters the rows."""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import Qt
from PySide6.QtGui import QBrush, QColor
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QSpinBox,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from app.core.base.errors import FilterSyntaxError
from app.core.debugging.metrics import Evaluation
from app.core.debugging.slices import Slice, error_slices
from app.ui.panels.debug_jobs import PanelJob, Work
from app.ui.state import AppState

TITLE = "Error slices"
JOB = "debug-slices"
DEBOUNCE_MS = 300
COLUMNS = ("Slice", "Rows", "Error rate", "95% interval", "Lift", "")
MUTED = QColor("#888888")


class SlicesPanel(QWidget):
    def __init__(self, state: AppState, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.state = state
        self.context = state.debug
        self.slices: list[Slice] = []
        self.pairs = QCheckBox("Pairs", self)
        self.pairs.setChecked(True)
        self.pairs.setToolTip("Also slice by every pair of features")
        self.within = QCheckBox("Within filter", self)
        self.within.setToolTip("Rank slices of the rows in the current filter only")
        self.bins = QSpinBox(self)
        self.bins.setRange(2, 20)
        self.bins.setValue(5)
        self.bins.setPrefix("bins: ")
        self.refresh_button = QPushButton("Find slices", self)
        self.table = QTableWidget(0, len(COLUMNS), self)
        self.table.setHorizontalHeaderLabels(list(COLUMNS))
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.verticalHeader().setVisible(False)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        for c in range(1, len(COLUMNS)):
            header.setSectionResizeMode(c, QHeaderView.ResizeMode.ResizeToContents)
        self.note = QLabel(self)
        self.note.setWordWrap(True)

        controls = QHBoxLayout()
        controls.addWidget(self.pairs)
        controls.addWidget(self.within)
        controls.addWidget(self.bins)
        controls.addStretch(1)
        controls.addWidget(self.refresh_button)
        layout = QVBoxLayout(self)
        layout.addLayout(controls)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.note)

        # Dragging the threshold changes the evaluation many times a second: rank once it rests;
        # a hidden panel ranks when it is shown.
        self.job = PanelJob(
            self,
            self.context.workers,
            JOB,
            self._prepare,
            lambda error: self._show([], f"Could not rank slices: {error}"),
            DEBOUNCE_MS,
            on_close=self.state.on_close,
        )
        self.refresh_button.clicked.connect(self.compute)
        self.pairs.toggled.connect(lambda _on: self.compute())
        self.bins.valueChanged.connect(lambda _n: self.compute())
        self.within.toggled.connect(lambda _on: self.compute())
        self.table.cellClicked.connect(lambda row, _col: self.filter_slice(row))
        self.context.evaluation_changed.connect(self.compute)
        self.compute()

    def compute(self) -> None:
        """Rank slices in the background; the table updates when the result arrives."""
        self.job.request()

    def _prepare(self) -> Work | None:
        s, ev = self.state, self.context.evaluation_if_ready()
        if self.context.evaluating:
            self.note.setText("Evaluating the predictions…")
            return None
        if s.model is None or s.data is None or ev is None:
            self._show([], self.context.label_problem or "Load a model, its data and a label.")
            return None
        rows = s.visible_rows if self.within.isChecked() else None
        args = (s.data.frame, s.model.feature_names, ev, rows, self.bins.value())
        self.note.setText("Finding slices…")
        binary = ev.is_classifier
        return Work(_find, (*args, self.pairs.isChecked()), lambda f: self._on_found(f, binary))

    def _on_found(self, found: list[Slice], binary: bool) -> None:
        what = "error rate" if binary else "mean absolute error"
        note = (
            f"Worst slices by {what}. Grey rows have too few rows (< 30) or a wide interval: "
            "do not trust their rate. Click a slice to show its rows."
        )
        self.header_rate = "Error rate" if binary else "Mean error"
        self.table.setHorizontalHeaderItem(2, QTableWidgetItem(self.header_rate))
        self._show(found, note, binary)

    def _show(self, found: list[Slice], note: str, binary: bool = True) -> None:
        self.slices = found
        self.table.setRowCount(len(found))
        for r, s in enumerate(found):
            rate = f"{100 * s.rate:.1f}%" if binary else f"{s.rate:.4g}"
            interval = (
                f"{100 * s.ci_low:.1f}–{100 * s.ci_high:.1f}%"
                if binary
                else f"{s.ci_low:.3g}–{s.ci_high:.3g}"
            )
            cells = [s.description, f"{s.count:,}", rate, interval, f"×{s.lift:.2f}"]
            cells.append("unreliable" if s.unreliable else "")
            for c, text in enumerate(cells):
                item = QTableWidgetItem(text)
                if c:
                    item.setTextAlignment(
                        Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter
                    )
                if s.unreliable:
                    item.setForeground(QBrush(MUTED))
                item.setToolTip(s.expression)
                self.table.setItem(r, c, item)
        self.note.setText(note)

    def filter_slice(self, index: int) -> None:
        """Filter the rows to one slice (its expression goes into the filter bar)."""
        if not 0 <= index < len(self.slices):
            return
        try:
            self.context.set_filter(preset="all", expression=self.slices[index].expression)
        except FilterSyntaxError as error:
            self.state.report_error(str(error))


def _find(frame, columns, ev: Evaluation, rows, bins: int, pairs: bool) -> list[Slice]:
    """The per-row error (worker: O(n)) and the slices ranked by it."""
    if ev.is_classifier:
        error = np.where(ev.has_label, (~ev.correct).astype(np.float64), np.nan)
    else:
        error = ev.error.copy()
    binary = ev.is_classifier
    return error_slices(frame, columns, error, rows=rows, binary=binary, bins=bins, pairs=pairs)


def create(state: AppState) -> QWidget:
    return SlicesPanel(state)
