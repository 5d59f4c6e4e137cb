"""ROC, precision-recall, calibration and gain/lift curves; regression fit and residuals.

One line per group in its own colour (a single group in the palette's neutral colour) with the
current threshold's point marked. On ROC, PR and gain curves, pressing on or dragging along a
curve emits `threshold_picked(t)` with the threshold of the nearest curve point; the window
turns that into the threshold every view follows.
"""

from __future__ import annotations

import html

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QEvent, QObject, QPointF, Qt, Signal
from PySide6.QtGui import QColor
from PySide6.QtWidgets import QWidget

from app.core.base import formatting
from app.core.debugging.behaviour.curve_views import CurveLine, CurvePlotData, FitPlotData
from app.core.debugging.behaviour.curves import Curve, threshold_at
from app.plots import style
from app.plots.axis_ticks import set_count_ticks
from app.plots.base import AXIS_LABEL_PT, PlotBase, finite_range, padded_range
from app.plots.pdp import NOTE_STYLE

STRIP_STRETCH = (4, 1)
STRIP_AXIS_PX = 48  # the strip's tick labels and axis title
PICK_PIXELS = 8
DOT = 5


def group_colours(n: int) -> list[QColor]:
    if n <= 1:
        return [QColor(style.palette().bar)]
    qual = style.palette().categories
    return [QColor(qual[i % len(qual)]) for i in range(n)]


