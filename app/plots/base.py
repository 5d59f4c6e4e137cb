"""What every plot shares: a title above a pyqtgraph plot, white background, readable axes,
feature-name axes wide enough never to crop, hover tooltips, and redraw on a palette switch.

A plot is a QWidget (so it embeds anywhere and `QWidget.render` exports it with its title)
holding a QLabel title and a `pg.GraphicsLayoutWidget`. Subclasses implement `_draw()` from
`self._data` and may override `_tooltip(x, y)`.
"""

from __future__ import annotations

import re
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
# A lane (bar, step, beeswarm row) needs a line of 9-pt text and a little air; a view shorter
# than that for all its lanes shows fewer (folding the rest) rather than overlapping labels.
MIN_LANE_PX = 17.0
# Below this size even three lanes with their axes do not fit: the plot says so instead.
MIN_READABLE = (240, 140)
# Lane names may take this share of the plot's width, and never less than LABEL_MIN_PX.
LABEL_SHARE = 0.4
LABEL_SHARE_EXPORT = 0.6
LABEL_MIN_PX = 90
ENLARGE_NOTICE = "Too small to read: enlarge this view (drag its border, or undock it)."


def hidden_in_shown_window(widget: QWidget) -> bool:
    """On a tab or dock of a shown window that is not shown itself: what it would draw now
    nobody sees, so it may wait for its showEvent. A widget that is its own window (exports,
    tests) is never put off."""
    window = widget.window()
    return window is not widget and window.isVisible() and not widget.isVisible()


