"""The rows table: one line per dataset row with prediction, label and data columns.

Sorting and filtering never touch pandas per cell: the model keeps `order`, a numpy array of
dataset row positions (the visible rows in sorted order), and every cell looks its row up there,
so a million rows scroll without delay. A big table (more than SYNC_SORT_ROWS rows) sorts each
column once over all rows in a worker (an argsort of 1M keys takes ~150 ms, a visible stall);
the result is kept per (column, direction), so sorting again or filtering is an O(n) mask over
that order, a few ms.
"""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import (
    QAbstractTableModel,
    QItemSelectionModel,
    QModelIndex,
    QPersistentModelIndex,
    Qt,
)
from PySide6.QtWidgets import QAbstractItemView, QHeaderView, QTableView, QWidget
from superqt.utils import qdebounced

from app.ui.frozen_columns import FrozenColumns, keep_clear_of
from app.ui.state import AppState

# Columns live in app.ui.table_columns; these names stay importable from here.
from app.ui.table_columns import (
    BAD,
    BOOKMARK_HEADER,
    GOOD,
    Column,
    _sort_key,
    bookmark_values,
    build_columns,
)
from app.workers import Workers

__all__ = [
    "BAD",
    "BOOKMARK_HEADER",
    "GOOD",
    "MAX_WIDTH",
    "MIN_WIDTH",
    "SIZE_SAMPLE_ROWS",
    "SYNC_SORT_ROWS",
    "Column",
    "RowsModel",
    "RowsTable",
    "_sort_key",
    "bookmark_values",
    "build_columns",
    "full_order",
]

Index = QModelIndex | QPersistentModelIndex

SYNC_SORT_ROWS = 200_000  # up to this many rows a sort on the GUI thread takes < ~20 ms
# Column widths are fitted to the header and this many rows: Qt's resizeColumnsToContents asks
# every column's cells through data() (~0.3 s for a million rows with text columns).
SIZE_SAMPLE_ROWS = 200
MIN_WIDTH, MAX_WIDTH = 48, 220
THRESHOLD_DEBOUNCE_MS = 100
FROZEN_COLUMNS = 2  # "#" and the prediction: build_columns puts them first
_DISPLAY = int(Qt.ItemDataRole.DisplayRole.value)
_ALIGNMENT = int(Qt.ItemDataRole.TextAlignmentRole.value)
_FOREGROUND = int(Qt.ItemDataRole.ForegroundRole.value)
_TOOLTIP = int(Qt.ItemDataRole.ToolTipRole.value)
_ANSWERED_ROLES = frozenset({_DISPLAY, _ALIGNMENT, _FOREGROUND, _TOOLTIP})
_RIGHT = int((Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter).value)
_CENTRE = int(Qt.AlignmentFlag.AlignCenter.value)


def full_order(column: Column, descending: bool) -> np.ndarray:
    """Every dataset row, sorted by the column (stable; missing values last either way)."""
    key = column.key()
    key = -key if descending else key.copy()
    key[np.isnan(key)] = np.inf
    return np.argsort(key, kind="stable")


