"""What-if editor: change the selected row's feature values and see the new prediction and SHAP
values (computed off the GUI thread through the model's single-row path).

A click costs the GUI thread only filling the editors: the range of every numeric feature (a
scan of the whole dataset) is computed once per dataset in a worker, the editors are built once
per model, and a hidden panel only remembers the row and loads it when it is shown."""

from __future__ import annotations

import copy
import math
from collections.abc import Iterator
from contextlib import contextmanager

from PySide6.QtCore import Qt, QTimer
from PySide6.QtGui import QBrush, QColor, QShowEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QSplitter,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from app.core.base import formatting
from app.core.base.errors import ShapLensError
from app.core.base.formatting import feature_value
from app.core.base.types import Task
from app.core.debugging.whatif import InvalidEditError, Ranges, WhatIf, WhatIfResult, feature_ranges
from app.core.explain.models.base import display_output_name
from app.plots import style
from app.ui.docks import dock_of
from app.ui.panels.debug_jobs import cancel_on_destroy, on_screen
from app.ui.panels.whatif_waterfalls import WhatIfWaterfalls
from app.ui.state import AppState

TITLE = "What-if"
TYPING_PAUSE_MS = 350
JOB = "debug-whatif"
RANGES_JOB = "debug-whatif-ranges"
COLUMNS = ("Feature", "Original", "Value", "SHAP (original)", "SHAP (edited)")
MISSING = "(missing)"
WIDE_RATIO = 2.0  # width / height from which the waterfalls sit beside the table
NAME_SHARE = 0.22  # of the table's width, at most, for a feature's name or original value


