"""What the behaviour panels (PD/ICE, decision plot, performance curves) share: the top bar
with an Export button, a progress row with Cancel, and exporting a panel's plot. Not a panel."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QEvent, QObject, Qt, QTimer
from PySide6.QtWidgets import (
    QComboBox,
    QHBoxLayout,
    QLabel,
    QProgressBar,
    QPushButton,
    QWidget,
)

from app.core.base.errors import ShapLensError
from app.ui.on_close import OnClose
from app.ui.state import AppState

if TYPE_CHECKING:
    from app.plots.export import Caption


class ProgressRow(QWidget):
    """A thin progress bar, a Cancel button and a note; hidden bar when nothing runs."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.bar = QProgressBar(self)
        self.bar.setMaximumHeight(14)
        self.bar.setTextVisible(False)
        self.cancel = QPushButton("Cancel", self)
        self.note = QLabel(self)
        self.note.setWordWrap(True)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.note, 1)
        layout.addWidget(self.bar)
        layout.addWidget(self.cancel)
        self.running(False)

    def say(self, text: str) -> None:
        self.note.setText(text)
        self._fit()

    def _fit(self) -> None:
        """Nothing running and nothing to say: give the row's height to the plot."""
        self.setVisible(self.bar.isVisibleTo(self) or bool(self.note.text()))

    def running(self, on: bool, done: int = 0, total: int = 0) -> None:
        self.bar.setVisible(on)
        self.cancel.setVisible(on)
        self._fit()
        if on:
            self.bar.setRange(0, max(total, 1))
            self.bar.setValue(done)


class WhenShown(QObject):
    """Calls `refresh` after a short quiet time, and only while `panel` is on screen; a request
    made while hidden waits for the panel to be shown (no work for views nobody looks at)."""

    def __init__(
        self,
        panel: QWidget,
        refresh: Callable[[], None],
        debounce_ms: int = 150,
        *,
        on_close: OnClose,
    ) -> None:
        super().__init__(panel)
        self.panel, self.refresh = panel, refresh
        self.stale = False
        self.timer = on_close.add(QTimer(self, singleShot=True, interval=debounce_ms))
        self.timer.timeout.connect(self._fire)
        panel.installEventFilter(self)

    def request(self) -> None:
        self.stale = True
        if self.panel.isVisible():
            self.timer.start()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if watched is self.panel and event.type() == QEvent.Type.Show and self.stale:
            self.timer.start()
        return False

    def _fire(self) -> None:
        if self.stale and self.panel.isVisible():
            self.stale = False
            self.refresh()


def shrinkable(combo: QComboBox, chars: int = 8) -> QComboBox:
    """A combo that may be narrower than its longest item (a docked panel can be 500 px)."""
    combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
    combo.setMinimumContentsLength(chars)
    return combo


def export_button(parent: QWidget, on_click: Callable[[], object]) -> QPushButton:
    button = QPushButton("Export…", parent)
    button.setToolTip("Save this plot as PNG, SVG or PDF")
    button.setFocusPolicy(Qt.FocusPolicy.NoFocus)
    button.clicked.connect(lambda _checked=False: on_click())
    return button


def caption_for(state: AppState, what: str) -> Caption:
    """The provenance line under an exported behaviour figure (not SHAP values: no class or
    approximation note)."""
    from app.ui.export_targets import inputs_caption

    return inputs_caption(state, notes=[what])


def export_plot(
    parent: QWidget,
    state: AppState,
    plot: QWidget,
    view: str,
    path: Path | None = None,
    caption: Caption | None = None,
    data: object = None,
) -> Path | None:
    """Ask where (unless `path` is given) and write the plot with its caption (by default the
    behaviour panels'); `data` replaces what the plot shows (redacted values)."""
    from app.plots.export import export_widget
    from app.ui import dialogs
    from app.ui.settings import Settings

    settings = Settings()  # the dialog starts where the user last saved, as File > Export does
    width = height = None
    if path is None:
        start = Path(settings.save_start(f"{view}.png"))
        dialog = dialogs.ExportDialog(view, (plot.width(), plot.height()), start, parent)
        if dialog.exec() != dialogs.ExportDialog.DialogCode.Accepted:
            return None
        choice = dialog.choice()
        path, width, height = choice.path, choice.width, choice.height
    try:
        inputs = (state.model_path, state.data_path)  # never written over
        caption = caption or caption_for(state, view)
        export_widget(plot, path, width, height, caption, inputs, data)
    except ShapLensError as error:
        state.report_error(str(error))
        return None
    except OSError as error:
        state.report_error(f"Could not write {path}: {error}")
        return None
    settings.remember_save(Path(path))
    state.report_status(f"Saved the {view} view to {path}")
    return path
