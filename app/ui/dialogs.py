"""Dialogs: trusting a pickle, choosing a sheet, the memory guard, exporting a view, showing an
unexpected error, the message bar (dataset options: app.ui.data_options)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QFrame,
    QHBoxLayout,
    QInputDialog,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPushButton,
    QSpinBox,
    QToolButton,
    QWidget,
)

from app.plots.export import PRESETS

# ask_trust_pickle's answers besides "" (cancelled).
LOAD_ONCE, ALWAYS_TRUST = "once", "always"
MODEL_FILTER = (
    "Models (*.txt *.json *.ubj *.model *.bin *.cbm *.pkl *.pickle *.joblib *.skops);;All files (*)"
)
DATA_FILTER = (
    "Data (*.csv *.tsv *.tab *.txt *.parquet *.pq *.feather *.arrow *.xlsx *.xls);;All files (*)"
)


def ask_trust_pickle(parent: QWidget | None, path: Path, message: str) -> str:
    """Ask before loading a pickle: unpickling runs whatever code the file contains.

    Returns ALWAYS_TRUST, LOAD_ONCE or "" (cancelled). "Always trust this file" makes the caller
    record the file's hash (app.core.explain.models.trust) on a worker, so these exact bytes open
    without asking next time; a changed file asks again."""
    box = QMessageBox(parent)
    box.setIcon(QMessageBox.Icon.Warning)
    box.setWindowTitle("Load a pickle file?")
    box.setText(f"<b>{path.name}</b> is a pickle/joblib file.")
    box.setInformativeText(
        "Loading a pickle runs code stored in the file, which can do anything your user account "
        "can do. Only continue if you made this file or trust where it came from.\n\n" + message
    )
    load = box.addButton("Load once", QMessageBox.ButtonRole.AcceptRole)
    always = box.addButton("Always trust this file", QMessageBox.ButtonRole.YesRole)
    always.setToolTip("Remember this file's exact contents (sha256) as trusted")
    box.addButton(QMessageBox.StandardButton.Cancel)
    box.setDefaultButton(QMessageBox.StandardButton.Cancel)
    box.exec()
    if box.clickedButton() is always:
        return ALWAYS_TRUST
    return LOAD_ONCE if box.clickedButton() is load else ""


def ask_sheet(parent: QWidget | None, path: Path, sheets: list[str]) -> str | None:
    """Which sheet of a workbook to open (None: cancelled)."""
    sheet, ok = QInputDialog.getItem(
        parent, "Choose a sheet", f"{path.name} has {len(sheets)} sheets. Open:", sheets, 0, False
    )
    return sheet if ok else None


def ask_sample(parent: QWidget | None, message: str, rows: int, total: int) -> bool:
    """The memory guard: explain a random sample of `rows` rows instead of all `total`?"""
    box = QMessageBox(parent)
    box.setIcon(QMessageBox.Icon.Warning)
    box.setWindowTitle("Not enough memory")
    box.setText(f"Explaining all {total:,} rows does not fit in memory.")
    box.setInformativeText(message)
    sample = box.addButton(f"Explain {rows:,} random rows", QMessageBox.ButtonRole.AcceptRole)
    box.addButton("Do not explain", QMessageBox.ButtonRole.RejectRole)
    box.setDefaultButton(sample)
    box.exec()
    return box.clickedButton() is sample


def show_unexpected_error(parent: QWidget | None, summary: str, details: str, log: Path) -> None:
    """A non-fatal dialog for a bug: a short message, the log path and a Copy details button."""
    box = QMessageBox(parent)
    box.setIcon(QMessageBox.Icon.Critical)
    box.setWindowTitle("Unexpected error")
    box.setText(summary)
    box.setInformativeText(
        f"ShapLens keeps running; what is loaded is unchanged.\nThe log file is {log}"
    )
    box.setDetailedText(details)
    copy = box.addButton("Copy details", QMessageBox.ButtonRole.ActionRole)
    box.addButton(QMessageBox.StandardButton.Close)
    copy.clicked.disconnect()  # keep the box open after copying
    copy.clicked.connect(lambda: QGuiApplication.clipboard().setText(f"{summary}\n\n{details}"))
    box.setModal(False)
    box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    box.show()


@dataclass
class ExportChoice:
    path: Path
    width: int | None
    height: int | None


class ExportDialog(QDialog):
    """File, format and size for File > Export view…: PNG, SVG or PDF, at twice the on-screen
    size (the default), a slide or half-A4 preset, or a custom width in the view's proportions."""

    FORMATS = (("PNG image", ".png"), ("SVG vector", ".svg"), ("PDF document", ".pdf"))

    def __init__(self, view_name: str, on_screen: tuple[int, int], start: Path, parent=None):
        super().__init__(parent)
        self.setWindowTitle(f"Export {view_name}")
        self._aspect = on_screen[1] / max(on_screen[0], 1)
        width, height = 2 * on_screen[0], 2 * on_screen[1]
        self._sizes: list[tuple[str, tuple[int, int] | None]] = [
            (f"Twice the screen size ({width} × {height})", (width, height)),
            ("Slide 16:9 (1920 × 1080)", PRESETS["slide"]),
            ("Half an A4 page at 300 dpi (2480 × 1754)", PRESETS["a4-half"]),
            ("Custom width", None),
        ]
        form = QFormLayout(self)
        self.format = QComboBox(self)
        self.format.addItems([name for name, _ in self.FORMATS])
        self.format.setToolTip(
            "PNG for slides and documents; SVG or PDF to edit or print without loss"
        )
        form.addRow("Format:", self.format)
        self.size = QComboBox(self)
        self.size.addItems([name for name, _ in self._sizes])
        self.size.setToolTip("The figure's size; labels are never cut off at any size")
        form.addRow("Size:", self.size)
        self.width = QSpinBox(self, minimum=200, maximum=16_000, singleStep=100)
        self.width.setSuffix(" px")
        self.width.setValue(width)
        self.width.setToolTip("Width of a custom size; the height keeps the view's proportions")
        form.addRow("Width:", self.width)
        self.size_hint = QLabel(self)
        form.addRow("", self.size_hint)
        row = QHBoxLayout()
        self.path = QLineEdit(str(start), self)
        browse = QPushButton("Browse…", self)
        browse.clicked.connect(self._browse)
        row.addWidget(self.path, 1)
        row.addWidget(browse)
        form.addRow("File:", row)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel, self
        )
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        form.addRow(buttons)
        self.format.currentIndexChanged.connect(self._on_format_changed)
        self.size.currentIndexChanged.connect(self._update_hint)
        self.width.valueChanged.connect(self._update_hint)
        self._update_hint()

    def _suffix(self) -> str:
        return self.FORMATS[self.format.currentIndex()][1]

    def _pixels(self) -> tuple[int, int]:
        preset = self._sizes[self.size.currentIndex()][1]
        if preset is not None:
            return preset
        return self.width.value(), round(self.width.value() * self._aspect)

    def _on_format_changed(self) -> None:
        self.path.setText(str(Path(self.path.text()).with_suffix(self._suffix())))
        self._update_hint()

    def _update_hint(self) -> None:
        self.width.setEnabled(self._sizes[self.size.currentIndex()][1] is None)
        width, height = self._pixels()
        unit = "px" if self._suffix() == ".png" else "px page (vector)"
        self.size_hint.setText(f"{width} × {height} {unit}")

    def _browse(self) -> None:
        name, _ = QFileDialog.getSaveFileName(
            self,
            "Export view",
            self.path.text(),
            "PNG image (*.png);;SVG vector (*.svg);;PDF document (*.pdf)",
        )
        if name:
            self.path.setText(name)
            suffixes = [suffix for _, suffix in self.FORMATS]
            suffix = Path(name).suffix.lower()
            self.format.setCurrentIndex(suffixes.index(suffix) if suffix in suffixes else 0)

    def choice(self) -> ExportChoice:
        path = Path(self.path.text()).expanduser()
        if path.suffix.lower() not in (".png", ".svg", ".pdf"):
            path = path.with_suffix(self._suffix())
        width, height = self._pixels()
        return ExportChoice(path, width, height)


