"""The first columns of a table kept in view when it scrolls sideways (Qt's frozen-column idea).

A second QTableView lies over the left edge of the table, showing only its first `count`
columns. It shares the table's model and selection model, so a click in it selects the row
everywhere, and it follows the table's vertical scrolling, column widths and sort order.
"""

from __future__ import annotations

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtWidgets import QHeaderView, QTableView


class FrozenColumns(QTableView):
    def __init__(self, table: QTableView, count: int) -> None:
        super().__init__(table)
        self.table, self.count = table, count
        self.setModel(table.model())
        self.setSelectionModel(table.selectionModel())
        self.setFocusPolicy(Qt.FocusPolicy.NoFocus)  # keys go to the table
        self.setSelectionBehavior(table.selectionBehavior())
        self.setSelectionMode(table.selectionMode())
        self.setAlternatingRowColors(table.alternatingRowColors())
        self.setWordWrap(False)
        self.setToolTip(table.toolTip())
        self.verticalHeader().hide()
        rows = self.verticalHeader()
        rows.setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        rows.setDefaultSectionSize(table.verticalHeader().defaultSectionSize())
        self.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        self.horizontalHeader().setHighlightSections(False)
        self.horizontalHeader().setSortIndicatorShown(True)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setVerticalScrollMode(table.verticalScrollMode())
        self.setFrameShape(QTableView.Shape.NoFrame)
        # A line where the frozen part ends, so the scrolled columns visibly pass under it.
        self.setStyleSheet("QTableView { border-right: 1px solid palette(mid); }")
        table.viewport().stackUnder(self)

        self.horizontalHeader().sectionClicked.connect(self._on_header_clicked)
        table.horizontalHeader().sortIndicatorChanged.connect(self._on_sorted)
        table.horizontalHeader().sectionResized.connect(self._on_section_resized)
        self.verticalScrollBar().valueChanged.connect(table.verticalScrollBar().setValue)
        table.verticalScrollBar().valueChanged.connect(self.verticalScrollBar().setValue)
        self.model().modelReset.connect(self.sync_columns)
        self.model().columnsInserted.connect(self.sync_columns)
        self.sync_columns()

    def frozen(self) -> int:
        """How many columns are frozen: `count`, or fewer when the table has fewer."""
        return min(self.count, self.model().columnCount())

    def sync_columns(self, *_: object) -> None:
        n = self.frozen()
        for c in range(self.model().columnCount()):
            self.setColumnHidden(c, c >= n)
            if c < n:
                self.setColumnWidth(c, self.table.columnWidth(c))
        self.setVisible(n > 0)
        self.update_geometry()

    def _on_section_resized(self, column: int, _old: int, new: int) -> None:
        if column < self.frozen():
            self.setColumnWidth(column, new)
            self.update_geometry()

    def _on_sorted(self, column: int, order: Qt.SortOrder) -> None:
        self.horizontalHeader().setSortIndicator(column, order)

    def _on_header_clicked(self, column: int) -> None:
        """Sort the table as its own header would: a second click reverses the order."""
        header = self.table.horizontalHeader()
        order = Qt.SortOrder.AscendingOrder
        if header.sortIndicatorSection() == column:
            ascending = header.sortIndicatorOrder() == Qt.SortOrder.AscendingOrder
            order = Qt.SortOrder.DescendingOrder if ascending else Qt.SortOrder.AscendingOrder
        self.table.sortByColumn(column, order)

    def update_geometry(self) -> None:
        t = self.table
        width = sum(t.columnWidth(c) for c in range(self.frozen()))
        frame = t.frameWidth()
        self.setGeometry(
            t.verticalHeader().width() + frame,
            frame,
            width,
            t.viewport().height() + t.horizontalHeader().height(),
        )
        self.verticalScrollBar().setValue(t.verticalScrollBar().value())


def keep_clear_of(
    frozen: FrozenColumns, table: QTableView, index: QModelIndex | QPersistentModelIndex
) -> None:
    """Scroll sideways so a cell right of the frozen part is not hidden under it."""
    if not index.isValid() or index.column() < frozen.frozen() or not frozen.isVisible():
        return
    left = table.columnViewportPosition(index.column())
    hidden_by = frozen.width() - left
    if hidden_by > 0:
        bar = table.horizontalScrollBar()
        bar.setValue(bar.value() - hidden_by)
