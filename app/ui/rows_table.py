"""The rows table: one line per dataset row with prediction, label and data columns.

Sorting and filtering never touch pandas per cell: the model keeps `order`, a numpy array of
dataset row positions (the visible rows in sorted order), and every cell looks its row up there,
so a million rows scroll without delay. A big table (more than SYNC_SORT_ROWS rows) sorts each
column once over all rows in a worker (an argsort of 1M keys takes ~150 ms, a visible stall);
the result is kept per (column, direction), so sorting again or filtering is an O(n) mask over
that order, a few ms.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd
from PySide6.QtCore import (
    QAbstractTableModel,
    QItemSelectionModel,
    QModelIndex,
    QPersistentModelIndex,
    Qt,
    QTimer,
)
from PySide6.QtGui import QColor
from PySide6.QtWidgets import QAbstractItemView, QHeaderView, QTableView, QWidget

from app.core.types import Task
from app.core.views import format_value
from app.ui.state import AppState
from app.workers import Workers

Index = QModelIndex | QPersistentModelIndex
GOOD, BAD = QColor("#1a7f37"), QColor("#cf222e")
SYNC_SORT_ROWS = 200_000  # up to this many rows a sort on the GUI thread takes < ~20 ms
# Column widths are fitted to the header and this many rows: Qt's resizeColumnsToContents asks
# every column's cells through data() (~0.3 s for a million rows with text columns).
SIZE_SAMPLE_ROWS = 200
MIN_WIDTH, MAX_WIDTH = 48, 220
THRESHOLD_DEBOUNCE_MS = 100


@dataclass
class Column:
    header: str
    tooltip: str
    values: np.ndarray | pd.Series  # one per dataset row; text columns stay a pandas Series
    text: Callable[[object], str]
    numeric: bool
    colour: Callable[[object], QColor | None] | None = None
    cell_tooltip: Callable[[int], str | None] | None = None  # by dataset row
    _key: np.ndarray | None = None

    def value(self, row: int) -> object:
        if isinstance(self.values, pd.Series):
            return self.values.iat[row]  # only visible cells are asked for: no bulk conversion
        return self.values[row]

    def key(self) -> np.ndarray:
        """The sort key, computed once per column."""
        if self._key is None:
            self._key = _sort_key(self.values)
        return self._key


def _sort_key(values: np.ndarray | pd.Series) -> np.ndarray:
    """A float key per row (NaN for missing) that sorts like the values do."""
    if values.dtype.kind in "biuf":
        return np.asarray(values, dtype=np.float64)
    if isinstance(values, pd.Series) and isinstance(values.dtype, pd.CategoricalDtype):
        values = values.astype("string")
    if not isinstance(values, pd.Series):
        values = pd.Series(values, dtype=object).astype("string")
    codes, _ = pd.factorize(values, sort=True)
    key = codes.astype(np.float64)
    key[codes < 0] = np.nan
    return key


def full_order(column: Column, descending: bool) -> np.ndarray:
    """Every dataset row, sorted by the column (stable; missing values last either way)."""
    key = column.key()
    key = -key if descending else key.copy()
    key[np.isnan(key)] = np.inf
    return np.argsort(key, kind="stable")


def _correct_text(v: object) -> str:
    return {1.0: "✓", 0.0: "✗"}.get(float(v), "")  # type: ignore[arg-type]


def _correct_colour(v: object) -> QColor | None:
    return {1.0: GOOD, 0.0: BAD}.get(float(v))  # type: ignore[arg-type]


BOOKMARK_HEADER = "★"


def bookmark_values(state: AppState, n: int) -> np.ndarray:
    """1.0 for bookmarked rows, NaN for the others: missing values sort last in either
    direction, so one click on the column lists the bookmarked rows first."""
    from app.ui.panels.review_context import review_for

    values = np.full(n, np.nan)
    rows = review_for(state).bookmarks.rows()
    values[rows[(rows >= 0) & (rows < n)]] = 1.0
    return values


def _bookmark_column(state: AppState, n: int) -> Column:
    from app.ui.panels.review_context import review_for

    def tag_of(row: int) -> str | None:
        bookmark = review_for(state).bookmarks.get(row)
        if bookmark is None:
            return None
        note = f"\n{bookmark.note}" if bookmark.note else ""
        return (f"Bookmarked: {bookmark.tag}" if bookmark.tag else "Bookmarked (no tag)") + note

    return Column(
        BOOKMARK_HEADER,
        "Bookmarked rows (the tag shows on hover)",
        bookmark_values(state, n),
        lambda v: "★" if v == 1.0 else "",
        False,
        cell_tooltip=tag_of,
    )


def build_columns(state: AppState) -> list[Column]:
    """Row number, prediction (probability and class for classifiers), label, correct, ★, data.

    The ★ column follows the model's columns so their positions stay fixed."""
    data, model = state.data, state.model
    if data is None or model is None:
        return []
    n = data.n_rows
    columns = [Column("#", "Row number in the dataset (from 0)", np.arange(n), str, True)]
    predictions = state.predictions()
    k = state.output_index
    classifier = model.task in (Task.BINARY, Task.MULTICLASS)
    predicted = None
    if predictions is not None and classifier:
        name = model.output_names[k] if model.task is Task.MULTICLASS else "positive"
        columns.append(
            Column(
                f"P({name})",
                f"Predicted probability of {name} (model unit: {model.unit.value})",
                predictions[:, k],
                lambda v: f"{v:.3f}",
                True,
            )
        )
        if model.task is Task.BINARY:
            predicted = (predictions[:, 0] >= state.threshold).astype(np.int64)
            tip = f"Predicted class at threshold {state.threshold:g}"
        else:
            predicted = predictions.argmax(axis=1)
            tip = "Predicted class (largest probability)"
        columns.append(Column("Class", tip, predicted, str, True))
    elif predictions is not None:
        columns.append(
            Column(
                "Prediction",
                f"Model output ({model.unit.value})",
                predictions[:, 0],
                lambda v: f"{v:.4g}",
                True,
            )
        )
    label = data.label()
    if label is not None:
        columns.append(
            Column(
                str(data.label_column),
                "The label (true value)",
                label,
                format_value,
                label.dtype.kind in "biuf",
            )
        )
        if predicted is not None and label.dtype.kind in "biuf":
            correct = np.where(np.isnan(label.astype(float)), np.nan, predicted == label)
            columns.append(
                Column(
                    "Correct",
                    "Predicted class equals the label",
                    correct,
                    _correct_text,
                    True,
                    _correct_colour,
                )
            )
        elif predictions is not None and not classifier and label.dtype.kind in "biuf":
            error = predictions[:, 0] - label.astype(np.float64)
            columns.append(
                Column("Error", "Prediction minus label", error, lambda v: f"{v:+.4g}", True)
            )
    columns.append(_bookmark_column(state, n))
    features = set(model.feature_names)
    for name in data.frame.columns:
        if name == data.label_column:
            continue
        series = data.frame[name]
        numeric = pd.api.types.is_numeric_dtype(series) and not pd.api.types.is_bool_dtype(series)
        role = "model feature" if name in features else "extra column (not used by the model)"
        # Numbers as numpy; text stays a Series (converting 1M strings costs seconds).
        values = series.to_numpy() if numeric else series.reset_index(drop=True)
        columns.append(Column(str(name), f"{name}: {role}", values, format_value, numeric))
    return columns


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
        self._threshold_timer = QTimer(self)
        self._threshold_timer.setSingleShot(True)
        self._threshold_timer.setInterval(THRESHOLD_DEBOUNCE_MS)
        self._threshold_timer.timeout.connect(self.rebuild)
        state.threshold_changed.connect(self._threshold_timer.start)
        state.visible_rows_changed.connect(self._apply_order)
        from app.ui.panels.review_context import review_for

        review_for(state).bookmarks_changed.connect(self._on_bookmarks_changed)

    def rebuild(self, *_: object) -> None:
        self._threshold_timer.stop()
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
            self._workers = Workers(self)
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
        if not index.isValid():
            return None
        column = self.columns[index.column()]
        value = column.value(int(self.order[index.row()]))
        if role == Qt.ItemDataRole.DisplayRole:
            return column.text(value)
        if role == Qt.ItemDataRole.TextAlignmentRole and column.numeric:
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        if role == Qt.ItemDataRole.ForegroundRole and column.colour is not None:
            return column.colour(value)
        if role == Qt.ItemDataRole.ToolTipRole and column.cell_tooltip is not None:
            return column.cell_tooltip(int(self.order[index.row()]))
        if role == Qt.ItemDataRole.TextAlignmentRole and column.header == BOOKMARK_HEADER:
            return int(Qt.AlignmentFlag.AlignCenter)
        return None

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
        self.selectionModel().currentRowChanged.connect(self._on_current_row_changed)
        state.row_selected.connect(self._on_state_row_selected)
        self.rows_model.modelReset.connect(self._on_model_reset)
        self.rows_model.layoutChanged.connect(self._restore_selection)

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
        for c, column in enumerate(model.columns):
            widest = max(
                (cells.horizontalAdvance(column.text(column.value(int(r)))) for r in sample),
                default=0,
            )
            # the header also holds the sort arrow
            width = max(widest + pad, header.horizontalAdvance(column.header) + pad + 16)
            self.setColumnWidth(c, min(max(width, MIN_WIDTH), MAX_WIDTH))

    def _restore_selection(self) -> None:
        self.rows_model._position = None
        if self.state.selected_row is not None:
            self._on_state_row_selected(self.state.selected_row)