class TitleLabel(QLabel):
    """A word-wrapped title whose words longer than the line (a 70-character feature name) are
    shortened in the middle to fit, instead of widening the plot past its panel or being cut;
    the full title is its tooltip."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.full_text = ""
        self.setMinimumWidth(40)  # a long word must not set the plot's minimum width

    def setText(self, text: str) -> None:  # type: ignore[override]
        self.full_text = text
        self._fit()

    def minimumSizeHint(self):  # type: ignore[override]
        hint = super().minimumSizeHint()
        hint.setWidth(40)
        return hint

    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
        self._fit()

    def _fit(self) -> None:
        room = max(self.width() - 4, 40)
        metrics = self.fontMetrics()
        parts = re.split(r"(<[^>]+>|\s+)", self.full_text)
        fitted = "".join(
            p if p.startswith("<") or "&" in p or metrics.horizontalAdvance(p) <= room
            else style.elide_px(p, room, self.font())
            for p in parts
        )  # fmt: skip
        self.setToolTip(re.sub(r"<[^>]+>", " ", self.full_text) if fitted != self.full_text else "")
        if fitted != super().text():
            super().setText(fitted)


class PlotBase(QWidget):
    """A titled plot driven by `set_data(data)`; `row_clicked(row)` where marks map to rows."""

    row_clicked = Signal(int)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._data: Any = None
        self._full_labels = False  # exports give long names more room
        self.setAutoFillBackground(True)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(10, 8, 10, 6)
        layout.setSpacing(2)
        self.title = TitleLabel(self)
        self.title.setWordWrap(True)
        self.title.setAlignment(Qt.AlignmentFlag.AlignHCenter)
        self.title.setFont(style.base_font(TITLE_PT, bold=True))
        layout.addWidget(self.title)
        self.view = pg.GraphicsLayoutWidget(self)
        self.view.setMouseTracking(True)
        self.view.ci.layout.setContentsMargins(0, 0, 6, 0)
        layout.addWidget(self.view, 1)
        self.notice = QLabel(ENLARGE_NOTICE, self)
        self.notice.setWordWrap(True)
        self.notice.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.notice.hide()
        layout.addWidget(self.notice, 1)
        self._drawn_size_key: object = None
        self._stale = False  # has data not drawn yet (set while hidden)
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
        if self._hidden_in_shown_window():
            self._stale = True  # drawn when shown (showEvent)
            return
        self._redraw()

    def _hidden_in_shown_window(self) -> bool:
        """A plot on a tab or dock not shown: drawing it now is wasted GUI time (the waterfall
        behind the importance tab was drawn at its hidden size, then again at its laid-out
        size, 30-50 ms as a run started; issue 14), so it is drawn when it is shown."""
        return hidden_in_shown_window(self)

    def showEvent(self, event) -> None:
        super().showEvent(event)
        if self._stale:
            self._stale = False
            self._redraw()

    def clear(self) -> None:
        self._data = None
        self._stale = False
        self.plot.clear()
        self.title.setText("")

    def set_full_labels(self, full: bool) -> None:
        """Show feature names unshortened (exports) instead of elided (the app)."""
        if full != self._full_labels:
            self._full_labels = full
            self._redraw()

    def label(self, text: str) -> str:
        """A lane name as drawn, shortened in the middle only when it needs more than its share
        of the width (the tooltip names it in full). Exports give names a larger share, so a
        figure of a normal size shows them whole."""
        return style.elide_px(text, self.label_room(), style.base_font(TICK_FONT_PT))

    def label_room(self) -> float:
        share = LABEL_SHARE_EXPORT if self._full_labels else LABEL_SHARE
        return float(max(LABEL_MIN_PX, int(share * self.width()) // 20 * 20))

    def lane_capacity(self, reserved_px: float = 0.0) -> int:
        """How many lanes the view can label without overlap (very many before it is laid
        out: the first resize folds what does not fit)."""
        height = self.plot.getViewBox().height() - reserved_px
        if self.plot.getViewBox().height() < 1:
            return 1_000_000
        return max(int(height // MIN_LANE_PX), 1)

    def too_small(self) -> bool:
        return self.width() < MIN_READABLE[0] or self.height() < MIN_READABLE[1]

    # ------------------------------------------------------------- drawing helpers
    def _redraw(self) -> None:
        self.plot.clear()
        QToolTip.hideText()  # a tooltip about what was drawn before would now mislead
        if self._data is not None:
            self._drawn_size_key = self._size_key()
            self._draw()

    def _draw(self) -> None:  # pragma: no cover - abstract
        raise NotImplementedError

    def _fit_range(self) -> None:
        """Set the view range; called after drawing and on every resize (labels need pixels)."""

    def _size_key(self) -> object:
        """What the drawing depends on besides the data (lanes that fit, room for names);
        a resize that changes it redraws, any other resize only refits the ranges."""
        return None

    def _on_view_resized(self, *_: object) -> None:
        if self._data is None:
            return
        if self._hidden_in_shown_window():
            self._stale = True
            return
        if self._stale:
            self._stale = False
            self._redraw()
            return
        self._fit_axis_label()
        if self._size_key() != self._drawn_size_key:
            self._redraw()
        else:
            self._fit_range()

    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
        small = self.too_small()
        # isHidden, not isVisible: on a hidden tab every child reads as invisible, so a plot
        # that was small while hidden kept its "too small" notice after it grew (seen at
        # 1400x860: the Beeswarm and Waterfall tabs said to enlarge a 770x320 view).
        if small == self.notice.isHidden():
            self.view.setVisible(not small)
            self.notice.setVisible(small)

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

    def _set_axis_label(self, text: str, short: str | None = None) -> None:
        """The x-axis title; `short` stands in when the axis is narrower than `text`."""
        self._axis_texts = (text, short or text)
        self._fit_axis_label()

    def _fit_axis_label(self) -> None:
        texts = getattr(self, "_axis_texts", None)
        if texts is None:
            return
        font = style.base_font(AXIS_LABEL_PT)
        room = self.plot.getViewBox().width()
        if room >= 1:  # a title as wide as the plot area widens it: bound it by the view too
            room = min(room, self.view.width() - self.plot.getAxis("left").width() - 24)
        text = texts[0] if room < 1 or style.text_width([texts[0]], font) <= room else texts[1]
        if room >= 1 and style.text_width([text], font) > room:
            # Even the short form is too long (a 70-character feature name): shorten it in the
            # middle, or its width would widen the plot past the view and cut its ticks.
            text = style.elide_px(text, room, font)
        pal = style.palette()
        self.plot.setLabel("bottom", text, color=pal.text, **{"font-size": f"{AXIS_LABEL_PT}pt"})
        place_axis_title(self.plot.getAxis("bottom"))

    def _set_left_label(self, text: str, colour: str | None = None, room_px: float = 0.0) -> None:
        """The y-axis title, shortened in the middle to fit the axis (a rotated title longer
        than its axis is cut by Qt), centred on it."""
        from app.plots.axis_ticks import fit_labels

        room = room_px or self.plot.getViewBox().sceneBoundingRect().height()
        fitted = fit_labels([text], 0.9 * room, AXIS_LABEL_PT)[0] if text else ""
        colour = colour or style.palette().text
        self.plot.setLabel("left", fitted, color=colour, **{"font-size": f"{AXIS_LABEL_PT}pt"})
        place_axis_title(self.plot.getAxis("left"))

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

    def _nearest_dot(
        self, scene_pos: QPointF, x: np.ndarray, y: np.ndarray, pick_px: float = 8.0
    ) -> int | None:
        """Index of the dot (x, y in data units) nearest to a scene position, if within
        `pick_px` screen pixels; the scatter plots' clicks and tooltips share it."""
        if x.size == 0:
            return None
        point = self.plot.getViewBox().mapSceneToView(scene_pos)
        px, py = self._pixel_size()
        dist = np.hypot((x - point.x()) / px, (y - point.y()) / py)
        i = int(np.argmin(dist))
        return i if dist[i] <= pick_px else None

    def _pixel_size(self) -> tuple[float, float]:
        """Data units per screen pixel along x and y."""
        vb = self.plot.getViewBox()
        (x0, x1), (y0, y1) = vb.viewRange()
        rect = vb.sceneBoundingRect()
        return (x1 - x0) / max(rect.width(), 1.0), (y1 - y0) / max(rect.height(), 1.0)


def place_axis_title(axis: pg.AxisItem) -> None:
    """Centre an axis title on its axis again. pyqtgraph centres it only when the axis is
    resized, so a new, shorter or longer text kept the old one's place and ran off the view."""
    if axis.label.isVisible():
        axis.resizeEvent()


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
