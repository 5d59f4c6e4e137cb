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


def test_save_dialogs_start_where_the_last_file_was_saved(qtbot, window, tmp_path, monkeypatch):
    from PySide6.QtWidgets import QFileDialog

    proposed = []

    def fake_dialog(_parent, _title, start, _filter):
        proposed.append(start)
        return str(tmp_path / "reports" / "mine.shaplens.json"), ""

    (tmp_path / "reports").mkdir()
    monkeypatch.setattr(QFileDialog, "getSaveFileName", fake_dialog)
    window.sessions.save_session()  # nothing open: still a session file the user chose
    window.sessions.save_session()
    assert str(tmp_path / "reports") not in proposed[0]
    assert proposed[1] == str(tmp_path / "reports" / "session.shaplens.json")