class CurvePlot(PlotBase):
    """Draws a CurvePlotData; `threshold_picked(t)` when the user presses/drags on a curve."""

    threshold_picked = Signal(float)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.strip: pg.PlotItem = self.view.addPlot(row=1, col=0)
        self.strip.setMenuEnabled(False)
        self.strip.hideButtons()
        self.strip.getViewBox().setMouseEnabled(x=False, y=False)
        self.strip.setXLink(self.plot)
        self.view.ci.layout.setRowStretchFactor(0, STRIP_STRETCH[0])
        self.view.ci.layout.setRowStretchFactor(1, STRIP_STRETCH[1])
        self._markers: list[pg.ScatterPlotItem] = []
        self._dragging = False
        self.view.viewport().installEventFilter(self)

    def clear(self) -> None:
        self.strip.clear()
        super().clear()

    def set_data(self, data: CurvePlotData) -> None:
        old = self._data
        self._data = data
        if old is not None and _same_lines(old, data) and self._markers:
            self._move_markers()  # only the threshold moved: keep the lines
            return
        self._redraw()

    def _redraw(self) -> None:
        self.strip.clear()
        self._markers = []
        super()._redraw()

    def _draw(self) -> None:
        d: CurvePlotData = self._data
        pal = style.palette()
        colours = group_colours(len(d.lines))
        if d.reference is not None:
            (x0, y0), (x1, y1) = d.reference
            dash = pg.mkPen(pal.muted, width=1, style=Qt.PenStyle.DashLine)
            self.plot.addItem(pg.PlotCurveItem([x0, x1], [y0, y1], pen=dash))
        for line, colour in zip(d.lines, colours, strict=True):
            self.plot.addItem(pg.PlotCurveItem(line.x, line.y, pen=pg.mkPen(colour, width=2)))
            if d.kind == "calibration":
                self.plot.addItem(
                    pg.ScatterPlotItem(line.x, line.y, size=7, brush=pg.mkBrush(colour), pen=None)
                )
        for line, colour in zip(d.lines, colours, strict=True):
            self._markers.append(self._marker(line, colour, self.plot))
        self._draw_strip(d, colours)
        self._move_markers()
        self._set_labels(d)
        self._fit_range()

    def _set_labels(self, d: CurvePlotData) -> None:
        pal = style.palette()
        font = {"font-size": f"{AXIS_LABEL_PT}pt"}
        self.plot.setLabel("left", d.y_label, color=pal.text, **font)
        target = self.strip if d.strip is not None else self.plot
        other = self.plot if d.strip is not None else self.strip
        target.setLabel("bottom", d.x_label, color=pal.text, **font)
        other.setLabel("bottom", "")
        self.plot.getAxis("bottom").setStyle(showValues=d.strip is None)
        # A hidden strip must give its row back, or the curve sits in the top 80%.
        self.strip.setVisible(d.strip is not None)
        if d.strip is None:
            self.strip.setMinimumHeight(0)
            self.strip.setMaximumHeight(0)
        self.view.ci.layout.setRowStretchFactor(1, STRIP_STRETCH[1] if d.strip else 0)
        if d.strip is not None:
            self.strip.setLabel("left", d.strip.label, color=pal.muted)

    def _marker(self, line: CurveLine, colour: QColor, where: pg.PlotItem) -> pg.ScatterPlotItem:
        item = pg.ScatterPlotItem(
            size=13, brush=pg.mkBrush(colour), pen=pg.mkPen(style.palette().text, width=1.5)
        )
        where.addItem(item)
        return item

    def _move_markers(self) -> None:
        d: CurvePlotData = self._data
        points = [line.marker for line in d.lines]
        if d.strip is not None and d.strip.lines:
            points += [line.marker for line in d.strip.lines]
        for item, point in zip(self._markers, points, strict=False):
            if point is None:
                item.setData([], [])
            else:
                item.setData([point[0]], [point[1]])
        colours = group_colours(len(d.lines))
        legend = "   ".join(
            f"<span style='color:{c.name()}'>■</span> "
            f"{html.escape(self.label(line.name) + line.stat)}"
            for line, c in zip(d.lines, colours, strict=True)
        )
        self.title.setText(f"{html.escape(d.title)}<br><span style={NOTE_STYLE}>{legend}</span>")

    def _draw_strip(self, d: CurvePlotData, colours: list[QColor]) -> None:
        if d.strip is None:
            return
        for (_name, x, height), colour in zip(d.strip.bars, colours, strict=False):
            fill = QColor(colour)
            fill.setAlpha(150)
            self.strip.addItem(
                pg.BarGraphItem(x=x, height=height, width=d.strip.width, brush=fill, pen=None)
            )
        for line, colour in zip(d.strip.lines, colours, strict=False):
            self.strip.addItem(pg.PlotCurveItem(line.x, line.y, pen=pg.mkPen(colour, width=2)))
            self._markers.append(self._marker(line, colour, self.strip))
        if d.strip.lines:
            dash = pg.mkPen(style.palette().muted, width=1, style=Qt.PenStyle.DashLine)
            self.strip.addItem(pg.InfiniteLine(1.0, angle=0, pen=dash))

    def _fit_range(self) -> None:
        d: CurvePlotData = self._data
        self.plot.getViewBox().setRange(xRange=(-0.02, 1.04), yRange=(-0.02, 1.04), padding=0)
        self._set_left_label(d.y_label)
        if d.strip is not None:
            height = STRIP_AXIS_PX + max(30.0, self.view.height() / 5)
            self.strip.setMinimumHeight(height)
            self.strip.setMaximumHeight(height)
            # Lift over the first few rows is noise (one positive in three rows is lift 10):
            # the range follows the curve from 5% of the rows on.
            steady = [line.y[line.x >= 0.05] for line in d.strip.lines]
            arrays = [h for _n, _x, h in d.strip.bars] + steady
            _, hi = finite_range(arrays)
            self.strip.getViewBox().setRange(yRange=(0, max(hi, 1.0) * 1.08), padding=0)
            if d.strip.bars:
                set_count_ticks(self.strip.getAxis("left"), hi)
            else:
                self.strip.getAxis("left").setTicks(None)
            self.strip.getAxis("left").setWidth(self.plot.getAxis("left").width())

    # ---------------------------------------------------------------- dragging the threshold
    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        d: CurvePlotData | None = self._data
        if d is None or not d.draggable:
            return False
        kind = event.type()
        if kind == QEvent.Type.MouseButtonPress and event.button() == Qt.MouseButton.LeftButton:
            self._dragging = self._pick(self.view.mapToScene(event.position().toPoint()))
            return self._dragging
        if kind == QEvent.Type.MouseMove and self._dragging:
            self._pick(self.view.mapToScene(event.position().toPoint()))
            return True
        if kind == QEvent.Type.MouseButtonRelease and self._dragging:
            self._dragging = False
            return True
        return False

    def _pick(self, scene_pos: QPointF) -> bool:
        """Emit the threshold of the curve point nearest the pointer; False if none is near."""
        d: CurvePlotData = self._data
        vb = self.plot.getViewBox()
        if not vb.sceneBoundingRect().contains(scene_pos):
            return False
        point = vb.mapSceneToView(scene_pos)
        px, py = self._pixel_size()
        best: tuple[float, float] | None = None
        for line in d.lines:
            if not line.thresholds.size:
                continue
            dist = np.hypot((line.x - point.x()) / px, (line.y - point.y()) / py)
            dist[~np.isfinite(dist)] = np.inf
            i = int(np.argmin(dist))
            if best is None or dist[i] < best[0]:
                best = (float(dist[i]), float(np.clip(line.thresholds[i], 0.0, 1.0)))
        if best is None or (not self._dragging and best[0] > PICK_PIXELS):
            return False
        self.threshold_picked.emit(best[1])
        return True

    def threshold_near(self, x: float, y: float) -> float | None:
        """The threshold the first curve's point nearest (x, y) in data units stands for."""
        line = self._data.lines[0]
        return threshold_at(Curve(line.x, line.y, line.thresholds), x, y)

    def _tooltip(self, x: float, y: float) -> str:
        d: CurvePlotData = self._data
        if not d.draggable or not d.lines or not d.lines[0].thresholds.size:
            return ""
        t = self.threshold_near(x, y)
        return "" if t is None else f"threshold {t:.3f} here: press or drag to use it"


