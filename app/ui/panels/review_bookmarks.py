"""Bookmarked rows: add the selected row with a tag and a note, filter, edit, jump, export CSV."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QFileDialog,
    QHBoxLayout,
    QHeaderView,
    QLineEdit,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)
from superqt.utils import signals_blocked

from app.core.base.errors import ShapLensError
from app.core.review.bookmarks import Bookmark
from app.ui.settings import Settings
from app.ui.state import AppState

TITLE = "Bookmarks"
ALL_TAGS = "All tags"
COLUMNS = ["Row", "Tag", "Note", "Prediction", "Added"]
TAG_COLUMN, NOTE_COLUMN = 1, 2


class BookmarksPanel(QWidget):
    def __init__(self, state: AppState, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.state = state
        self.review = state.review
        self.shown: list[Bookmark] = []
        self._filling = False

        self.tag_edit = QComboBox(self)
        self.tag_edit.setEditable(True)
        self.tag_edit.setPlaceholderText("tag")
        self.tag_edit.lineEdit().setPlaceholderText("tag, e.g. surprising")
        self.note_edit = QLineEdit(self)
        self.note_edit.setPlaceholderText("note about the selected row")
        self.add_button = QPushButton("Bookmark selected row", self)
        self.tag_filter = QComboBox(self)
        self.search = QLineEdit(self)
        self.search.setPlaceholderText("search notes and tags")
        self.search.setClearButtonEnabled(True)
        self.remove_button = QPushButton("Remove", self)
        self.export_button = QPushButton("Export CSV…", self)
        self.table = QTableWidget(0, len(COLUMNS), self)
        self.table.setHorizontalHeaderLabels(COLUMNS)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.verticalHeader().setVisible(False)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(NOTE_COLUMN, QHeaderView.ResizeMode.Stretch)
        self.table.setToolTip("Double-click the tag or note to edit it; click a row to select it")

        add_row = QHBoxLayout()
        add_row.addWidget(self.tag_edit)
        add_row.addWidget(self.note_edit, 1)
        add_row.addWidget(self.add_button)
        filter_row = QHBoxLayout()
        filter_row.addWidget(self.tag_filter)
        filter_row.addWidget(self.search, 1)
        filter_row.addWidget(self.remove_button)
        filter_row.addWidget(self.export_button)
        layout = QVBoxLayout(self)
        layout.addLayout(add_row)
        layout.addLayout(filter_row)
        layout.addWidget(self.table, 1)

        self.add_button.clicked.connect(self.add_selected)
        self.note_edit.returnPressed.connect(self.add_selected)
        self.remove_button.clicked.connect(self.remove_current)
        self.export_button.clicked.connect(lambda: self.export_csv())
        self.tag_filter.currentIndexChanged.connect(lambda _i: self.refresh())
        self.search.textChanged.connect(lambda _t: self.refresh())
        self.table.cellClicked.connect(self._on_cell_clicked)
        self.table.itemChanged.connect(self._on_item_changed)
        # Queued: an edit in the table changes the bookmarks, which must not rebuild the table
        # while Qt is still inside that cell's itemChanged.
        self.review.bookmarks_changed.connect(self.refresh, Qt.ConnectionType.QueuedConnection)
        state.row_selected.connect(lambda _r: self._update_enabled())
        state.data_changed.connect(self._update_enabled)
        self.refresh()

    # ----------------------------------------------------------------- actions
    def add_selected(self) -> None:
        row = self.state.selected_row
        if row is None:
            self.state.report_status("Select a row to bookmark it")
            return
        self.review.bookmarks.add(row, self.tag_edit.currentText(), self.note_edit.text())
        self.note_edit.clear()

    def remove_current(self) -> None:
        index = self.table.currentRow()
        if 0 <= index < len(self.shown):
            self.review.bookmarks.remove(self.shown[index].row)

    def export_csv(self, path: Path | None = None) -> Path | None:
        """Write the bookmarks shown (after filtering) with their rows' data to CSV."""
        if path is None:
            settings = Settings()
            chosen, _ = QFileDialog.getSaveFileName(
                self, "Export bookmarks", settings.save_start("bookmarks.csv"), "CSV files (*.csv)"
            )
            if not chosen:
                return None
            path = Path(chosen)
            settings.remember_save(path)
        frame = self.state.data.frame if self.state.data is not None else None
        try:
            inputs = (self.state.model_path, self.state.data_path)
            written = self.review.bookmarks.export_csv(
                path,
                frame,
                items=list(self.shown),
                inputs=inputs,
                redaction=self.review.redaction,
            )
        except ShapLensError as error:
            self.state.report_error(str(error))
            return None
        self.state.report_status(f"{len(self.shown)} bookmarks written to {written.name}")
        return written

    # ----------------------------------------------------------------- drawing
    def _filters(self) -> tuple[str | None, str]:
        tag = self.tag_filter.currentText()
        return (None if tag in ("", ALL_TAGS) else tag), self.search.text().strip()

    def _fill_tags(self) -> None:
        tags = self.review.bookmarks.tags()
        current = self.tag_filter.currentText()
        with signals_blocked(self.tag_filter):
            self.tag_filter.clear()
            self.tag_filter.addItems([ALL_TAGS, *tags])
            self.tag_filter.setCurrentIndex(max(self.tag_filter.findText(current), 0))
        typed = self.tag_edit.currentText()
        self.tag_edit.clear()
        self.tag_edit.addItems(tags)
        self.tag_edit.setCurrentText(typed)

    def _prediction(self, row: int) -> str:
        predictions = self.state.predictions()
        if predictions is None or row >= len(predictions):
            return ""
        return f"{float(predictions[row, self.state.output_index]):.3g}"

    def refresh(self) -> None:
        self._fill_tags()
        tag, text = self._filters()
        self.shown = self.review.bookmarks.filter(tag, text)
        self._filling = True
        self.table.setRowCount(len(self.shown))
        for i, mark in enumerate(self.shown):
            cells = [str(mark.row), mark.tag, mark.note, self._prediction(mark.row), mark.created]
            for j, value in enumerate(cells):
                item = QTableWidgetItem(value)
                if j not in (TAG_COLUMN, NOTE_COLUMN):
                    item.setFlags(item.flags() & ~Qt.ItemFlag.ItemIsEditable)
                self.table.setItem(i, j, item)
        self._filling = False
        self._update_enabled()

    def _update_enabled(self) -> None:
        self.add_button.setEnabled(self.state.selected_row is not None)
        self.remove_button.setEnabled(bool(self.shown))
        self.export_button.setEnabled(bool(self.shown))

    def _on_cell_clicked(self, index: int, _column: int) -> None:
        if 0 <= index < len(self.shown):
            self.state.select_row(self.shown[index].row)

    def _on_item_changed(self, item: QTableWidgetItem) -> None:
        if self._filling or not 0 <= item.row() < len(self.shown):
            return
        row = self.shown[item.row()].row
        if item.column() == TAG_COLUMN:
            self.review.bookmarks.update(row, tag=item.text())
        elif item.column() == NOTE_COLUMN:
            self.review.bookmarks.update(row, note=item.text())


def create(state: AppState) -> QWidget:
    return BookmarksPanel(state)
