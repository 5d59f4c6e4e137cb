"""Tables in docked panels: rows one text line high, so a short dock still shows several."""

from __future__ import annotations

from PySide6.QtWidgets import QAbstractItemView, QHeaderView, QTableWidget

ROW_PADDING_PX = 6


def compact_rows(table: QTableWidget) -> None:
    """One line of text per row (Qt's default row height, about 30 px, showed three rows in a
    docked panel of the default window)."""
    rows = table.verticalHeader()
    height = table.fontMetrics().height() + ROW_PADDING_PX
    rows.setMinimumSectionSize(height)
    rows.setDefaultSectionSize(height)
    rows.setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
    table.setWordWrap(False)
    table.setHorizontalScrollMode(QAbstractItemView.ScrollMode.ScrollPerPixel)


def fully_visible_rows(table: QTableWidget) -> int:
    """How many rows are shown whole in the table's viewport (the tests' measure)."""
    viewport = table.viewport().height()
    return sum(
        1
        for r in range(table.rowCount())
        if table.rowViewportPosition(r) >= 0
        and table.rowViewportPosition(r) + table.rowHeight(r) <= viewport
    )
