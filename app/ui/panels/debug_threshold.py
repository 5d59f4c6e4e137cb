"""Decision threshold slider and the live confusion matrix; clicking a cell filters the rows."""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import Qt
from PySide6.QtGui import QBrush, QColor
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QSlider,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)
from superqt.utils import signals_blocked

from app.core.base.errors import FilterSyntaxError
from app.core.base.formatting import percent
from app.core.base.types import Task
from app.core.debugging.metrics import Evaluation, confusion_matrix, summary
from app.ui.panels.debug_jobs import PanelJob, Work
from app.ui.state import AppState

TITLE = "Threshold"
JOB = "debug-threshold"
DEBOUNCE_MS = 60  # a dragged slider recomputes once it slows down, not on every step
STEPS = 1000  # slider resolution: 0.001
CORRECT = QColor("#cfe8cf")
WRONG = QColor("#f6cccc")


class ThresholdPanel(QWidget):
    def __init__(self, state: AppState, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.state = state
        self.context = state.debug
        self.slider = QSlider(Qt.Orientation.Horizontal, self)
        self.slider.setRange(0, STEPS)
        self.slider.setValue(round(state.threshold * STEPS))
        self.slider.setToolTip(
            "Rows with P(positive) at or above the threshold are predicted positive"
        )
        self.value_label = QLabel(self)
        self.value_label.setMinimumWidth(110)
        self.matrix = QTableWidget(self)
        self.matrix.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.matrix.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.matrix.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        self.matrix.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        self.matrix.setToolTip("Click a cell to show its rows")
        self.metrics_label = QLabel(self)
        self.metrics_label.setWordWrap(True)
        self.note = QLabel(self)
        self.note.setWordWrap(True)

        row = QHBoxLayout()
        row.addWidget(QLabel("Threshold:", self))
        row.addWidget(self.slider, 1)
        row.addWidget(self.value_label)
        layout = QVBoxLayout(self)
        layout.addLayout(row)
        layout.addWidget(self.matrix, 1)
        layout.addWidget(self.metrics_label)
        layout.addWidget(self.note)

        self.counts: np.ndarray | None = None
        self.job = PanelJob(
            self, self.context.workers, JOB, self._prepare, self._on_error, DEBOUNCE_MS,
            on_close=state.on_close,
        )  # fmt: skip
        self.slider.valueChanged.connect(self._on_slider_moved)
        self.matrix.cellClicked.connect(self.filter_cell)
        state.threshold_changed.connect(self._on_threshold_changed)
        self.context.evaluation_changed.connect(self.refresh)
        state.output_changed.connect(lambda _k: self.refresh())
        self.refresh()

    def _on_slider_moved(self, value: int) -> None:
        self.state.set_threshold(value / STEPS)

    def _on_threshold_changed(self, threshold: float) -> None:
        value = round(threshold * STEPS)
        if self.slider.value() != value:
            with signals_blocked(self.slider):
                self.slider.setValue(value)
        self.refresh()

    def class_names(self) -> list[str]:
        model = self.state.model
        if model is None or model.task is Task.BINARY:
            return ["negative (0)", "positive (1)"]
        return list(model.output_names)

    def refresh(self) -> None:
        """Show the threshold now; the matrix and metrics follow from a worker."""
        model = self.state.model
        binary = model is not None and model.task is Task.BINARY
        self.slider.setEnabled(binary)
        self.value_label.setText(f"{self.state.threshold:.3f}" if binary else "argmax")
        self.job.request()

    def _prepare(self) -> Work | None:
        ev = self.context.evaluation_if_ready()
        if self.context.evaluating:
            self.note.setText("Evaluating the predictions…")
            return None
        if ev is None or not ev.is_classifier:
            self.counts = None
            self.matrix.clear()
            self.matrix.setRowCount(0)
            self.matrix.setColumnCount(0)
            self.metrics_label.setText("")
            reason = self.context.label_problem or "Load a classifier and its data."
            if ev is not None:
                reason = "A regression model has no confusion matrix; see Error slices."
            self.note.setText(reason)
            return None
        names = self.class_names()
        binary = ev.task is Task.BINARY
        positive = 1 if binary else self.state.output_index
        return Work(_tally, (ev, len(names), positive), lambda r: self._show(names, binary, *r))

    def _on_error(self, error: object) -> None:
        self.note.setText(f"Could not count the outcomes: {error}")

    def _show(self, names: list[str], binary: bool, counts: np.ndarray, s: dict) -> None:
        self.counts = counts
        total = max(int(counts.sum()), 1)
        self.matrix.setRowCount(len(names))
        self.matrix.setColumnCount(len(names))
        self.matrix.setHorizontalHeaderLabels([f"predicted {n}" for n in names])
        self.matrix.setVerticalHeaderLabels([f"actual {n}" for n in names])
        for i in range(len(names)):
            for j in range(len(names)):
                n = int(counts[i, j])
                item = QTableWidgetItem(f"{n:,}\n{100 * n / total:.1f}%")
                item.setTextAlignment(Qt.AlignmentFlag.AlignCenter)
                item.setBackground(QBrush(CORRECT if i == j else WRONG))
                item.setForeground(QBrush(QColor("#222222")))
                item.setToolTip(f"Show the {n:,} rows labelled {names[i]}, predicted {names[j]}")
                self.matrix.setItem(i, j, item)
        parts = [f"accuracy {percent(s['accuracy'], 'n/a')}"]
        if binary:
            parts += [
                f"TPR {percent(s['tpr'], 'n/a')}",
                f"FPR {percent(s['fpr'], 'n/a')}",
                f"precision {percent(s['precision'], 'n/a')}",
                f"AUC {s['auc']:.3f}",
            ]
        self.metrics_label.setText(" · ".join(parts) + f"  ({int(s['count']):,} labelled rows)")
        self.note.setText("Click a cell to show its rows in the table.")

    def filter_cell(self, actual: int, predicted: int) -> None:
        """Show the rows of one cell (replaces the filter expression; keeps the cohort)."""
        try:
            self.context.set_filter(
                preset="all", expression=f"label == {actual} and predicted == {predicted}"
            )
        except FilterSyntaxError as error:  # a dataset column called label/predicted
            self.state.report_error(str(error))


def _tally(ev: Evaluation, n_classes: int, positive: int) -> tuple[np.ndarray, dict]:
    """Confusion counts and summary metrics (worker: the AUC ranks every row)."""
    return confusion_matrix(ev, n_classes=n_classes), summary(ev, positive=positive)


def create(state: AppState) -> QWidget:
    return ThresholdPanel(state)
