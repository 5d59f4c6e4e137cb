"""What every plot shares: a title above a pyqtgraph plot, white background, readable axes,
feature-name axes wide enough never to crop, hover tooltips, and redraw on a palette switch.

A plot is a QWidget (so it embeds anywhere and `QWidget.render` exports it with its title)
holding a QLabel title and a `pg.GraphicsLayoutWidget`. Subclasses implement `_draw()` from
`self._data` and may override `_tooltip(x, y)`.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QPointF, Qt, Signal
from PySide6.QtGui import QColor, QPalette
from PySide6.QtWidgets import QLabel, QToolTip, QVBoxLayout, QWidget

from app.plots import style

TICK_FONT_PT = 9.0
AXIS_LABEL_PT = 10.0
TITLE_PT = 11.0


class PlotBase(QWidget):
    """A titled plot driven by `set_data(data)`; `row_clicked(row)` where marks map to rows."""

    row_clicked = Signal(int)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._data: Any = None
        self._full_labels = False  # exports show long names in full
        self.setAutoFillBackground(True)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(10, 8, 10, 6)
        layout.setSpacing(2)
        self.title = QLabel(self)
        self.title.setWordWrap(True)
        self.title.setAlignment(Qt.AlignmentFlag.AlignHCenter)
        self.title.setFont(style.base_font(TITLE_PT, bold=True))
        layout.addWidget(self.title)
        self.view = pg.GraphicsLayoutWidget(self)
        self.view.setMouseTracking(True)
        self.view.ci.layout.setContentsMargins(0, 0, 6, 0)
        layout.addWidget(self.view, 1)
        self.plot: pg.PlotItem = self.view.addPlot(row=0, col=0)
        self.plot.setMenuEnabled(False)
        self.plot.hideButtons()
        self.plot.getViewBox().setMouseEnabled(x=False, y=False)
        self.plot.getViewBox().sigResized.connect(self._on_view_resized)
        self.view.scene().sigMouseMoved.connect(self._on_scene_mouse_moved)
        self.view.scene().sigMouseClicked.connect(self._on_scene_mouse_clicked)
        style.notifier().changed.connect(self._on_palette_changed)
        self._apply_palette()

    # ------------------------------------------------------------- public API
    @property
    def data(self) -> Any:
        return self._data

    def set_data(self, data: Any) -> None:
        self._data = data
        self._redraw()

    def clear(self) -> None:
        self._data = None
        self.plot.clear()
        self.title.setText("")

    def set_full_labels(self, full: bool) -> None:
        """Show feature names unshortened (exports) instead of elided (the app)."""
        if full != self._full_labels:
            self._full_labels = full
            self._redraw()

    def label(self, text: str) -> str:
        return text if self._full_labels else style.elide(text)

    # ------------------------------------------------------------- drawing helpers
    def _redraw(self) -> None:
        self.plot.clear()
        if self._data is not None:
            self._draw()

    def _draw(self) -> None:  # pragma: no cover - abstract
        raise NotImplementedError

    def _fit_range(self) -> None:
        """Set the view range; called after drawing and on every resize (labels need pixels)."""

    def _on_view_resized(self, *_: object) -> None:
        if self._data is not None:
            self._fit_range()

    def _apply_palette(self) -> None:
        pal = style.palette()
        qpal = self.palette()
        qpal.setColor(QPalette.ColorRole.Window, QColor(pal.background))
        qpal.setColor(QPalette.ColorRole.WindowText, QColor(pal.text))
        self.setPalette(qpal)
        self.title.setStyleSheet(f"color: {pal.text};")
        self.view.setBackground(pal.background)
        tick_font = style.base_font(TICK_FONT_PT)
        for name in ("left", "bottom"):
            axis = self.plot.getAxis(name)
            axis.setPen(pg.mkPen(pal.muted))
            axis.setTextPen(pg.mkPen(pal.text))
            axis.setStyle(tickFont=tick_font, tickTextOffset=6)
            axis.enableAutoSIPrefix(False)  # "200" with a hidden "(x0.001)" misleads

    def _on_palette_changed(self, _name: str) -> None:
        self._apply_palette()
        self._redraw()

    def _set_axis_label(self, text: str) -> None:
        pal = style.palette()
        self.plot.setLabel("bottom", text, color=pal.text, **{"font-size": f"{AXIS_LABEL_PT}pt"})

    def _set_category_axis(self, labels: list[str], positions: list[float]) -> None:
        """Feature names on the left axis, one per lane/bar, with room for the longest."""
        axis = self.plot.getAxis("left")
        axis.setTicks([list(zip(positions, labels, strict=True)), []])
        lines = [line for label in labels for line in label.split("\n")]
        width = style.text_width(lines, style.base_font(TICK_FONT_PT))
        axis.setWidth(width + 14)
        axis.setStyle(tickLength=0)

    def _grid_pen(self) -> QColor:
        return QColor(style.palette().grid)

    # ------------------------------------------------------------- interaction
    def _tooltip(self, x: float, y: float) -> str:
        return ""

    def _on_scene_mouse_moved(self, pos: QPointF) -> None:
        if self._data is None:
            return
        vb = self.plot.getViewBox()
        point = vb.mapSceneToView(pos)
        text = self._tooltip(point.x(), point.y())
        if text:
            global_pos = self.view.mapToGlobal(self.view.mapFromScene(pos))
            QToolTip.showText(global_pos, text, self.view)
        else:
            QToolTip.hideText()

    def _on_scene_mouse_clicked(self, event: Any) -> None:
        if self._data is None or event.button() != Qt.MouseButton.LeftButton:
            return
        vb = self.plot.getViewBox()
        if not vb.sceneBoundingRect().contains(event.scenePos()):
            return
        row = self._row_at(event.scenePos())
        if row is not None:
            self.row_clicked.emit(int(row))

    def _row_at(self, scene_pos: QPointF) -> int | None:
        return None

    def _pixel_size(self) -> tuple[float, float]:
        """Data units per screen pixel along x and y."""
        vb = self.plot.getViewBox()
        (x0, x1), (y0, y1) = vb.viewRange()
        rect = vb.sceneBoundingRect()
        return (x1 - x0) / max(rect.width(), 1.0), (y1 - y0) / max(rect.height(), 1.0)


def lane_index(y: float, n_lanes: int) -> int | None:
    """Lane i is drawn at y = n_lanes - 1 - i (top lane first); None outside every lane."""
    i = n_lanes - 1 - round(y)
    if 0 <= i < n_lanes and abs(y - round(y)) <= 0.5:
        return int(i)
    return None


def padded_range(lo: float, hi: float, left: float = 0.05, right: float = 0.05) -> tuple:
    span = hi - lo if hi > lo else max(abs(hi), 1.0)
    return lo - span * left, hi + span * right


def finite_range(arrays: list[np.ndarray]) -> tuple[float, float]:
    lo, hi = np.inf, -np.inf
    for a in arrays:
        if a.size:
            lo = min(lo, float(np.nanmin(a)))
            hi = max(hi, float(np.nanmax(a)))
    if not np.isfinite(lo):
        return -1.0, 1.0
    return lo, hi
