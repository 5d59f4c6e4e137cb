"""Waterfall: how one row's prediction is built from the base value, feature by feature.

Bars start at the base value E[f(x)] at the bottom and step up to the row's output f(x) at the
top: red pushes the output up, blue pushes it down (shap's colours), the largest effect on top,
the small ones folded into "N other features" next to the base value.
"""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QPointF, Qt
from PySide6.QtWidgets import QWidget

from app.core.views import WaterfallData
from app.plots import style
from app.plots.base import TICK_FONT_PT, PlotBase, lane_index

BAR_HEIGHT = 0.62


class WaterfallPlot(PlotBase):
    """One row's SHAP values as a waterfall; clicking anywhere emits row_clicked(row)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._labels: list[pg.TextItem] = []

    def _draw(self) -> None:
        data: WaterfallData = self._data
        pal = style.palette()
        extra = f" — {data.output_name}" if data.output_name else ""
        self.title.setText(f"Row {data.row}: {data.prediction_text}{extra}")
        steps = data.steps
        n = len(steps)
        font = style.base_font(TICK_FONT_PT)
        self._labels = []
        y = np.arange(n, dtype=np.float64)
        for k in range(n):  # light guide per step so the eye follows a label to its bar
            self.plot.addItem(
                pg.InfiniteLine(k, angle=0, pen=pg.mkPen(pal.grid, width=1, style=Qt.DotLine))
            )
        if n:
            shap = np.array([s.shap for s in steps])
            start = np.array([s.start for s in steps])
            x0 = np.minimum(start, start + shap)
            brushes = [pg.mkBrush(pal.positive if v >= 0 else pal.negative) for v in shap]
            self.plot.addItem(
                pg.BarGraphItem(
                    x0=x0, y=y, height=BAR_HEIGHT, width=np.abs(shap), brushes=brushes, pen=None
                )
            )
            # Thin connectors: each bar starts where the previous one ended.
            connector = pg.mkPen(pal.muted, width=1, style=Qt.DashLine)
            for k in range(n - 1):
                end = start[k] + shap[k]
                self.plot.plot(
                    [end, end], [k + BAR_HEIGHT / 2, k + 1 - BAR_HEIGHT / 2], pen=connector
                )
            for k, step in enumerate(steps):
                positive = step.shap >= 0
                colour = pal.positive if positive else pal.negative
                text = pg.TextItem(
                    style.format_number(step.shap),
                    color=colour,
                    anchor=(0 if positive else 1, 0.5),
                    fill=pg.mkBrush(pal.background),
                )
                text.setFont(font)
                text.setPos(step.start + step.shap + 0.0, float(k))
                self.plot.addItem(text)
                self._labels.append(text)
        marker = pg.mkPen(pal.muted, width=1.2, style=Qt.DashLine)
        self.plot.addItem(pg.InfiniteLine(data.base_value, angle=90, pen=marker))
        self.plot.addItem(pg.InfiniteLine(data.output_value, angle=90, pen=pg.mkPen(pal.text)))
        base_text = pg.TextItem(
            f"E[f(x)] = {style.format_plain(data.base_value)}",
            color=pal.muted,
            anchor=(0.5, 0),
            fill=pg.mkBrush(pal.background),
        )
        base_text.setFont(font)
        base_text.setPos(data.base_value, -0.48)
        self.plot.addItem(base_text)
        out_font = style.base_font(TICK_FONT_PT, bold=True)
        # The f(x) caption reads away from the plot's edge, so it is never cut off.
        lo, hi = self._extent()
        toward_right = data.output_value <= (lo + hi) / 2
        out_text = pg.TextItem(
            f"f(x) = {style.format_plain(data.output_value)}  →  {data.prediction_text}",
            color=pal.text,
            anchor=(0 if toward_right else 1, 1),
        )
        out_text.setFont(out_font)
        out_text.setPos(data.output_value, n - 0.42)
        self.plot.addItem(out_text)
        self._markers = (base_text, out_text)
        self._set_category_axis([self._step_label(s.label) for s in steps], list(y))
        self._set_axis_label(data.unit.label)
        self._fit_range()

    def _step_label(self, text: str) -> str:
        """Elided in the app; in exports a long "name = value" breaks after the "=" instead."""
        if not self._full_labels:
            return self.label(text)
        name, sep, value = text.partition(" = ")
        return f"{name} =\n{value}" if sep and len(text) > 40 else text

    def _extent(self) -> tuple[float, float]:
        data: WaterfallData = self._data
        ends = [data.base_value, data.output_value]
        for s in data.steps:
            ends += [s.start, s.start + s.shap]
        return float(min(ends)), float(max(ends))

    def _fit_range(self) -> None:
        data: WaterfallData = self._data
        lo, hi = self._extent()
        span = hi - lo if hi > lo else max(abs(hi), 1.0)
        font = style.base_font(TICK_FONT_PT)
        label_px = style.text_width([style.format_number(s.shap) for s in data.steps], font)
        width_px = max(self.plot.getViewBox().width(), 160.0)
        # Side padding wide enough for value labels beside the outermost bars.
        pad = (label_px + 12) / width_px
        frac = min(pad / max(1 - 2 * pad, 0.3), 1.0)
        self.plot.setXRange(lo - span * frac, hi + span * frac, padding=0)
        self.plot.setYRange(-1.25, len(data.steps) + 0.25, padding=0)

    def _tooltip(self, x: float, y: float) -> str:
        data: WaterfallData = self._data
        n = len(data.steps)
        i = lane_index(y, n)
        if i is None:
            return ""
        step = data.steps[n - 1 - i]
        return (
            f"{step.label}\nSHAP value {style.format_number(step.shap)} ({data.unit.value})\n"
            f"running total {style.format_plain(step.start)} → "
            f"{style.format_plain(step.start + step.shap)}"
        )

    def _row_at(self, scene_pos: QPointF) -> int | None:
        return int(self._data.row)