class WhatIfPanel(QWidget):
    # The table and both waterfalls want room (docks.py): the bottom dock's first height left
    # both waterfalls 'too small to read' at the default window size (issue 17).
    USEFUL_HEIGHT = 460

    def __init__(self, state: AppState, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.state = state
        self.context = state.debug
        self.whatif: WhatIf | None = None
        self.result: WhatIfResult | None = None
        self.editors: dict[str, QWidget] = {}
        self.loaded_row: int | None = None  # the row the editors show
        self.wanted_row: int | None = None  # the row to show (loaded when the panel is shown)
        self.ranges: Ranges | None = None  # numeric features' ranges in `ranges_for`
        self.ranges_for: object | None = None  # the AlignedData they describe
        self._editors_for: object | None = None  # the model the editors were built for
        # Typing re-evaluates after a short pause (nothing happened until Enter before).
        self._typed: tuple[str, QLineEdit] | None = None
        self._typing = state.on_close.add(QTimer(self))
        self._typing.setSingleShot(True)
        self._typing.setInterval(TYPING_PAUSE_MS)
        self._typing.timeout.connect(self._apply_typed)
        self.row_label = QLabel(self)
        self.prediction = QLabel(self)
        self.prediction.setTextFormat(Qt.TextFormat.RichText)
        self.reset_button = QPushButton("Reset all", self)
        self.message = QLabel(self)
        self.message.setWordWrap(True)
        self.table = QTableWidget(0, len(COLUMNS), self)
        self.table.setHorizontalHeaderLabels(list(COLUMNS))
        self.table.verticalHeader().setVisible(False)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setTextElideMode(Qt.TextElideMode.ElideMiddle)
        self._size_columns()
        top = QHBoxLayout()
        top.addWidget(self.row_label)
        top.addStretch(1)
        top.addWidget(self.reset_button)
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(self.prediction)
        layout.addWidget(self.message)
        # The table (numbers, editors) over the two waterfalls (as it is, edited).
        self.waterfalls = WhatIfWaterfalls(self)
        self.split = split = QSplitter(Qt.Orientation.Vertical, self)
        split.addWidget(self.table)
        split.addWidget(self.waterfalls)
        split.setChildrenCollapsible(False)
        layout.addWidget(split, 1)
        cancel_on_destroy(self, self.context.workers, JOB, RANGES_JOB)
        self.reset_button.clicked.connect(self.reset)
        state.row_selected.connect(self.load_row)
        self.context.whatif_requested.connect(self.show_edits)
        state.data_changed.connect(self._on_data_changed)
        state.output_changed.connect(lambda _k: self._show_result())
        self._on_data_changed()

    def _on_data_changed(self) -> None:
        self.context.workers.cancel(JOB)
        self.context.workers.cancel(RANGES_JOB)
        self.whatif = None
        self.result = None
        self.waterfalls.clear()
        self.loaded_row = self.wanted_row = None
        self.table.setRowCount(0)
        self.editors.clear()
        self._editors_for = None
        s = self.state
        if s.selected_row is not None and s.model is not None and s.data is not None:
            self.load_row(s.selected_row)
        else:
            self.row_label.setText("Select a row to edit its values.")
            self.prediction.setText("")

    def load_row(self, row: int) -> None:
        """Show `row` in the editors (now if the panel is on screen, else when it is shown)."""
        s = self.state
        if s.model is None or s.data is None:
            return
        self.wanted_row = int(row)
        self.row_label.setText(f"Row {row}: edit values below; the prediction updates at once.")
        if on_screen(self):
            self._load(int(row))

    def show_edits(self, row: int, edits: dict[str, object]) -> None:
        """Load `row` with these values (a counterfactual chosen elsewhere) and bring the
        panel's dock to the front."""
        s = self.state
        if s.model is None or s.data is None or not 0 <= row < s.data.n_rows:
            return
        dock = dock_of(self)
        if dock is not None:
            dock.show()
            dock.raise_()
        s.select_row(row)
        self.wanted_row = row
        self._load(row)
        for feature, value in edits.items():
            self.set_value(feature, value)

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        if self.wanted_row is not None and self.wanted_row != self.loaded_row:
            self._load(self.wanted_row)

    def _load(self, row: int) -> None:
        s = self.state
        if s.model is None or s.data is None or not 0 <= row < s.data.n_rows:
            return
        self._want_ranges()
        # Until the ranges arrive an edit is checked against none (no extrapolation warning).
        ranges = self.ranges if self.ranges_for is s.data and self.ranges is not None else {}
        self.whatif = WhatIf(s.model, s.data, row, ranges=ranges)
        self.loaded_row = row
        self.message.setText("")
        self._build_table()
        self.evaluate()

    def _want_ranges(self) -> None:
        """Start computing the data's feature ranges, once per dataset."""
        s = self.state
        if self.ranges_for is s.data or s.model is None or s.data is None:
            return
        data = s.data
        self.ranges_for, self.ranges = data, None

        def done(ranges: Ranges) -> None:
            if self.ranges_for is not data:
                return
            self.ranges = ranges
            if self.whatif is not None and self.whatif.data is data:
                self.whatif.ranges = ranges
                self._show_ranges()

        def failed(error: object) -> None:
            self.ranges_for = None
            self.message.setText(f"Could not read the ranges of the features: {error}")

        self.context.workers.run(
            RANGES_JOB, feature_ranges, data.X, s.model.features, on_result=done, on_error=failed
        )

    @contextmanager
    def _bulk(self) -> Iterator[None]:
        """Many cells at once: with ResizeToContents every setItem re-measures its column
        (~0.5 ms each, 0.15 s for a 50-feature row); measure once at the end instead."""
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        try:
            yield
        finally:
            self._size_columns()

    def _size_columns(self) -> None:
        """Columns fit their contents, but a long feature name or original value takes at most
        NAME_SHARE of the width (shortened in the middle, whole in its tooltip): 60-letter
        names pushed the editable values out of view in a docked panel."""
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(2, QHeaderView.ResizeMode.Stretch)
        cap = int(self.table.viewport().width() * NAME_SHARE)
        for column in (0, 1):  # the name, and the original value (long category labels)
            if cap > 0 and header.sectionSize(column) > cap:
                header.setSectionResizeMode(column, QHeaderView.ResizeMode.Interactive)
                header.resizeSection(column, cap)

    def resizeEvent(self, event) -> None:  # type: ignore[override]
        super().resizeEvent(event)
        # A wide, short dock puts the waterfalls beside the table (under it they got 60 px).
        wide = self.width() >= WIDE_RATIO * self.height()
        self.split.setOrientation(Qt.Orientation.Horizontal if wide else Qt.Orientation.Vertical)
        self._size_columns()

    def _build_table(self) -> None:
        with self._bulk():
            self._fill_table()

    def _fill_table(self) -> None:
        """Fill the editors with the row's values (built once per model)."""
        w = self.whatif
        assert w is not None
        features = w.model.features
        if self._editors_for is not w.model or self.table.rowCount() != len(features):
            self._make_editors(features)
            self._editors_for = w.model
        for r, spec in enumerate(features):
            original = w.display_value(spec.name)
            name = QTableWidgetItem(spec.name)
            name.setToolTip(spec.name)
            self.table.setItem(r, 0, name)
            shown = QTableWidgetItem(feature_value(original))
            shown.setToolTip(shown.text())
            self.table.setItem(r, 1, shown)
            editor = self.editors[spec.name]
            if isinstance(editor, QComboBox):
                editor.setCurrentText(MISSING if original is None else str(original))
            elif isinstance(editor, QLineEdit):
                editor.setText("" if original is None else f"{original:.10g}")
                editor.setCursorPosition(0)  # a narrow field shows '-0.87…', not '21559599'
            for col in (3, 4):
                self.table.setItem(r, col, QTableWidgetItem(""))
        self._show_ranges()

    def _make_editors(self, features: list) -> None:
        self.editors.clear()
        self.table.setRowCount(len(features))
        for r, spec in enumerate(features):
            if spec.is_categorical and spec.categories:
                combo = QComboBox(self.table)
                combo.addItems([*spec.categories, MISSING])
                combo.activated.connect(
                    lambda _i, n=spec.name, c=combo: self._edited(n, c.currentText())
                )
                editor: QWidget = combo
            else:
                line = QLineEdit(self.table)
                line.editingFinished.connect(lambda n=spec.name, e=line: self._edited(n, e.text()))
                line.textEdited.connect(lambda _t, n=spec.name, e=line: self._on_typed(n, e))
                editor = line
            self.table.setCellWidget(r, 2, editor)
            self.editors[spec.name] = editor

    def _show_ranges(self) -> None:
        w = self.whatif
        if w is None or not w.ranges:
            return
        for name, editor in self.editors.items():
            bounds = w.ranges.get(name)
            if isinstance(editor, QLineEdit) and bounds:
                editor.setPlaceholderText("missing")
                editor.setToolTip(f"In the data: {bounds[0]:g} … {bounds[1]:g}; empty = missing")

    def set_value(self, feature: str, value: object) -> None:
        """Edit one feature (as typing into its editor does) and re-evaluate."""
        editor = self.editors.get(feature)
        text = "" if value is None else str(value)
        if isinstance(editor, QComboBox):
            editor.setCurrentText(MISSING if value is None else text)
        elif isinstance(editor, QLineEdit):
            editor.setText(text)
            editor.setCursorPosition(0)
        self._edited(feature, text)

    def _on_typed(self, feature: str, editor: QLineEdit) -> None:
        self._typed = (feature, editor)
        self._typing.start()

    def _apply_typed(self) -> None:
        if self._typed is not None:
            feature, editor = self._typed
            self._edited(feature, editor.text(), while_typing=True)

    def _edited(self, feature: str, text: str, while_typing: bool = False) -> None:
        if self.whatif is None:
            return
        value = None if text == MISSING else text
        try:
            warnings = self.whatif.set_value(feature, value)
        except InvalidEditError as error:
            if while_typing:  # "-" or "1e" on the way to a number: judged when typing ends
                return
            self.message.setStyleSheet("color: #d62728;")
            self.message.setText(str(error))
            return
        self.message.setStyleSheet("color: #8a6d00;" if warnings else "")
        self.message.setText("\n".join(warnings))
        self.evaluate()

    def reset(self) -> None:
        if self.whatif is not None:
            self._load(self.whatif.row)

    def evaluate(self) -> None:
        if self.whatif is None:
            return
        # The worker gets its own copy: further edits on the GUI thread must not race with it.
        snapshot = copy.copy(self.whatif)
        snapshot.edits = dict(self.whatif.edits)
        self.context.workers.run(
            JOB,
            snapshot.evaluate,
            on_result=self._on_result,
            on_error=self._on_error,
        )

    def _on_result(self, result: WhatIfResult) -> None:
        self.result = result
        self._show_result()

    def _on_error(self, error: object) -> None:
        text = str(error) if isinstance(error, ShapLensError) else f"Could not predict: {error}"
        self.message.setText(text)

    def _show_result(self) -> None:
        with self._bulk():
            self._fill_result()
        self.waterfalls.show_result(self.state, self.result, self.state.output_index)

    def _fill_result(self) -> None:
        r, s = self.result, self.state
        if r is None or s.model is None:
            return
        k = s.output_index
        original_values = s.row_values(r.row)
        names = s.model.feature_names
        pal = style.palette()
        for i, name in enumerate(names):
            before = original_values[0][i, k] if original_values is not None else math.nan
            for col, value in ((3, before), (4, float(r.values[i, k]))):
                item = QTableWidgetItem(formatting.signed(value))
                item.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
                item.setForeground(QBrush(QColor(pal.positive if value > 0 else pal.negative)))
                self.table.setItem(i, col, item)
            changed = name in r.changed
            for col in (0, 1):
                cell = self.table.item(i, col)
                if cell is not None:
                    font = cell.font()
                    font.setBold(changed)
                    cell.setFont(font)
        self.prediction.setText(self._prediction_text(r, k))

    def _prediction_text(self, r: WhatIfResult, k: int) -> str:
        model = self.state.model
        assert model is not None
        new, old = float(r.prediction[k]), float(r.original_prediction[k])
        if model.task is Task.REGRESSION:
            what = "prediction"
            fmt = "{:.4g}"
        else:
            what = f"P({display_output_name(model.output_names[k])})"
            fmt = "{:.3f}"
        arrow = "▲" if new > old else ("▼" if new < old else "=")
        edits = ", ".join(r.changed) if r.changed else "no edits"
        text = f"{what}: {fmt.format(old)} → <b>{fmt.format(new)}</b> {arrow} ({edits})"
        if model.task is Task.BINARY:
            t = self.state.threshold
            flipped = (old >= t) != (new >= t)
            if flipped:
                text += f" — <b>the decision flips</b> at threshold {t:.2f}"
        return text


def create(state: AppState) -> QWidget:
    return WhatIfPanel(state)
