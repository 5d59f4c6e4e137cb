"""File > Open Dataset with Options…: the workbook's sheets are listed by a worker job, never on
the GUI thread; the sheet box says it is reading, then lists them, or says why it cannot."""

from __future__ import annotations

import os
import threading
from pathlib import Path

import pandas as pd
import pytest
from PySide6.QtCore import QCoreApplication

import app.core.data.data_io as data_io
from app.ui.data_options import READING, DataOptionsDialog

FRAME = pd.DataFrame({"x": [1.5, 2.0], "y": ["a", "b"]})


@pytest.fixture
def workbook(tmp_path: Path) -> Path:
    path = tmp_path / "quarterly figures.xlsx"
    with pd.ExcelWriter(path) as writer:
        FRAME.to_excel(writer, sheet_name="first", index=False)
        FRAME.to_excel(writer, sheet_name="second", index=False)
    return path


@pytest.fixture
def reader_threads(monkeypatch) -> list[int]:
    """The thread of every call to the sheet reader."""
    threads: list[int] = []
    real = data_io.sheet_names

    def recording(path, handle=None):
        threads.append(threading.get_ident())
        return real(path, handle)

    monkeypatch.setattr(data_io, "sheet_names", recording)
    return threads


def _dialog(qtbot, path: Path) -> DataOptionsDialog:
    dialog = DataOptionsDialog(path)
    qtbot.addWidget(dialog)
    return dialog


def test_sheets_listed_off_the_gui_thread(qtbot, workbook, reader_threads) -> None:
    dialog = _dialog(qtbot, workbook)
    # Nothing has been delivered yet (results arrive through the event loop): reading.
    assert not dialog.sheet.isEnabled()
    assert dialog.sheet.count() == 0
    assert dialog.sheet.lineEdit().placeholderText() == READING
    assert not dialog.delimiter.isEnabled()
    with qtbot.waitSignal(dialog.sheets_done, timeout=30_000):
        pass
    assert [dialog.sheet.itemText(i) for i in range(dialog.sheet.count())] == ["first", "second"]
    assert dialog.sheet.isEnabled()
    assert dialog.sheet.lineEdit().placeholderText() == ""
    assert dialog.sheet_note.isHidden()
    assert reader_threads, "the sheet reader was never called"
    assert threading.main_thread().ident not in reader_threads
    assert dialog.options() == {"sheet": "first"}
    dialog.sheet.setCurrentIndex(1)
    assert dialog.options() == {"sheet": "second"}


def test_damaged_workbook_named_in_the_note(qtbot, tmp_path, reader_threads) -> None:
    path = tmp_path / "damaged book.xlsx"
    path.write_bytes(b"this is not a zip archive" * 10)
    dialog = _dialog(qtbot, path)
    with qtbot.waitSignal(dialog.sheets_done, timeout=30_000):
        pass
    assert not dialog.sheet_note.isHidden()
    assert "damaged book.xlsx" in dialog.sheet_note.text()
    assert "Could not list the sheets" in dialog.sheet_note.text()
    assert not dialog.sheet.isEnabled() and dialog.sheet.count() == 0
    assert dialog.options() == {}  # Open still tries, and load_dataset says what is wrong
    assert threading.main_thread().ident not in reader_threads


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="FIFOs are a POSIX thing")
def test_fifo_named_like_a_workbook_is_refused_not_waited_on(qtbot, tmp_path) -> None:
    fifo = tmp_path / "pipe.xlsx"
    os.mkfifo(fifo)  # nobody writes to it: reading it would block forever
    dialog = _dialog(qtbot, fifo)
    with qtbot.waitSignal(dialog.sheets_done, timeout=30_000):
        pass
    assert "pipe.xlsx" in dialog.sheet_note.text()
    assert "regular file" in dialog.sheet_note.text()


def test_missing_workbook_named_in_the_note(qtbot, tmp_path) -> None:
    dialog = _dialog(qtbot, tmp_path / "gone.xlsx")
    with qtbot.waitSignal(dialog.sheets_done, timeout=30_000):
        pass
    assert "gone.xlsx" in dialog.sheet_note.text()


def test_a_stale_listing_is_dropped_when_the_path_changes(qtbot, tmp_path, workbook, monkeypatch):
    release = threading.Event()
    real = data_io.sheet_names

    def slow(path, handle=None):
        release.wait(30)
        return real(path, handle)

    monkeypatch.setattr(data_io, "sheet_names", slow)
    dialog = _dialog(qtbot, workbook)
    assert dialog.workers.is_running("data-options-sheets")
    csv = tmp_path / "plain.csv"
    FRAME.to_csv(csv, index=False)
    dialog.path.setText(str(csv))
    dialog.path.editingFinished.emit()
    assert not dialog.workers.is_running("data-options-sheets")  # cancelled at once
    with qtbot.waitSignal(dialog.workers.all_done, timeout=30_000):
        release.set()
    # The workbook's late answer did not reach the box: it belongs to a CSV now.
    assert dialog.sheet.count() == 0 and not dialog.sheet.isEnabled()
    assert dialog.delimiter.isEnabled() and dialog.encoding.isEnabled()
    assert dialog.sheet.lineEdit().placeholderText() == ""
    assert dialog.options() == {}
    dialog.delimiter.setCurrentText("Semicolon ;")
    assert dialog.options() == {"delimiter": ";"}


def test_text_file_starts_no_job(qtbot, tmp_path, reader_threads) -> None:
    csv = tmp_path / "plain.csv"
    FRAME.to_csv(csv, index=False)
    dialog = _dialog(qtbot, csv)
    assert not dialog.workers.busy()
    assert not dialog.sheet.isEnabled()
    QCoreApplication.processEvents()  # deliver anything queued (nothing should be)
    assert reader_threads == []
