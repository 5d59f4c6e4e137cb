"""Counterfactuals: the fewest, smallest changes that flip the selected row's prediction.

The search (app.core.debugging.counterfactuals) runs in a worker and yields each answer as it is
confirmed, so answers appear one by one and Cancel stops it between (and during) solver runs.
Locked features are chosen from a menu (the sensitive names suggested first) and kept in the
session. Clicking an answer shows it in the What-if panel, which predicts and explains it."""

from __future__ import annotations

import threading
from collections.abc import Generator
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDoubleSpinBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QMenu,
    QPushButton,
    QSpinBox,
    QTableWidget,
    QTableWidgetItem,
    QToolButton,
    QVBoxLayout,
    QWidget,
)
from superqt.utils import signals_blocked

from app.core.base.errors import ShapLensError
from app.core.base.formatting import feature_value
from app.core.base.types import Task
from app.core.debugging.counterfactuals import (
    Counterfactual,
    CounterfactualOptions,
    CounterfactualResult,
    counterfactual_steps,
    ensemble_of,
    suggest_locked,
)
from app.core.debugging.counterfactuals.domains import feature_stats
from app.core.explain.models.base import display_output_name
from app.ui.panels.debug_jobs import cancel_on_destroy
from app.ui.state import AppState

TITLE = "Counterfactuals"
JOB = "debug-counterfactuals"
COLUMNS = ("#", "Feature", "From", "To", "New prediction", "Proof")
FEATURE_WIDTH = 240  # at most: longer names are elided in the middle (full name in the tooltip)


def search(
    model: Any,
    X: Any,
    row: int,
    options: CounterfactualOptions,
    prepared: tuple[Any, Any] | None,
    stop: threading.Event,
) -> Generator[Counterfactual, None, tuple[CounterfactualResult, tuple[Any, Any]]]:
    """Worker: yields each answer; returns the result and the model's trees and column
    statistics (kept by the panel for the next row of the same model and data)."""
    if prepared is None:
        prepared = (
            ensemble_of(model, X),
            feature_stats(X, [f.is_categorical for f in model.features]),
        )
    ensemble, stats = prepared
    steps = counterfactual_steps(model, X, row, options, stats, ensemble, stop.is_set)
    while True:
        try:
            answer = next(steps)
        except StopIteration as done:
            return done.value, prepared
        yield answer


