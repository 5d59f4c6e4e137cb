"""Help > About: version, what ShapLens does, where its logs are, and the application icon."""

from __future__ import annotations

from PySide6.QtWidgets import QMessageBox, QWidget

from app import __version__
from app.ui.crash import log_dir
from app.ui.icon import application_icon

ICON_SIDE = 64


def about_box(parent: QWidget | None) -> QMessageBox:
    box = QMessageBox(parent)
    box.setWindowTitle("About ShapLens")
    box.setIconPixmap(application_icon().pixmap(ICON_SIDE, ICON_SIDE))
    box.setText(
        f"<b>ShapLens {__version__}</b><p>Explains tabular models with exact SHAP values.</p>"
        f"<p>Log files: {log_dir()}</p>"
    )
    box.setStandardButtons(QMessageBox.StandardButton.Ok)
    return box
