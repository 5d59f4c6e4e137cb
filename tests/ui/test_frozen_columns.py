"""The row number and prediction columns stay at the table's left edge when it scrolls
sideways; clicks and sorting through them act on the table."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QPoint, Qt
from PySide6.QtWidgets import QApplication

from app.core.data.align import align
from app.core.data.data_io import load_dataset
from app.core.data.model_io import load_model
from app.ui.rows_table import FROZEN_COLUMNS, RowsTable
from app.ui.state import AppState


@pytest.fixture
def table(qtbot, small_model_path, small_data_path) -> RowsTable:
    model = load_model(small_model_path)
    data = align(model, load_dataset(small_data_path))
    state = AppState()
    state.set_inputs(model, small_model_path, data, small_data_path, model.predict_raw(data.X))
    t = RowsTable(state)
    qtbot.addWidget(t)
    t.rows_model.rebuild()  # the inputs were set before the table existed
    t.resize(520, 400)
    t.show()
    qtbot.waitExposed(t)
    return t


def scrolled_right(table: RowsTable) -> None:
    bar = table.horizontalScrollBar()
    bar.setValue(bar.maximum())
    QApplication.processEvents()
    assert bar.maximum() > 0 and table.columnAt(table.frozen.width() + 2) > FROZEN_COLUMNS


def test_frozen_columns_stay_at_the_left_after_scrolling_sideways(table) -> None:
    frozen = table.frozen
    headers = [frozen.model().headerData(c, Qt.Orientation.Horizontal) for c in range(2)]
    assert headers == ["#", "P(positive)"]
    scrolled_right(table)
    assert frozen.isVisible()
    assert frozen.mapTo(table, QPoint(0, 0)).x() <= table.frameWidth()  # at x = 0
    assert frozen.columnAt(1) == 0 and frozen.columnAt(frozen.width() - 2) == 1
    assert all(frozen.isColumnHidden(c) for c in range(2, frozen.model().columnCount()))
    assert frozen.width() == table.columnWidth(0) + table.columnWidth(1)
    # The main view's own first columns have scrolled away: only the overlay shows them.
    assert table.columnViewportPosition(0) < 0
    # It draws the cells: the row numbers are in its picture.
    assert frozen.indexAt(QPoint(4, 4)).data() == "0"


def test_frozen_columns_follow_rows_selection_and_sorting(qtbot, table) -> None:
    frozen = table.frozen
    scrolled_right(table)
    table.verticalScrollBar().setValue(40)
    QApplication.processEvents()
    assert frozen.verticalScrollBar().value() == 40
    assert frozen.rowAt(5) == table.rowAt(5)  # the same rows side by side
    rect = frozen.visualRect(frozen.model().index(frozen.rowAt(5) + 3, 0))
    qtbot.mouseClick(frozen.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    clicked = table.rows_model.dataset_row(frozen.rowAt(5) + 3)
    assert table.state.selected_row == clicked
    # Sorting by the prediction through the frozen header sorts the table (and twice reverses).
    x = frozen.columnViewportPosition(1) + 5
    header = frozen.horizontalHeader()
    qtbot.mouseClick(header.viewport(), Qt.MouseButton.LeftButton, pos=QPoint(x, 5))
    assert table.horizontalHeader().sortIndicatorSection() == 1
    p = table.state.predictions()[table.rows_model.order, 0]
    assert (p[:-1] <= p[1:]).all()
    qtbot.mouseClick(header.viewport(), Qt.MouseButton.LeftButton, pos=QPoint(x, 5))
    p = table.state.predictions()[table.rows_model.order, 0]
    assert (p[:-1] >= p[1:]).all()


def test_keyboard_moves_do_not_hide_the_current_cell_under_the_frozen_part(table) -> None:
    scrolled_right(table)
    index = table.rows_model.index(0, FROZEN_COLUMNS)  # the first scrolling column
    table.scrollTo(index)
    QApplication.processEvents()
    assert table.columnViewportPosition(FROZEN_COLUMNS) >= table.frozen.width() - 1


def test_six_digit_row_numbers_fit_in_the_frozen_column(
    qtbot, small_model_path, small_data_path
) -> None:
    # Issue 17 saw "235..." in a 300k-row table: the column was sized from the first rows.
    import pandas as pd

    model = load_model(small_model_path)
    frame = load_dataset(small_data_path)
    frame = pd.concat([frame] * -(-240_000 // len(frame)), ignore_index=True)
    data = align(model, frame)
    state = AppState()
    state.set_inputs(model, small_model_path, data, small_data_path, model.predict_raw(data.X))
    t = RowsTable(state)
    qtbot.addWidget(t)
    t.rows_model.rebuild()
    t.resize(520, 400)
    t.show()
    qtbot.waitExposed(t)
    last = str(data.n_rows - 1)
    assert len(last) == 6
    QApplication.processEvents()
    t.verticalScrollBar().setValue(t.verticalScrollBar().maximum())
    QApplication.processEvents()
    needed = t.fontMetrics().horizontalAdvance(last)
    for view in (t, t.frozen):  # the overlay draws the numbers the user sees
        assert view.columnWidth(0) > needed + 4
    bottom = t.frozen.indexAt(QPoint(4, t.frozen.viewport().height() - 4))
    assert len(bottom.data()) >= 6 and "…" not in bottom.data()