class RowsModel(QAbstractTableModel):
    """Cells of the visible rows in sorted order; `order[i]` is the dataset row of table row i."""

    def __init__(self, state: AppState, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.state = state
        self.columns: list[Column] = []
        self.order = np.empty(0, dtype=np.int64)
        self._position: np.ndarray | None = None  # inverse of order, built when needed
        self.sort_column, self.sort_descending = 0, False
        self._built_for: tuple[object, object] = (None, None)  # (model, data) of the columns
        self._orders: dict[tuple[int, bool], np.ndarray] = {}  # full orders of big tables
        self._workers: Workers | None = None  # created for the first big sort
        self._order_of: np.ndarray | None = None  # the visible rows `order` was made from
        state.data_changed.connect(self.rebuild)
        state.label_changed.connect(self.rebuild)
        state.output_changed.connect(self.rebuild)
        # Only the predicted class depends on the threshold: a dragged slider rebuilds once it
        # rests (a rebuild is ~25 ms at a million rows, on top of the panels' own work).
        self._rebuild_soon = state.on_close.add(
            qdebounced(self.rebuild, timeout=THRESHOLD_DEBOUNCE_MS, parent=self)
        )
        state.threshold_changed.connect(self._rebuild_soon)
        state.visible_rows_changed.connect(self._apply_order)
        state.review.bookmarks_changed.connect(self._on_bookmarks_changed)

    def rebuild(self, *_: object) -> None:
        self._rebuild_soon.cancel()
        self.beginResetModel()
        if self._workers is not None:
            self._workers.cancel("sort")
        self._orders = {}
        self.columns = build_columns(self.state)
        self._built_for = (self.state.model, self.state.data)
        if self.sort_column >= len(self.columns):
            self.sort_column, self.sort_descending = 0, False
        self._set_order()
        self.endResetModel()

    def _set_order(self) -> None:
        rows = self.state.visible_rows
        n = self.columns[0].values.shape[0] if self.columns else 0
        sort = (self.sort_column, self.sort_descending)
        if not self.columns or rows.size == 0 or sort == (0, False):
            self.order = rows.astype(np.int64)  # visible rows are kept sorted by row number
        elif sort in self._orders:
            full = self._orders[sort]
            if rows.size == n:
                self.order = full
            else:
                keep = np.zeros(n, dtype=bool)
                keep[rows] = True
                self.order = full[keep[full]]
        elif n <= SYNC_SORT_ROWS:
            key = self.columns[self.sort_column].key()[rows]
            if self.sort_descending:
                key = -key
            key[np.isnan(key)] = np.inf  # missing values last either way
            self.order = rows[np.argsort(key, kind="stable")]
        else:
            self._sort_in_background(*sort)
            if self._order_of is not rows:
                self.order = rows.astype(np.int64)  # other rows: unsorted until the order arrives
        self._order_of = rows
        self._position = None

    def _on_bookmarks_changed(self) -> None:
        """Refresh the ★ column in place (no reset: selection and scroll position stay)."""
        c = next((i for i, col in enumerate(self.columns) if col.header == BOOKMARK_HEADER), None)
        if c is None:
            return
        column = self.columns[c]
        column.values = bookmark_values(self.state, column.values.shape[0])
        column._key = None
        for sort in [(c, False), (c, True)]:
            self._orders.pop(sort, None)
        if self.sort_column == c:
            self.layoutAboutToBeChanged.emit()
            self._set_order()
            self.layoutChanged.emit()
        elif self.order.size:
            top, bottom = self.index(0, c), self.index(int(self.order.size) - 1, c)
            self.dataChanged.emit(top, bottom, [Qt.ItemDataRole.DisplayRole])

    def _sort_in_background(self, column: int, descending: bool) -> None:
        if self._workers is None:
            self._workers = self.state.on_close.add(Workers(self))
        columns = self.columns

        def on_result(order: np.ndarray) -> None:
            if columns is not self.columns:
                return  # the data changed meanwhile
            self._orders[(column, descending)] = order
            if (self.sort_column, self.sort_descending) == (column, descending):
                self.layoutAboutToBeChanged.emit()
                self._set_order()
                self.layoutChanged.emit()

        self._workers.run(
            "sort",
            full_order,
            columns[column],
            descending,
            on_result=on_result,
            on_error=lambda error: self.state.report_error(f"Sorting failed: {error}"),
        )

    def sorting(self) -> bool:
        """A big sort is still running in the background."""
        return self._workers is not None and self._workers.is_running("sort")

    def _apply_order(self) -> None:
        model, data = self._built_for
        if model is not self.state.model or data is not self.state.data:
            # A model_changed listener (the filter) can move visible rows of the new data
            # before data_changed has reached us: columns of the old data cannot sort them.
            self.rebuild()
            return
        self.beginResetModel()
        self._set_order()
        self.endResetModel()

    # ---------------------------------------------------------------- Qt model API
    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else int(self.order.size)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.columns)

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> object:
        # Painting a cell asks for about ten roles, each a Python call: unanswered roles return
        # before any lookup (a click that scrolls the table repaints every visible cell).
        if role not in _ANSWERED_ROLES or not index.isValid():
            return None
        column = self.columns[index.column()]
        if role == _ALIGNMENT:
            if column.numeric:
                return _RIGHT
            return _CENTRE if column.header == BOOKMARK_HEADER else None
        row = int(self.order[index.row()])
        if role == _DISPLAY:
            return column.text(column.value(row))
        if role == _FOREGROUND:
            return None if column.colour is None else column.colour(column.value(row))
        return None if column.cell_tooltip is None else column.cell_tooltip(row)

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> object:
        if orientation != Qt.Orientation.Horizontal or section >= len(self.columns):
            return None
        if role == Qt.ItemDataRole.DisplayRole:
            return self.columns[section].header
        if role == Qt.ItemDataRole.ToolTipRole:
            return self.columns[section].tooltip + " — click to sort"
        return None

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        self.sort_column = column
        self.sort_descending = order == Qt.SortOrder.DescendingOrder
        self.layoutAboutToBeChanged.emit()
        self._set_order()  # a big table keeps its order until the background sort arrives
        self.layoutChanged.emit()

    # ---------------------------------------------------------------- row lookups
    def dataset_row(self, table_row: int) -> int:
        return int(self.order[table_row])

    def table_row(self, dataset_row: int) -> int | None:
        if self._position is None:
            n = self.state.data.n_rows if self.state.data is not None else 0
            self._position = np.full(n, -1, dtype=np.int64)
            self._position[self.order] = np.arange(self.order.size)
        if not 0 <= dataset_row < self._position.size or self._position[dataset_row] < 0:
            return None
        return int(self._position[dataset_row])


