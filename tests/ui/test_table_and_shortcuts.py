"""Small readability fixes: the row-number column fits the highest row number; Ctrl+Shift+S is
Save As (as on every desktop), not Open Session."""

from __future__ import annotations

from PySide6.QtGui import QAction, QKeySequence

from tests.ui._hardening import open_and_wait


def test_row_number_column_fits_the_highest_row(qtbot, window, small_model_path, small_data_path):
    open_and_wait(qtbot, window, small_model_path, small_data_path)
    table = window.table
    last = str(window.state.data.n_rows - 1)
    assert len(last) > len("199")  # beyond the first rows the sizing samples
    needed = table.fontMetrics().horizontalAdvance(last)
    assert table.columnWidth(0) > needed


def test_ctrl_shift_s_saves_the_session(window) -> None:
    actions = {a.text(): a for a in window.findChildren(QAction)}
    save_as = QKeySequence("Ctrl+Shift+S")
    assert save_as in actions["&Save Session…"].shortcuts()
    assert save_as not in actions["Open &Session…"].shortcuts()
