"""Partial dependence / ICE lines over a histogram of the feature, and the two-feature heatmap.

The PD curve is the thick line; ICE lines are thin and translucent so a hundred of them read as
a band; the selected row's ICE line is drawn on top in the 'pushes up' colour with its own value
marked. The strip below shows how many rows have each value, so a stretch of the curve that
rests on few rows (extrapolation) is visible.
"""

from __future__ import annotations

import html

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QPointF
from PySide6.QtGui import QColor
from PySide6.QtWidgets import QWidget

from app.core.base import formatting
from app.core.debugging.behaviour.pd_views import PD2PlotData, PDPlotData
from app.plots import style
from app.plots.axis_ticks import set_category_ticks, set_count_ticks
from app.plots.base import AXIS_LABEL_PT, PlotBase, finite_range, padded_range
from app.plots.colourbar import ColourBar

ICE_ALPHA = 60
NOTE_STYLE = "'font-weight:400; font-size:9pt'"  # the title's second line: plain, smaller
STRIP_STRETCH = (5, 1)  # rows of the layout: curves, histogram
STRIP_AXIS_PX = 48  # the strip's tick labels and axis title


def titled(title: str, note: str) -> str:
    """A bold title with a plain, smaller second line (rich text for the title label)."""
    return f"{html.escape(title)}<br><span style={NOTE_STYLE}>{html.escape(note)}</span>"