class RowsTable(QTableView):
    """The table widget: sortable; its current row is the state's selected row and vice versa."""

    def __init__(self, state: AppState, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.state = state
        self.rows_model = RowsModel(state, self)
        self.setModel(self.rows_model)
        self.setSortingEnabled(True)
        self.horizontalHeader().setSortIndicator(0, Qt.SortOrder.AscendingOrder)
        self.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.setAlternatingRowColors(True)
        self.setWordWrap(False)
        self.verticalHeader().hide()
        # Fixed row heights keep a million rows cheap to lay out.
        self.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        self.verticalHeader().setDefaultSectionSize(self.fontMetrics().height() + 6)
        self.horizontalHeader().setDefaultSectionSize(90)
        self.horizontalHeader().setHighlightSections(False)
        self.horizontalHeader().setResizeContentsPrecision(100)
        self._sized_for: list[str] = []
        self.setToolTip(
            "Rows of the dataset. Click a row to explain it; Up/Down move through rows."
        )
        self.setHorizontalScrollMode(QAbstractItemView.ScrollMode.ScrollPerPixel)
        # Row number and prediction stay in view when the data columns scroll sideways.
        self.frozen = FrozenColumns(self, FROZEN_COLUMNS)
        self.selectionModel().currentRowChanged.connect(self._on_current_row_changed)
        state.row_selected.connect(self._on_state_row_selected)
        self.rows_model.modelReset.connect(self._on_model_reset)
        self.rows_model.layoutChanged.connect(self._restore_selection)

    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
        self.frozen.update_geometry()

    def scrollTo(self, index: Index, hint=QAbstractItemView.ScrollHint.EnsureVisible) -> None:
        super().scrollTo(index, hint)
        keep_clear_of(self.frozen, self, index)

    def _on_current_row_changed(self, current: QModelIndex, _previous: QModelIndex) -> None:
        if current.isValid():
            self.state.select_row(self.rows_model.dataset_row(current.row()))

    def _on_state_row_selected(self, row: int) -> None:
        table_row = self.rows_model.table_row(row)
        if table_row is None:
            return
        current = self.currentIndex()
        if current.isValid() and current.row() == table_row:
            return
        index = self.rows_model.index(table_row, max(current.column(), 0))
        flags = (
            QItemSelectionModel.SelectionFlag.ClearAndSelect
            | QItemSelectionModel.SelectionFlag.Rows
        )
        self.selectionModel().setCurrentIndex(index, flags)
        self.scrollTo(index)

    def _on_model_reset(self) -> None:
        columns = [c.header for c in self.rows_model.columns]
        if columns != self._sized_for:
            # Fit new columns to their headers and a sample of rows (once, not on every filter).
            self._sized_for = columns
            self.fit_columns()
        self._restore_selection()

    def fit_columns(self) -> None:
        """Width of each column from its header and the first SIZE_SAMPLE_ROWS rows' text."""
        model = self.rows_model
        cells = self.fontMetrics()
        header = self.horizontalHeader().fontMetrics()
        pad = 2 * self.style().pixelMetric(self.style().PixelMetric.PM_FocusFrameHMargin) + 10
        sample = model.order[:SIZE_SAMPLE_ROWS]
        # The highest row number is the widest "#", wherever it sorts ("235…" was cut).
        last_row = str(int(model.order.max())) if len(model.order) else ""
        for c, column in enumerate(model.columns):
            widest = max(
                (cells.horizontalAdvance(column.text(column.value(int(r)))) for r in sample),
                default=0,
            )
            if column.header == "#":
                widest = max(widest, cells.horizontalAdvance(last_row))
            # the header also holds the sort arrow
            width = max(widest + pad, header.horizontalAdvance(column.header) + pad + 16)
            self.setColumnWidth(c, min(max(width, MIN_WIDTH), MAX_WIDTH))

    def _restore_selection(self) -> None:
        self.rows_model._position = None
        if self.state.selected_row is not None:
            self._on_state_row_selected(self.state.selected_row)