class CounterfactualsPanel(QWidget):
    def __init__(self, state: AppState, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.state = state
        self.context = state.debug
        self.answers: list[Counterfactual] = []
        self.result: CounterfactualResult | None = None
        self.row: int | None = None  # the row the answers are for
        self._prepared: tuple[Any, Any] | None = None
        self._prepared_for: tuple[object, object] | None = None
        self._stop = threading.Event()
        self._table_answer: list[int] = []  # table row -> answer index
        self._lock_actions: dict[str, QAction] = {}
        self.row_label = QLabel(self)
        self.row_label.setWordWrap(True)
        self.find_button = QPushButton("Find", self)
        self.find_button.setToolTip("Search for the smallest changes that flip this prediction")
        self.cancel_button = QPushButton("Cancel", self)
        self.cancel_button.setEnabled(False)
        self.locks = QToolButton(self)
        self.locks.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        self.lock_menu = QMenu(self.locks)
        self.locks.setMenu(self.lock_menu)
        self.target_label = QLabel("Target", self)
        self.target = QDoubleSpinBox(self)
        self.target.setRange(-1e12, 1e12)
        self.target.setDecimals(4)
        self.target.setToolTip("Regression: the value the prediction should reach")
        self.seconds = QDoubleSpinBox(self)
        self.seconds.setRange(0.5, 120.0)
        self.seconds.setValue(2.0)
        self.seconds.setSuffix(" s")
        self.seconds.setToolTip("Time budget for the search")
        self.max_changes = QSpinBox(self)
        self.max_changes.setRange(0, 20)
        self.max_changes.setSpecialValueText("any")
        self.max_changes.setPrefix("≤ ")
        self.max_changes.setToolTip("At most this many changed features (any: no limit)")
        self.status = QLabel(self)
        self.status.setWordWrap(True)
        self.table = QTableWidget(0, len(COLUMNS), self)
        self.table.setHorizontalHeaderLabels(list(COLUMNS))
        self.table.verticalHeader().setVisible(False)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setToolTip("Click an answer to load it into What-if")
        self.table.setTextElideMode(Qt.TextElideMode.ElideMiddle)
        self.table.setWordWrap(False)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        # The feature is what a reader looks for: a fixed, generous width even when the dock
        # is narrow (the table scrolls sideways instead of eliding it to "c…").
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.Interactive)
        header.setStretchLastSection(True)
        self.table.setColumnWidth(1, 120)
        controls = QHBoxLayout()
        controls.addWidget(self.find_button)
        controls.addWidget(self.cancel_button)
        controls.addWidget(self.locks)
        controls.addSpacing(8)
        controls.addWidget(QLabel("Changes", self))
        controls.addWidget(self.max_changes)
        controls.addWidget(QLabel("Time", self))
        controls.addWidget(self.seconds)
        controls.addWidget(self.target_label)
        controls.addWidget(self.target)
        controls.addStretch(1)
        layout = QVBoxLayout(self)
        layout.addWidget(self.row_label)
        layout.addLayout(controls)
        layout.addWidget(self.status)
        layout.addWidget(self.table, 1)
        cancel_on_destroy(self, self.context.workers, JOB)
        self.find_button.clicked.connect(self.find)
        self.cancel_button.clicked.connect(self.cancel)
        self.table.cellClicked.connect(self._on_cell_clicked)
        state.row_selected.connect(lambda _row: self._on_row_changed())
        state.data_changed.connect(self._on_inputs_changed)
        state.model_changed.connect(self._on_inputs_changed)
        self.context.locked_changed.connect(self._show_locks)
        self._on_inputs_changed()

    # ------------------------------------------------------------------ locked features
    def locked(self) -> list[str]:
        model = self.state.model
        if model is None:
            return []
        chosen = self.context.locked_features
        if chosen is None:
            return suggest_locked(model.feature_names)
        return [n for n in model.feature_names if n in set(chosen)]

    def set_locked(self, names: list[str]) -> None:
        self.context.set_locked_features(names)

    def _build_lock_menu(self) -> None:
        """One checkable entry per feature, suggested ones first (rebuilt per model only: an
        entry must not be deleted while its own toggle is being handled)."""
        model = self.state.model
        self.lock_menu.clear()
        self._lock_actions = {}
        if model is not None:
            suggested = suggest_locked(model.feature_names)
            for name in suggested + [n for n in model.feature_names if n not in suggested]:
                action = QAction(name, self.lock_menu)
                action.setCheckable(True)
                action.toggled.connect(lambda on, n=name: self._on_lock_toggled(n, on))
                self.lock_menu.addAction(action)
                self._lock_actions[name] = action
        self._show_locks()

    def _show_locks(self) -> None:
        locked = self.locked()
        for name, action in self._lock_actions.items():
            with signals_blocked(action):
                action.setChecked(name in locked)
        if self.state.model is None:
            self.locks.setText("Locked: –")
            return
        # trailing spaces: the menu arrow is drawn over the end of the text
        self.locks.setText((f"Locked: {len(locked)}" if locked else "Locked: none") + "   ")
        self.locks.setToolTip("Never changed: " + (", ".join(locked) if locked else "none"))

    def _on_lock_toggled(self, name: str, on: bool) -> None:
        locked = [n for n in self.locked() if n != name] + ([name] if on else [])
        self.set_locked(locked)

    # ------------------------------------------------------------------ state changes
    def _on_inputs_changed(self) -> None:
        self.cancel()
        self._prepared = self._prepared_for = None
        self._build_lock_menu()
        self._on_row_changed()

    def _clear(self) -> None:
        self.cancel()
        self.answers, self.result, self.row = [], None, None
        self.table.setRowCount(0)
        self._table_answer = []
        self.status.setText("")

    def _on_row_changed(self) -> None:
        s = self.state
        self._clear()
        ready = s.model is not None and s.data is not None and s.selected_row is not None
        self.find_button.setEnabled(ready)
        regression = s.model is not None and s.model.task is Task.REGRESSION
        self.target.setVisible(regression)
        self.target_label.setVisible(regression)
        if not ready:
            self.row_label.setText("Select a row, then Find the smallest changes that flip it.")
            return
        assert s.selected_row is not None
        if regression:
            predictions = s.predictions()
            if predictions is not None:  # start from the current value; the user moves it
                self.target.setValue(float(predictions[s.selected_row, 0]))
            self.row_label.setText(
                f"Row {s.selected_row}: what would have to change for the prediction to reach "
                "the target?"
            )
            return
        self.row_label.setText(
            f"Row {s.selected_row}: what would have to change for another decision?"
        )

    # ------------------------------------------------------------------ search
    def options(self) -> CounterfactualOptions:
        changes = self.max_changes.value()
        model = self.state.model
        regression = model is not None and model.task is Task.REGRESSION
        return CounterfactualOptions(
            target=float(self.target.value()) if regression else None,
            locked=self.locked(),
            max_changes=changes or None,
            seconds=float(self.seconds.value()),
            threshold=self.state.threshold,
        )

    def find(self) -> None:
        s = self.state
        if s.model is None or s.data is None or s.selected_row is None:
            return
        self._clear()
        self.row = int(s.selected_row)
        if s.model.task is Task.REGRESSION and not self._target_moved():
            self.status.setText("Set a target above or below the current prediction first.")
            return
        key = (s.model, s.data)
        prepared = self._prepared if self._prepared_for == key else None
        self._stop = threading.Event()
        self.find_button.setEnabled(False)
        self.cancel_button.setEnabled(True)
        self.status.setText("Searching…")
        self.context.workers.run(
            JOB,
            search,
            s.model,
            s.data.X,
            self.row,
            self.options(),
            prepared,
            self._stop,
            on_result=lambda value, k=key: self._on_result(value, k),
            on_error=self._on_error,
            on_progress=self._on_answer,
        )

    def _target_moved(self) -> bool:
        predictions, row = self.state.predictions(), self.state.selected_row
        if predictions is None or row is None:
            return False
        step = 10.0 ** -self.target.decimals()  # the spin box's resolution
        return abs(self.target.value() - float(predictions[row, 0])) >= step

    def cancel(self) -> None:
        """Stop the search; answers found so far stay."""
        self._stop.set()
        if self.context.workers.is_running(JOB):
            self.context.workers.cancel(JOB)
            self.status.setText(f"Cancelled. {len(self.answers)} answer(s) found before.")
        self.cancel_button.setEnabled(False)
        self.find_button.setEnabled(self.state.selected_row is not None)

    def _on_answer(self, answer: Counterfactual) -> None:
        self.answers.append(answer)
        self._add_answer(len(self.answers) - 1, answer)
        self.status.setText(f"Searching… {len(self.answers)} answer(s) so far.")

    def _on_result(self, value: tuple[CounterfactualResult, tuple[Any, Any]], key: object) -> None:
        result, prepared = value
        self._prepared, self._prepared_for = prepared, key
        self.result = result
        self.cancel_button.setEnabled(False)
        self.find_button.setEnabled(True)
        proven = sum(a.minimal for a in result.answers)
        note = f" {proven} proven minimal." if result.answers else ""
        self.status.setText(result.message() + note + (
            " Click an answer to load it into What-if." if result.answers else ""))  # fmt: skip

    def _on_error(self, error: object) -> None:
        self.cancel_button.setEnabled(False)
        self.find_button.setEnabled(True)
        text = str(error) if isinstance(error, ShapLensError) else f"The search failed: {error}"
        self.status.setText(text)

    # ------------------------------------------------------------------ table
    def _prediction_text(self, answer: Counterfactual) -> str:
        model = self.state.model
        assert model is not None
        if model.task is Task.REGRESSION:
            return f"{float(answer.prediction[0]):.4g}"
        if model.task is Task.BINARY:
            return f"{float(answer.prediction[0]):.3f} → class {answer.predicted_class}"
        k = int(answer.predicted_class or 0)
        return f"{display_output_name(model.output_names[k])} ({float(answer.prediction[k]):.3f})"

    def _add_answer(self, index: int, answer: Counterfactual) -> None:
        proof = "minimal" if answer.minimal else "best found"
        metrics = self.table.fontMetrics()
        # answers alternate in shade so one answer's rows read as a group
        shade = self.palette().alternateBase() if index % 2 else None
        for i, change in enumerate(answer.changes):
            r = self.table.rowCount()
            self.table.insertRow(r)
            self._table_answer.append(index)
            cells = (
                str(index + 1) if i == 0 else "",
                change.feature,
                feature_value(change.before),
                feature_value(change.after),
                self._prediction_text(answer) if i == 0 else "",
                proof if i == 0 else "",
            )
            for col, text in enumerate(cells):
                item = QTableWidgetItem(text)
                item.setToolTip(text if col else "Click to load this answer into What-if")
                if shade is not None:
                    item.setBackground(shade)
                if col in (2, 3):
                    item.setTextAlignment(
                        Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter
                    )
                if col == 3:
                    font = item.font()
                    font.setBold(True)
                    item.setFont(font)
                self.table.setItem(r, col, item)
            wanted = min(metrics.horizontalAdvance(change.feature) + 16, FEATURE_WIDTH)
            if wanted > self.table.columnWidth(1):
                self.table.setColumnWidth(1, wanted)

    def choose(self, index: int) -> None:
        """Show answer `index` in What-if."""
        if self.row is None or not 0 <= index < len(self.answers):
            return
        edits = {c.feature: c.after for c in self.answers[index].changes}
        self.context.whatif_requested.emit(self.row, edits)
        self.state.report_status(f"Answer {index + 1} loaded into What-if.")

    def _on_cell_clicked(self, row: int, _column: int) -> None:
        if 0 <= row < len(self._table_answer):
            self.choose(self._table_answer[row])


def create(state: AppState) -> QWidget:
    return CounterfactualsPanel(state)