class PDPlot(PlotBase):
    """Draws a PDPlotData: ICE lines, the PD curve, the selected row, a histogram strip."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.hist: pg.PlotItem = self.view.addPlot(row=1, col=0)
        self.hist.setMenuEnabled(False)
        self.hist.hideButtons()
        self.hist.getViewBox().setMouseEnabled(x=False, y=False)
        self.hist.setXLink(self.plot)
        layout = self.view.ci.layout
        layout.setRowStretchFactor(0, STRIP_STRETCH[0])
        layout.setRowStretchFactor(1, STRIP_STRETCH[1])
        self.plot.getAxis("bottom").setStyle(showValues=False)
        for name in ("left", "bottom"):
            axis = self.hist.getAxis(name)
            axis.setPen(pg.mkPen(style.palette().muted))
            axis.setTextPen(pg.mkPen(style.palette().text))
            axis.setStyle(tickFont=style.base_font(8.0))
            axis.enableAutoSIPrefix(False)

    def clear(self) -> None:
        self.hist.clear()
        super().clear()

    def _redraw(self) -> None:
        self.hist.clear()
        super()._redraw()

    def _draw(self) -> None:
        d: PDPlotData = self._data
        pal = style.palette()
        # The axis names the feature in full; the title elides it so a docked plot keeps room.
        self.title.setText(
            titled(d.title.replace(d.feature, self.label(d.feature)), self._legend(d))
        )
        if d.lines.size:
            xs = np.tile(np.append(d.x, np.nan), d.lines.shape[0])
            ys = np.column_stack([d.lines, np.full(d.lines.shape[0], np.nan)]).ravel()
            grey = QColor(pal.muted)
            grey.setAlpha(ICE_ALPHA)
            self.plot.addItem(
                pg.PlotCurveItem(xs, ys, pen=pg.mkPen(grey, width=1), connect="finite")
            )
        categorical = d.tick_labels is not None
        self.plot.addItem(pg.PlotCurveItem(d.x, d.average, pen=pg.mkPen(pal.bar, width=3)))
        if categorical:
            self.plot.addItem(
                pg.ScatterPlotItem(d.x, d.average, size=9, brush=pg.mkBrush(pal.bar), pen=None)
            )
        if d.selected_line is not None:
            self.plot.addItem(
                pg.PlotCurveItem(d.x, d.selected_line, pen=pg.mkPen(pal.positive, width=2.5))
            )
            if d.selected_at is not None:
                x, y = d.selected_at
                self.plot.addItem(
                    pg.ScatterPlotItem(
                        [x], [y], size=13, symbol="d", brush=pg.mkBrush(pal.positive),
                        pen=pg.mkPen(pal.text, width=1),
                    )
                )  # fmt: skip
        self._draw_histogram(d, categorical)
        self.plot.setLabel("left", d.y_label, color=pal.text, **{"font-size": f"{AXIS_LABEL_PT}pt"})
        label = self.label(d.feature)
        self.hist.setLabel("bottom", label, color=pal.text, **{"font-size": f"{AXIS_LABEL_PT}pt"})
        self._fit_range()

    def _legend(self, d: PDPlotData) -> str:
        parts = ["thick: average"]
        if d.lines.size:
            parts.append(f"thin: {d.lines.shape[0]} rows' ICE lines")
        if d.selected_row is not None:
            parts.append(f"red: row {d.selected_row}")
        if d.missing:
            parts.append(f"{d.missing:,} missing not shown")
        return " · ".join(parts)

    def _draw_histogram(self, d: PDPlotData, categorical: bool) -> None:
        pal = style.palette()
        colour = QColor(pal.bar)
        colour.setAlpha(120)
        if categorical:
            bars = pg.BarGraphItem(
                x=d.x, height=d.hist_counts, width=0.7, brush=pg.mkBrush(colour), pen=None
            )
        elif d.hist_edges.size:
            bars = pg.BarGraphItem(
                x0=d.hist_edges[:-1], x1=d.hist_edges[1:], height=d.hist_counts,
                brush=pg.mkBrush(colour), pen=None,
            )  # fmt: skip
        else:
            return
        self.hist.addItem(bars)
        left = self.plot.getAxis("left")
        self.hist.getAxis("left").setWidth(left.width())

    def _fit_range(self) -> None:
        d: PDPlotData = self._data
        # The strip is context, not the subject: its axis plus a sixth of the height for bars.
        height = self.view.height()
        strip = min(STRIP_AXIS_PX + max(16.0, height / 6), 0.42 * height)
        self.hist.setMinimumHeight(strip)
        self.hist.setMaximumHeight(strip)
        lines = [d.average, d.lines.ravel()]
        if d.selected_line is not None:
            lines.append(d.selected_line)
        y0, y1 = padded_range(*finite_range(lines), 0.06, 0.06)
        if d.tick_labels is not None:
            x0, x1 = -0.6, d.x.size - 0.4
            axis = self.hist.getAxis("bottom")
            labels = [str(t) for t in d.tick_labels]  # shortened to their share of the axis
            width = self.hist.getViewBox().sceneBoundingRect().width()
            set_category_ticks(axis, labels, width)
        else:
            self.hist.getAxis("bottom").setTicks(None)
            x0, x1 = padded_range(float(d.x[0]), float(d.x[-1]), 0.02, 0.02)
        self.plot.getViewBox().setRange(xRange=(x0, x1), yRange=(y0, y1), padding=0)
        top = max(float(d.hist_counts.max()) if d.hist_counts.size else 1.0, 1.0)
        self.hist.getViewBox().setRange(yRange=(0, top * 1.08), padding=0)
        set_count_ticks(self.hist.getAxis("left"), top)
        self.hist.getAxis("left").setWidth(self.plot.getAxis("left").width())
        self._set_left_label(d.y_label)

    def _tooltip(self, x: float, y: float) -> str:
        d: PDPlotData = self._data
        i = int(np.argmin(np.abs(d.x - x)))
        value = d.tick_labels[i] if d.tick_labels is not None else f"{d.x[i]:.4g}"
        text = f"{d.feature} = {value}: average {formatting.signed(float(d.average[i]))}"
        if d.selected_line is not None:
            text += f", row {d.selected_row}: {formatting.signed(float(d.selected_line[i]))}"
        return text


class PD2Plot(PlotBase):
    """Draws a PD2PlotData as a heatmap: x levels across, y levels up, colour = average."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.colour_bar = ColourBar()
        self.view.addItem(self.colour_bar, row=0, col=1)

    def _draw(self) -> None:
        d: PD2PlotData = self._data
        title = d.title.replace(d.x_feature, self.label(d.x_feature))
        title = title.replace(d.y_feature, self.label(d.y_feature))
        z = d.z
        lo, hi = finite_range([z])
        scaled = (z - lo) / (hi - lo) if hi > lo else np.zeros_like(z)
        image = pg.ImageItem(style.colours_for(scaled.ravel()).reshape(*z.shape, 4))
        image.setRect(-0.5, -0.5, z.shape[0], z.shape[1])
        self.plot.addItem(image)
        self.colour_bar.title = d.z_label
        self.colour_bar.update()
        low, high = formatting.signed(lo), formatting.signed(hi)
        self.title.setText(titled(title, f"colour: {d.z_label} from {low} (low) to {high} (high)"))
        self._set_axis_label(self.label(d.x_feature))
        self._fit_range()

    def _fit_range(self) -> None:
        d: PD2PlotData = self._data
        vb = self.plot.getViewBox()
        vb.setRange(
            xRange=(-0.5, len(d.x_labels) - 0.5), yRange=(-0.5, len(d.y_labels) - 0.5), padding=0
        )
        rect = vb.sceneBoundingRect()
        set_category_ticks(self.plot.getAxis("bottom"), [str(t) for t in d.x_labels], rect.width())
        left = self.plot.getAxis("left")
        step = max(1, int(np.ceil(len(d.y_labels) * 18 / max(rect.height(), 1.0))))
        names = self.category_labels(d.y_labels)
        ticks = [(float(i), names[i]) for i in range(len(names)) if i % step == 0]
        left.setTicks([ticks, []])
        self._set_left_label(self.label(d.y_feature), room_px=rect.height())
        left.setWidth(style.text_width([t for _, t in ticks] or [""], style.base_font(9.0)) + 30)

    def _tooltip(self, x: float, y: float) -> str:
        d: PD2PlotData = self._data
        a, b = round(x), round(y)
        if not (0 <= a < len(d.x_labels) and 0 <= b < len(d.y_labels)):
            return ""
        value = formatting.signed(float(d.z[a, b]))
        return f"{d.x_feature} = {d.x_labels[a]}, {d.y_feature} = {d.y_labels[b]}: {value}"

    def _row_at(self, scene_pos: QPointF) -> int | None:
        return None
