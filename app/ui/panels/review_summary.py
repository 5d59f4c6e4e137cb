"""The selected row in one plain sentence, following the selection, class and glossary."""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import Qt
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from app.core.review.sentences import RowSummary, summarize_explained_row
from app.ui.state import AppState

TITLE = "Summary"
EMPTY = "Select a row to read why the model predicts what it does."


class SummaryPanel(QWidget):
    def __init__(self, state: AppState, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.state = state
        self.review = state.review
        self.summary: RowSummary | None = None
        self.shared_text = ""
        self._average_of: np.ndarray | None = None  # the predictions _average_value is for
        self._average_value: np.ndarray | None = None
        self.heading = QLabel(self)
        self.heading.setStyleSheet("font-weight: bold;")
        self.sentence = QLabel(EMPTY, self)
        self.sentence.setWordWrap(True)
        self.sentence.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.sentence.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)
        font = self.sentence.font()
        font.setPointSizeF(font.pointSizeF() * 1.15)
        self.sentence.setFont(font)
        self.copy_button = QPushButton("Copy", self)
        self.copy_button.setToolTip("Copy the sentence to the clipboard")
        self.bookmark_button = QPushButton("Bookmark row", self)
        self.bookmark_button.setToolTip(
            "Add this row to the bookmarks (tag and note in the Bookmarks panel)"
        )
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        buttons.addWidget(self.copy_button)
        buttons.addWidget(self.bookmark_button)
        layout = QVBoxLayout(self)
        layout.addWidget(self.heading)
        layout.addWidget(self.sentence, 1)
        layout.addLayout(buttons)

        self.copy_button.clicked.connect(self.copy)
        self.bookmark_button.clicked.connect(self.bookmark)
        state.row_selected.connect(lambda _row: self.refresh())
        state.row_explained.connect(self._on_row_explained)
        state.explanation_changed.connect(self._on_explanation_changed)
        state.output_changed.connect(lambda _k: self.refresh())
        state.data_changed.connect(self.refresh)
        self.review.glossary_changed.connect(self.refresh)
        self.review.redaction_changed.connect(self.refresh)
        self.refresh()

    def _on_row_explained(self, row: int) -> None:
        if row == self.state.selected_row:
            self.refresh()

    def _on_explanation_changed(self) -> None:
        # Chunks arrive often; only redraw while the selected row is still waiting for values.
        if self.summary is None:
            self.refresh()

    def refresh(self) -> None:
        s = self.state
        row = s.selected_row
        self.summary = None
        enabled = s.ready and row is not None
        self.copy_button.setEnabled(False)
        self.bookmark_button.setEnabled(enabled)
        if not enabled:
            self.heading.setText("")
            self.sentence.setText(EMPTY)
            return
        self.heading.setText(f"Row {row}")
        known = s.row_values(row)
        if known is None:
            self.sentence.setText(f"Explaining row {row}…")
            return
        values, base = known
        average = self._average()
        self.summary = summarize_explained_row(
            s.model, s.data, row, values, base, s.output_index, self.review.glossary, average
        )
        # What leaves the app (the clipboard) says the contribution of a personal column but
        # not its value.
        self.shared_text = summarize_explained_row(
            s.model, s.data, row, values, base, s.output_index, self.review.glossary, average,
            redacted=self.review.redaction.columns,
        ).text  # fmt: skip
        self.sentence.setText(self.summary.text)
        self.copy_button.setEnabled(True)

    def _average(self) -> np.ndarray | None:
        """The mean prediction over every row, computed once per set of predictions (a click
        must not cost O(rows))."""
        predictions = self.state.predictions()
        if predictions is None:
            return None
        if self._average_of is not predictions:
            self._average_of = predictions
            self._average_value = predictions.mean(axis=0)
        return self._average_value

    def copy(self) -> None:
        if self.summary is not None:
            QGuiApplication.clipboard().setText(self.shared_text)

    def bookmark(self) -> None:
        row = self.state.selected_row
        if row is None:
            return
        existing = self.review.bookmarks.get(row)
        if existing is None:  # keep the tag and note of a row bookmarked before
            self.review.bookmarks.add(row)
        self.state.report_status(f"Row {row} bookmarked")


def create(state: AppState) -> QWidget:
    return SummaryPanel(state)