MESSAGE_STYLES = {
    "error": "background:#ffebe9; border:1px solid #ff8182; color:#82071e;",
    "info": "background:#ddf4ff; border:1px solid #54aeff; color:#0a3069;",
    "warning": "background:#fff8c5; border:1px solid #d4a72c; color:#4d2d00;",
}


class MessageBar(QFrame):
    """A strip above the views for errors and hints: readable, dismissable, never modal."""

    dismissed = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(10, 6, 6, 6)
        self.label = QLabel(self)
        self.label.setWordWrap(True)
        self.label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        layout.addWidget(self.label, 1)
        close = QToolButton(self)
        close.setText("✕")
        close.setToolTip("Dismiss this message (Esc)")
        close.setAutoRaise(True)
        close.clicked.connect(self.dismiss)
        layout.addWidget(close, 0, Qt.AlignmentFlag.AlignTop)
        self.kind = ""
        self.hide()

    def show_message(self, text: str, kind: str = "error") -> None:
        self.kind = kind
        self.setStyleSheet(f"MessageBar {{{MESSAGE_STYLES[kind]} border-radius:4px;}}")
        self.label.setText(text)
        self.show()

    def text(self) -> str:
        return "" if self.isHidden() else self.label.text()

    def dismiss(self) -> None:
        self.hide()
        self.dismissed.emit()
