"""Filter bar: presets (misclassified, false positives …), a filter expression, named cohorts,
and N / Shift+N to jump between misclassified rows of the current filter."""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import QEvent, Qt
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QComboBox,
    QHBoxLayout,
    QInputDialog,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from app.core.base.errors import FilterSyntaxError
from app.core.base.types import Task
from app.core.debugging.cohorts import ALL_ROWS, CohortError
from app.core.debugging.metrics import Evaluation, presets_for
from app.ui.state import AppState

TITLE = "Filter"
PLACEHOLDER = 'e.g. age > 40 and sex == "Female"   ·   workclass is missing   ·   error > 1'


class FilterPanel(QWidget):
    def __init__(self, state: AppState, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.state = state
        self.context = state.debug
        self._shortcuts: list[QShortcut] = []
        # (ids, the objects themselves so the ids stay theirs, count) of the last mistake count
        self._wrong: tuple[tuple[int, int], tuple[object, object], int] | None = None
        self.preset_combo = QComboBox(self)
        self.cohort_combo = QComboBox(self)
        self.preset_combo.setToolTip("Quick filters on the model's mistakes")
        policy = QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon
        for combo in (self.preset_combo, self.cohort_combo):
            combo.setSizeAdjustPolicy(policy)
        self.expression = QLineEdit(self)
        self.expression.setPlaceholderText(PLACEHOLDER)
        self.expression.setClearButtonEnabled(True)
        self.apply_button = QPushButton("Apply", self)
        self.cohort_combo.setToolTip("Named cohorts: saved filter expressions")
        self.cohort_combo.setMinimumContentsLength(10)
        self.preset_combo.setMinimumContentsLength(14)
        self.expression.setMinimumWidth(160)
        self.save_button = QPushButton("Save as…", self)
        self.remove_button = QPushButton("Remove", self)
        self.count_label = QLabel(self)
        self.message = QLabel(self)
        self.message.setWordWrap(True)
        self.message.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.next_button = QPushButton("Next mistake ▶ (N)", self)
        self.prev_button = QPushButton("◀ Previous (Shift+N)", self)

        top = QHBoxLayout()
        top.addWidget(QLabel("Show:", self))
        top.addWidget(self.preset_combo)
        top.addWidget(self.expression, 1)
        top.addWidget(self.apply_button)
        middle = QHBoxLayout()
        middle.addWidget(QLabel("Cohort:", self))
        middle.addWidget(self.cohort_combo, 1)
        middle.addWidget(self.save_button)
        middle.addWidget(self.remove_button)
        bottom = QHBoxLayout()
        bottom.addWidget(self.prev_button)
        bottom.addWidget(self.next_button)
        bottom.addStretch(1)
        bottom.addWidget(self.count_label)
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addLayout(middle)
        layout.addLayout(bottom)
        layout.addWidget(self.message)
        layout.addStretch(1)

        self.expression.returnPressed.connect(self.apply_expression)
        self.apply_button.clicked.connect(self.apply_expression)
        self.preset_combo.activated.connect(self._on_preset_chosen)
        self.cohort_combo.activated.connect(self._on_cohort_chosen)
        self.save_button.clicked.connect(self._on_save_clicked)
        self.remove_button.clicked.connect(self._on_remove_clicked)
        self.next_button.clicked.connect(lambda: self.context.step_mistake(1))
        self.prev_button.clicked.connect(lambda: self.context.step_mistake(-1))
        state.model_changed.connect(self._fill_presets)
        state.data_changed.connect(self._refresh)
        state.visible_rows_changed.connect(self._show_count)
        state.visible_rows_changed.connect(self._show_message)
        self.context.filter_changed.connect(self._refresh)
        self.context.evaluation_changed.connect(self._show_message)
        self._fill_presets()
        self._fill_cohorts()
        self._refresh()

    # ------------------------------------------------------------------ keyboard
    def install_shortcuts(self, window: QWidget) -> None:
        """N / Shift+N on `window`, so they work whichever dock has focus (a text field still
        receives the letter: Qt gives line edits the key before window shortcuts)."""
        if self._shortcuts and self._shortcuts[0].parent() is window:
            return
        for shortcut in self._shortcuts:
            shortcut.setEnabled(False)
            shortcut.deleteLater()
        self._shortcuts = []
        for keys, step in (("N", 1), ("Shift+N", -1)):
            shortcut = QShortcut(QKeySequence(keys), window)
            shortcut.setContext(Qt.ShortcutContext.WindowShortcut)
            shortcut.activated.connect(lambda s=step: self.context.step_mistake(s))
            self._shortcuts.append(shortcut)

    def event(self, event: QEvent) -> bool:
        # Docking re-parents the panel: follow it to its (new) top-level window.
        if event.type() in (QEvent.Type.ParentChange, QEvent.Type.Show):
            self.install_shortcuts(self.window())
        return super().event(event)

    # ------------------------------------------------------------------ actions
    def apply_expression(self) -> None:
        text = self.expression.text()
        try:
            self.context.set_filter(expression=text)
        except FilterSyntaxError as error:
            self._show_error(str(error), error.position)
            return
        self._show_message()

    def _on_preset_chosen(self, index: int) -> None:
        key = self.preset_combo.itemData(index)
        try:
            self.context.set_filter(preset=key)
        except FilterSyntaxError as error:
            self._show_error(str(error), error.position)

    def _on_cohort_chosen(self, index: int) -> None:
        try:
            self.context.set_filter(cohort=self.cohort_combo.itemText(index))
        except FilterSyntaxError as error:
            self._show_error(str(error), error.position)

    def choose_cohort(self, name: str) -> None:
        """Switch to a saved cohort (as choosing it in the combo box does)."""
        self.cohort_combo.setCurrentText(name)
        self._on_cohort_chosen(self.cohort_combo.currentIndex())

    def save_cohort(self, name: str, expression: str | None = None) -> None:
        """Save `expression` (default: the expression box) as a named cohort and switch to it."""
        text = self.expression.text() if expression is None else expression
        try:
            self.context.cohorts.add(name, text)
        except (CohortError, FilterSyntaxError) as error:
            self._show_error(str(error), getattr(error, "position", None))
            return
        self._fill_cohorts()
        self.expression.clear()
        self.context.set_filter(expression="", cohort=name.strip())

    def _on_save_clicked(self) -> None:
        name, ok = QInputDialog.getText(self, "Save cohort", "Name of the cohort:")
        if ok and name.strip():
            self.save_cohort(name)

    def _on_remove_clicked(self) -> None:
        name = self.cohort_combo.currentText()
        if name == ALL_ROWS.name:
            return
        self.context.cohorts.remove(name)
        self._fill_cohorts()
        self.context.set_filter(cohort=ALL_ROWS.name)

    # ------------------------------------------------------------------ display
    def _fill_presets(self) -> None:
        model = self.state.model
        task = model.task if model is not None else Task.BINARY
        self.preset_combo.clear()
        for preset in presets_for(task):
            self.preset_combo.addItem(preset.label, preset.key)
            self.preset_combo.setItemData(
                self.preset_combo.count() - 1, preset.help, Qt.ItemDataRole.ToolTipRole
            )
        self._refresh()

    def _fill_cohorts(self) -> None:
        self.cohort_combo.clear()
        self.cohort_combo.addItems(self.context.cohorts.names())
        self.cohort_combo.setCurrentText(self.context.cohort)

    def _refresh(self) -> None:
        ctx = self.context
        index = self.preset_combo.findData(ctx.preset)
        self.preset_combo.setCurrentIndex(max(index, 0))
        if self.expression.text() != ctx.expression:
            self.expression.setText(ctx.expression)
        self._fill_cohorts()
        self.remove_button.setEnabled(ctx.cohort != ALL_ROWS.name)
        self._show_count()
        self._show_message()

    def _show_count(self) -> None:
        data = self.state.data
        total = data.n_rows if data is not None else 0
        self.count_label.setText(f"{self.state.visible_rows.size:,} of {total:,} rows")

    def _show_message(self) -> None:
        self.expression.setStyleSheet("")
        ctx = self.context
        ev = ctx.evaluation_if_ready()  # never encodes a million labels here: a worker does
        lines = list(ctx.hints)
        if ctx.label_problem:
            lines.append(ctx.label_problem)
        if ev is not None and self.state.visible_rows.size:
            wrong = self._wrong_count(ev, self.state.visible_rows)
            what = "misclassified" if ev.is_classifier else "with above-median error"
            lines.append(f"{wrong:,} of the rows shown are {what}.")
        lines.append(
            "Besides the dataset's columns, a filter can use: prediction, predicted, label, "
            "error, confidence, correct."
        )
        self.message.setStyleSheet("color: #666666;")
        self.message.setText("\n".join(lines))
        has_eval = ev is not None or ctx.evaluating
        for widget in (self.next_button, self.prev_button):
            widget.setEnabled(has_eval)

    def _wrong_count(self, ev: Evaluation, rows: np.ndarray) -> int:
        """Mistakes among the visible rows, counted once per (evaluation, rows) pair."""
        key = (id(ev), id(rows))
        if self._wrong is None or self._wrong[0] != key:
            self._wrong = (key, (ev, rows), int(ev.misclassified[rows].sum()))
        return self._wrong[2]

    def _show_error(self, text: str, position: int | None) -> None:
        self.expression.setStyleSheet("QLineEdit { border: 1px solid #d62728; }")
        self.message.setStyleSheet("color: #d62728;")
        self.message.setText(text)
        if position is not None and self.expression.text():
            self.expression.setFocus()
            self.expression.setCursorPosition(min(position, len(self.expression.text())))


def create(state: AppState) -> QWidget:
    return FilterPanel(state)
