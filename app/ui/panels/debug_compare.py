"""Compare two rows feature by feature (values and SHAP values), and for a misclassified row find
the nearest correctly classified rows in SHAP space among the visible rows."""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import Qt
from PySide6.QtGui import QBrush, QColor, QShowEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QSpinBox,
    QSplitter,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)
from superqt.utils import signals_blocked

from app.core.base import formatting
from app.core.base.formatting import feature_value
from app.core.debugging.metrics import Evaluation
from app.core.debugging.neighbours import (
    FeatureDiff,
    Neighbours,
    NoNeighboursError,
    compare_rows,
    nearest_correct,
)
from app.plots import style
from app.ui.panels.debug_jobs import cancel_on_destroy, on_screen
from app.ui.panels.table_style import compact_rows
from app.ui.state import AppState

TITLE = "Compare rows"
NEIGHBOURS_JOB = "debug-compare-neighbours"
COLUMNS = ("Feature", "Value A", "Value B", "SHAP A", "SHAP B", "A − B")


class ComparePanel(QWidget):
    def __init__(self, state: AppState, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.state = state
        self.context = state.debug
        self.diffs: list[FeatureDiff] = []
        self._stale = False  # rows or values changed while the panel was hidden
        self.row_a = QSpinBox(self)
        self.row_b = QSpinBox(self)
        for box in (self.row_a, self.row_b):
            box.setRange(0, 0)
            box.setMinimumWidth(90)
        self.follow = QCheckBox("A follows the selected row", self)
        self.follow.setChecked(True)
        self.find_button = QPushButton("Nearest correct rows to A", self)
        self.find_button.setToolTip(
            "Correctly classified rows with A's label, closest to A in SHAP space, among the "
            "rows in the current filter"
        )
        self.neighbours = QListWidget(self)
        self.neighbours.setMaximumWidth(260)
        self.neighbours.setMinimumWidth(120)
        self.neighbours.hide()  # until there are neighbours: the table gets the width
        self.table = QTableWidget(0, len(COLUMNS), self)
        self.table.setHorizontalHeaderLabels(list(COLUMNS))
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().setVisible(False)
        compact_rows(self.table)
        # Names and values share the width (elided, in full in their tooltips); the numbers
        # keep theirs, so the last SHAP column is never pushed out of view.
        header = self.table.horizontalHeader()
        for c in range(len(COLUMNS)):
            mode = (
                QHeaderView.ResizeMode.Stretch if c < 3 else QHeaderView.ResizeMode.ResizeToContents
            )
            header.setSectionResizeMode(c, mode)
        self.table.setTextElideMode(Qt.TextElideMode.ElideMiddle)
        self.note = QLabel(self)
        self.note.setWordWrap(True)

        controls = QHBoxLayout()  # one line: a docked panel's height goes to the table
        controls.addWidget(QLabel("Row A:", self))
        controls.addWidget(self.row_a)
        controls.addWidget(self.follow)
        controls.addSpacing(12)
        controls.addWidget(QLabel("Row B:", self))
        controls.addWidget(self.row_b)
        controls.addWidget(self.find_button)
        controls.addStretch(1)
        split = QSplitter(Qt.Orientation.Horizontal, self)
        split.addWidget(self.table)
        split.addWidget(self.neighbours)
        split.setStretchFactor(0, 1)
        layout = QVBoxLayout(self)
        layout.addLayout(controls)
        layout.addWidget(self.note)
        layout.addWidget(split, 1)

        self.row_a.valueChanged.connect(lambda _v: self.refresh())
        self.row_b.valueChanged.connect(lambda _v: self.refresh())
        cancel_on_destroy(self, self.context.workers, NEIGHBOURS_JOB)
        self.find_button.clicked.connect(self.find_neighbours)
        self.neighbours.itemClicked.connect(self._on_neighbour_clicked)
        state.data_changed.connect(self._on_data_changed)
        state.row_selected.connect(self._on_row_selected)
        state.explanation_finished.connect(self.refresh)
        state.row_explained.connect(lambda _r: self.refresh())
        state.output_changed.connect(lambda _k: self.refresh())
        self.context.evaluation_changed.connect(self.refresh)  # the verdicts in the note
        self._on_data_changed()

    def _on_data_changed(self) -> None:
        n = self.state.data.n_rows if self.state.data is not None else 0
        for box in (self.row_a, self.row_b):
            with signals_blocked(box):
                box.setRange(0, max(n - 1, 0))
        self.neighbours.clear()
        self.neighbours.hide()
        self.refresh()

    def _on_row_selected(self, row: int) -> None:
        if self.follow.isChecked():
            self.row_a.setValue(row)

    def set_rows(self, a: int, b: int) -> None:
        with signals_blocked(self.row_a):
            self.row_a.setValue(a)
        self.row_b.setValue(b)
        self.refresh()

    def _values(self, row: int) -> np.ndarray | None:
        found = self.state.row_values(row)
        return None if found is None else found[0][:, self.state.output_index]

    def _outcome(self, row: int) -> str:
        ev = self.context.evaluation_if_ready()
        if ev is None:
            return ""
        if not ev.has_label[row]:
            return "no label"
        if not ev.is_classifier:
            return f"error {ev.error[row]:.4g}"
        p = ev.score[row] if ev.score.ndim == 1 else ev.score[row].max()
        verdict = "correct" if ev.correct[row] else "WRONG"
        return f"label {ev.y_true[row]:g}, predicted {ev.predicted[row]} (P = {p:.3f}) — {verdict}"

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        if self._stale:
            self.refresh()

    def refresh(self) -> None:
        """Compare rows A and B now if the panel is on screen, else when it is shown."""
        self._stale = not on_screen(self)
        if self._stale:
            return
        s = self.state
        self.table.setRowCount(0)
        if s.data is None or s.model is None:
            self.note.setText("Load a model and data.")
            return
        a, b = self.row_a.value(), self.row_b.value()
        va, vb = self._values(a), self._values(b)
        if va is None or vb is None:
            self.note.setText("Waiting for the SHAP values of both rows.")
            return
        values = np.zeros((s.data.n_rows, va.size))
        values[a], values[b] = va, vb
        self.diffs = compare_rows(a, b, values, s.data.frame, s.model.feature_names)
        self.note.setText(f"A = row {a}: {self._outcome(a)}\nB = row {b}: {self._outcome(b)}")
        self._fill(self.diffs)

    def _fill(self, diffs: list[FeatureDiff]) -> None:
        pal = style.palette()
        self.table.setRowCount(len(diffs))
        for r, d in enumerate(diffs):
            same = feature_value(d.value_a) == feature_value(d.value_b)
            cells = [d.feature, feature_value(d.value_a), feature_value(d.value_b),
                     formatting.signed(d.shap_a), formatting.signed(d.shap_b),
                     formatting.signed(d.delta)]  # fmt: skip
            for c, text in enumerate(cells):
                item = QTableWidgetItem(text)
                if c < 3:
                    item.setToolTip(text)
                if c >= 3:
                    item.setTextAlignment(
                        Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter
                    )
                if c == 5:
                    item.setForeground(
                        QBrush(QColor(pal.positive if d.delta > 0 else pal.negative))
                    )
                if c in (1, 2) and not same:
                    font = item.font()
                    font.setBold(True)
                    item.setFont(font)
                self.table.setItem(r, c, item)

    def find_neighbours(self) -> None:
        """List the nearest correctly classified rows to A and compare A with the nearest."""
        s, ev, explanation = self.state, self.context.evaluation(), self.state.explanation
        self.neighbours.clear()
        if s.data is None or s.model is None or ev is None:
            self.note.setText(self.context.label_problem or "Needs a label column.")
            return
        if explanation is None or not explanation.complete:
            self.note.setText("Finding neighbours needs every row's SHAP values: wait for them.")
            return
        a = self.row_a.value()
        self.note.setText(f"Finding the correct rows nearest to row {a}…")
        names = s.model.feature_names
        args = (a, explanation.values, s.output_index, ev, s.visible_rows, s.data.frame, names)
        self.context.workers.run(
            NEIGHBOURS_JOB,
            _nearest,
            *args,
            on_result=self._on_neighbours,
            on_error=self._on_neighbours_failed,
        )

    def _on_neighbours(self, found: Neighbours) -> None:
        self.neighbours.show()
        for row, distance in zip(found.rows, found.distances, strict=True):
            item = QListWidgetItem(f"row {int(row)}   distance {distance:.3f}")
            item.setData(Qt.ItemDataRole.UserRole, int(row))
            self.neighbours.addItem(item)
        self.neighbours.setCurrentRow(0)
        self.row_b.setValue(int(found.rows[0]))

    def _on_neighbours_failed(self, error: object) -> None:
        if isinstance(error, NoNeighboursError):
            self.note.setText(str(error))
        else:
            self.note.setText(f"Could not find neighbours: {error}")

    def _on_neighbour_clicked(self, item: QListWidgetItem) -> None:
        self.row_b.setValue(int(item.data(Qt.ItemDataRole.UserRole)))


def _nearest(row, values, output, ev: Evaluation, candidates, frame, features) -> Neighbours:
    """Distances in SHAP space from `row` to every candidate (worker: O(rows x features))."""
    return nearest_correct(
        row, values[:, :, output], ev.correct, candidates, frame, features, k=10,
        same_label=ev.y_true,
    )  # fmt: skip


def create(state: AppState) -> QWidget:
    return ComparePanel(state)
