"""The selected row's strongest feature pairs ("age × marital_status: +0.31", in the model's
unit), next to the waterfall's per-feature story: which of its contributions come from features
acting together. The row's interaction matrix is computed in a worker (a few ms to a second),
only while the panel is on screen, and follows the selection and the class.
"""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QListWidget, QVBoxLayout, QWidget

from app.core.explain.interaction_jobs import row_matrix
from app.core.explain.interaction_views import PairValue, top_pairs
from app.ui.panels.debug_jobs import PanelJob, Work
from app.ui.state import AppState

TITLE = "Row interactions"
JOB = "row-interactions"
EMPTY = "Select a row to see which of its features act together."


class RowInteractionsPanel(QWidget):
    def __init__(self, state: AppState, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.state = state
        self.context = state.interactions
        self.pairs: list[PairValue] = []
        self.matrix: np.ndarray | None = None  # the row's (M, M, n_outputs), for the class switch
        self.row: int | None = None  # the row `matrix` belongs to
        self.heading = QLabel(EMPTY, self)
        self.heading.setWordWrap(True)
        self.list = QListWidget(self)
        self.list.setToolTip(
            "A pair's interaction, Φij + Φji: how much the two features add to this row's "
            "prediction together, beyond each one alone"
        )
        layout = QVBoxLayout(self)
        layout.addWidget(self.heading)
        layout.addWidget(self.list, 1)
        self.job = PanelJob(
            self,
            self.context.workers,
            JOB,
            self._prepare,
            lambda error: self.heading.setText(f"Could not compute: {error}"),
            on_close=self.state.on_close,
        )
        state.row_selected.connect(lambda _row: self.job.request())
        state.output_changed.connect(lambda _k: self._show())
        state.data_changed.connect(self._on_data_changed)
        state.model_changed.connect(self._on_data_changed)
        self.review = state.review
        self.review.glossary_changed.connect(self._show)
        self.job.request()

    def _on_data_changed(self) -> None:
        self.matrix, self.row = None, None
        self.job.request()

    def _prepare(self) -> Work | None:
        s = self.state
        row = s.selected_row
        if s.model is None or s.data is None or row is None:
            self.matrix = self.row = None
            self._show()
            return None
        self.heading.setText(f"Row {row}: computing its interactions…")
        model = s.model

        def on_result(matrix: np.ndarray) -> None:
            if s.model is model:
                self.matrix, self.row = matrix, row
                self._show()

        return Work(row_matrix, (model, s.data.X, row), on_result)

    def _show(self) -> None:
        s = self.state
        self.list.clear()
        if self.matrix is None or s.model is None or self.row is None:
            self.pairs = []
            self.heading.setText(EMPTY)
            return
        k = min(s.output_index, self.matrix.shape[2] - 1)
        names = self.review.glossary.display_names(list(s.model.feature_names))
        self.pairs = top_pairs(self.matrix, names, k)
        out = f", {s.output_names[k]}" if len(s.output_names) > 1 else ""
        self.heading.setText(
            f"Row {self.row}: strongest interactions ({s.model.unit.value}{out})"
            if self.pairs
            else f"Row {self.row}: no two features interact."
        )
        for pair in self.pairs:
            self.list.addItem(pair.text())
            item = self.list.item(self.list.count() - 1)
            item.setToolTip(pair.text())
            item.setFlags(item.flags() & ~Qt.ItemFlag.ItemIsEditable)


def create(state: AppState) -> QWidget:
    return RowInteractionsPanel(state)
