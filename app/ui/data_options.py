"""File > Open Dataset with Options…: a file plus delimiter, encoding and sheet overrides.

A workbook's sheets are listed by a worker job, never on the GUI thread: opening the workbook is
file I/O (a slow disk, a network share, a huge file) and the window must not freeze while it
runs. Meanwhile the sheet box says so; a workbook that cannot be read says why, by name.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QWidget,
)

from app.ui.dialogs import DATA_FILTER
from app.workers import Workers

AUTO = "(detect)"
DELIMITERS = {AUTO: None, "Comma ,": ",", "Semicolon ;": ";", "Tab": "\t", "Pipe |": "|"}
ENCODINGS = [AUTO, "utf-8", "utf-8-sig", "latin-1", "cp1252", "utf-16"]
SHEET_SUFFIXES = (".xlsx", ".xlsm")  # the workbooks whose sheets can be listed
READING = "reading sheets…"
SHEETS_JOB = "data-options-sheets"


def _list_sheets(path: Path) -> list[str]:
    # Looked up at call time, so a test can wrap the reader and see which thread calls it.
    from app.core.data.data_io import sheet_names

    return sheet_names(path)


class DataOptionsDialog(QDialog):
    """The file and its reading options; `options()` gives load_dataset's keyword arguments."""

    sheets_done = Signal()  # the sheet box is filled, or says why it cannot be

    def __init__(self, start: Path, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Open dataset with options")
        # Its own, not the window's: deleting the dialog cancels the job and drops its result.
        self.workers = Workers(self)
        form = QFormLayout(self)
        row = QHBoxLayout()
        self.path = QLineEdit(str(start), self)
        self.path.setMinimumWidth(320)
        browse = QPushButton("Browse…", self)
        browse.clicked.connect(self._browse)
        row.addWidget(self.path, 1)
        row.addWidget(browse)
        form.addRow("File:", row)
        self.delimiter = QComboBox(self)
        self.delimiter.setEditable(True)
        self.delimiter.addItems(list(DELIMITERS))
        self.delimiter.setToolTip("Text files: the column separator (type any single character)")
        form.addRow("Delimiter:", self.delimiter)
        self.encoding = QComboBox(self)
        self.encoding.setEditable(True)
        self.encoding.addItems(ENCODINGS)
        self.encoding.setToolTip("Text files: the character encoding")
        form.addRow("Encoding:", self.encoding)
        self.sheet = QComboBox(self)
        self.sheet.setEditable(True)
        self.sheet.setToolTip("Excel workbooks: the sheet to read (the first by default)")
        form.addRow("Sheet:", self.sheet)
        self.sheet_note = QLabel(self)
        self.sheet_note.setWordWrap(True)
        self.sheet_note.hide()
        form.addRow("", self.sheet_note)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Open | QDialogButtonBox.StandardButton.Cancel, self
        )
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        form.addRow(buttons)
        self._workbook: Path | None = None  # the workbook whose sheets are listed or wanted
        self.path.editingFinished.connect(self._fill_sheets)
        self._fill_sheets()

    def _browse(self) -> None:
        name, _ = QFileDialog.getOpenFileName(self, "Open dataset", self.path.text(), DATA_FILTER)
        if name:
            self.path.setText(name)
            self._fill_sheets()

    def _fill_sheets(self) -> None:
        """Judge the file by its name here; whether it exists and what it holds, on a worker."""
        path = self.chosen_path()
        is_workbook = path.suffix.lower() in SHEET_SUFFIXES
        if is_workbook and path == self._workbook and self.sheet_note.isHidden():
            return  # listed or being listed (editingFinished fires on every focus out)
        self.workers.cancel(SHEETS_JOB)
        self._workbook = path if is_workbook else None
        self.delimiter.setEnabled(not is_workbook)
        self.encoding.setEnabled(not is_workbook)
        self.sheet.clear()
        self.sheet_note.hide()
        self.setMinimumSize(0, 0)  # the layout's own minimum again (see _sheets_failed)
        self.sheet.setEnabled(False)
        if not is_workbook:
            self.sheet.lineEdit().setPlaceholderText("")
            return
        self.sheet.lineEdit().setPlaceholderText(READING)
        self.sheet.setToolTip(f"Reading the sheets of {path.name}…")
        self.workers.run(
            SHEETS_JOB,
            _list_sheets,
            path,
            on_result=self._sheets_listed,
            on_error=lambda error: self._sheets_failed(path, error),
        )

    def _sheets_listed(self, sheets: list[str]) -> None:
        self.sheet.lineEdit().setPlaceholderText("")
        self.sheet.addItems(sheets)
        self.sheet.setEnabled(True)
        self.sheet.setToolTip("Excel workbooks: the sheet to read (the first by default)")
        self.sheets_done.emit()

    def _sheets_failed(self, path: Path, error: Exception) -> None:
        # Opening still tries (and load_dataset says what is wrong in its usual message); the
        # note says it now, naming the file, so a wrong path is noticed before pressing Open.
        text = str(error)
        if path.name not in text:
            text = f"{path.name}: {text}"
        self.sheet.lineEdit().setPlaceholderText("")
        self.sheet.setToolTip(text)
        self.sheet_note.setText(f"Could not list the sheets. {text}")
        self.sheet_note.show()
        # A wrapped label's height is not part of the window's minimum size in Qt: hold the
        # size that shows the whole note, so shrinking the dialog cannot cut it off.
        need = self.sizeHint()
        self.setMinimumSize(need)
        self.resize(self.size().expandedTo(need))
        self.sheets_done.emit()

    def chosen_path(self) -> Path:
        return Path(self.path.text()).expanduser()

    def options(self) -> dict[str, object]:
        """Keyword arguments for app.core.data.data_io.load_dataset (only what was set)."""
        options: dict[str, object] = {}
        if self._workbook is not None:
            if self.sheet.isEnabled() and self.sheet.currentText():
                options["sheet"] = self.sheet.currentText()
            return options  # still listing, or unreadable: the first sheet, as without options
        text = self.delimiter.currentText()
        delimiter = DELIMITERS.get(text, text)
        if delimiter:
            options["delimiter"] = "\t" if delimiter in ("\\t", "tab") else delimiter
        encoding = self.encoding.currentText().strip()
        if encoding and encoding != AUTO:
            options["encoding"] = encoding
        return options