def _same_lines(a: CurvePlotData, b: CurvePlotData) -> bool:
    return (
        a.kind == b.kind
        and len(a.lines) == len(b.lines)
        and all(p.x is q.x for p, q in zip(a.lines, b.lines, strict=True))
    )


class FitPlot(PlotBase):
    """Draws a FitPlotData: one dot per row, the reference line; clicking a dot selects it."""

    def _draw(self) -> None:
        d: FitPlotData = self._data
        pal = style.palette()
        self.title.setText(d.title)
        (x0, y0), (x1, y1) = d.reference
        dash = pg.mkPen(pal.muted, width=1, style=Qt.PenStyle.DashLine)
        self.plot.addItem(pg.PlotCurveItem([x0, x1], [y0, y1], pen=dash))
        colour = QColor(pal.bar)
        colour.setAlpha(120)
        self.plot.addItem(pg.ScatterPlotItem(d.x, d.y, size=DOT, brush=colour, pen=None))
        at = np.flatnonzero(d.rows == d.selected) if d.selected is not None else []
        if len(at):
            self.plot.addItem(
                pg.ScatterPlotItem(
                    d.x[at], d.y[at], size=DOT + 9, brush=None, pen=pg.mkPen(pal.text, width=2)
                )
            )
        self.plot.setLabel("left", d.y_label, color=pal.text)
        self._set_axis_label(d.x_label)
        self._fit_range()

    def _fit_range(self) -> None:
        d: FitPlotData = self._data
        x0, x1 = padded_range(*finite_range([d.x]))
        y0, y1 = padded_range(*finite_range([d.y]))
        self.plot.getViewBox().setRange(xRange=(x0, x1), yRange=(y0, y1), padding=0)

    def _nearest(self, scene_pos: QPointF) -> int | None:
        d: FitPlotData = self._data
        if d is None:
            return None
        return self._nearest_dot(scene_pos, d.x, d.y, PICK_PIXELS)

    def _row_at(self, scene_pos: QPointF) -> int | None:
        i = self._nearest(scene_pos)
        return None if i is None else int(self._data.rows[i])

    def _tooltip(self, x: float, y: float) -> str:
        d: FitPlotData = self._data
        i = self._nearest(self.plot.getViewBox().mapViewToScene(QPointF(x, y)))
        if i is None:
            return ""
        return f"row {int(d.rows[i])}: x {formatting.signed(float(d.x[i]))}, y {formatting.signed(float(d.y[i]))}"
