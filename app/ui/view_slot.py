"""One tab of the central views: the registered plot, or a short note in its place (nothing
loaded yet, or the plot's module is missing or broken, which must not cost the window)."""

from __future__ import annotations

import logging
from collections.abc import Callable

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QStackedLayout, QStackedWidget, QWidget

from app.plots.registry import ViewSpec, data_function, plot_class

log = logging.getLogger(__name__)

# A plot needs MIN_READABLE (app.plots.base) below a two-line title; the docks give way first.
MIN_VIEW_HEIGHT = 200


def load_plot_class(view: str) -> type[QWidget] | None:
    try:
        return plot_class(view)
    except (ImportError, AttributeError) as error:
        log.warning("plot %s unavailable: %s", view, error)
        return None


def load_data_function(view: str) -> Callable[[object], object] | None:
    try:
        return data_function(view)
    except (ImportError, AttributeError) as error:
        log.warning("data of view %s unavailable: %s", view, error)
        return None


class ViewSlot(QStackedWidget):
    """A plot, or a short note in its place (nothing loaded yet, or the plot is missing)."""

    def __init__(self, spec: ViewSpec, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.view, self.title = spec.name, spec.title
        self.setMinimumHeight(MIN_VIEW_HEIGHT)
        # Every page stays shown, the current one on top (the note is opaque): the plot is laid
        # out at its size with the window, not when the first estimate arrives, where its first
        # layout was 15-40 ms of one GUI stall (issue 14).
        stack = self.layout()
        assert isinstance(stack, QStackedLayout)
        stack.setStackingMode(QStackedLayout.StackingMode.StackAll)
        self.note = QLabel(self)
        self.note.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.note.setWordWrap(True)
        self.note.setStyleSheet(  # opaque: it covers the plot laid out beneath
            "color: #57606a; font-size: 11pt; padding: 24px; background: palette(window);"
        )
        self.addWidget(self.note)
        cls = load_plot_class(spec.name)
        self.plot: QWidget | None = cls(self) if cls is not None else None
        # Registered views bring their own data function; the built-in three are fed by PlotTabs.
        self.data_fn = load_data_function(spec.name) if spec.data else None
        if self.plot is not None:
            self.plot.setToolTip(spec.tip)
            self.addWidget(self.plot)
        self.show_note("")

    def show_note(self, text: str) -> None:
        if self.plot is None:
            text = f"The {self.title.lower()} plot is not available in this build."
        self.note.setText(text)
        self.setCurrentWidget(self.note)

    def show_data(self, data: object) -> None:
        if self.plot is None:
            self.show_note("")
            return
        self.setCurrentWidget(self.plot)  # raised above the note before it draws
        self.plot.set_data(data)  # type: ignore[attr-defined]
