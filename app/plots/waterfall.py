"""Waterfall: how one row's prediction is built from the base value, feature by feature.

Bars start at the base value E[f(x)] at the bottom and step up to the row's output f(x) at the
top: red pushes the output up, blue pushes it down (shap's colours), the largest effect on top,
the small ones folded into "N other features" next to the base value.

Selecting a row redraws this plot on every click, so the graphics items are built once per
(number of steps, palette) and later rows only update them in place: re-creating ~40 items and
re-adding them to the scene cost ~20-40 ms a click, updating them costs a few.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QPointF, Qt
from PySide6.QtGui import QFont, QFontMetrics
from PySide6.QtWidgets import QWidget

from app.core.views import WaterfallData, WaterfallStep
from app.plots import style
from app.plots.base import TICK_FONT_PT, PlotBase, lane_index

BAR_HEIGHT = 0.62


@dataclass
class _Scene:
    """The graphics items of one drawn waterfall, reused while the step count and palette hold."""

    n: int
    palette: style.Palette
    bars: pg.BarGraphItem
    connectors: list[pg.PlotCurveItem]
    values: list[pg.TextItem]
    base_line: pg.InfiniteLine
    output_line: pg.InfiniteLine
    base_text: pg.TextItem
    out_text: pg.TextItem


class _Widths:
    """Pixel widths of texts in one font, remembered: row labels repeat across clicks."""

    def __init__(self, font: QFont) -> None:
        self._metrics = QFontMetrics(font)
        self._known: dict[str, int] = {}

    def widest(self, texts: list[str]) -> int:
        out = 0
        for text in texts:
            width = self._known.get(text)
            if width is None:
                if len(self._known) > 4096:  # bounded: a long session clicks many rows
                    self._known.clear()
                width = self._known[text] = self._metrics.horizontalAdvance(text)
            out = max(out, width)
        return out


class WaterfallPlot(PlotBase):
    """One row's SHAP values as a waterfall; clicking anywhere emits row_clicked(row)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        self._scene: _Scene | None = None
        self._labels: list[pg.TextItem] = []
        self._markers: tuple[pg.TextItem, pg.TextItem] | None = None
        self._widths = _Widths(style.base_font(TICK_FONT_PT))
        self._axis_state: tuple[object, ...] = ()
        super().__init__(parent)

    # ------------------------------------------------------------- scene lifecycle
    def _redraw(self) -> None:
        if self._data is None:
            self._drop_scene()
            return
        n = len(self._data.steps)
        scene = self._scene
        if scene is None or scene.n != n or scene.palette is not style.palette():
            self._drop_scene()
        self._draw()

    def clear(self) -> None:
        self._drop_scene()
        super().clear()

    def _drop_scene(self) -> None:
        self.plot.clear()
        self._scene = None
        self._labels = []
        self._markers = None
        self._axis_state = ()

    def _build_scene(self, n: int) -> _Scene:
        """Every item a waterfall with n steps needs, added in drawing order (later on top)."""
        pal = style.palette()
        font = style.base_font(TICK_FONT_PT)
        for k in range(n):  # light guide per step so the eye follows a label to its bar
            self.plot.addItem(
                pg.InfiniteLine(k, angle=0, pen=pg.mkPen(pal.grid, width=1, style=Qt.DotLine))
            )
        y = np.arange(n, dtype=np.float64)
        bars = pg.BarGraphItem(
            x0=np.zeros(n), y=y, height=BAR_HEIGHT, width=np.zeros(n), pen=None, brush=pal.positive
        )
        if n:
            self.plot.addItem(bars)
        # Thin connectors: each bar starts where the previous one ended.
        connector = pg.mkPen(pal.muted, width=1, style=Qt.DashLine)
        connectors = []
        for _ in range(max(n - 1, 0)):
            curve = pg.PlotCurveItem(pen=connector)
            self.plot.addItem(curve)
            connectors.append(curve)
        values = []
        for _ in range(n):
            text = pg.TextItem("", fill=pg.mkBrush(pal.background))
            text.setFont(font)
            self.plot.addItem(text)
            values.append(text)
        marker = pg.mkPen(pal.muted, width=1.2, style=Qt.DashLine)
        base_line = pg.InfiniteLine(0.0, angle=90, pen=marker)
        output_line = pg.InfiniteLine(0.0, angle=90, pen=pg.mkPen(pal.text))
        self.plot.addItem(base_line)
        self.plot.addItem(output_line)
        base_text = pg.TextItem(
            "", color=pal.muted, anchor=(0.5, 0), fill=pg.mkBrush(pal.background)
        )
        base_text.setFont(font)
        self.plot.addItem(base_text)
        out_text = pg.TextItem("", color=pal.text, anchor=(0, 1))
        out_text.setFont(style.base_font(TICK_FONT_PT, bold=True))
        self.plot.addItem(out_text)
        return _Scene(n, pal, bars, connectors, values, base_line, output_line, base_text, out_text)

    # ------------------------------------------------------------- drawing
    def _draw(self) -> None:
        data: WaterfallData = self._data
        pal = style.palette()
        extra = f" — {data.output_name}" if data.output_name else ""
        self.title.setText(f"Row {data.row}: {data.prediction_text}{extra}")
        steps = data.steps
        n = len(steps)
        if self._scene is None:
            self._scene = self._build_scene(n)
        scene = self._scene
        if n:
            shap = np.array([s.shap for s in steps])
            start = np.array([s.start for s in steps])
            brushes = [pg.mkBrush(pal.positive if v >= 0 else pal.negative) for v in shap]
            scene.bars.setOpts(
                x0=np.minimum(start, start + shap), width=np.abs(shap), brushes=brushes
            )
            for k, curve in enumerate(scene.connectors):
                end = start[k] + shap[k]
                curve.setData(
                    np.array([end, end]), np.array([k + BAR_HEIGHT / 2, k + 1 - BAR_HEIGHT / 2])
                )
            for k, (text, step) in enumerate(zip(scene.values, steps, strict=True)):
                positive = step.shap >= 0
                text.setText(
                    style.format_number(step.shap), color=pal.positive if positive else pal.negative
                )
                text.setAnchor((0 if positive else 1, 0.5))
                text.setPos(step.start + step.shap + 0.0, float(k))
        scene.base_line.setValue(data.base_value)
        scene.output_line.setValue(data.output_value)
        scene.base_text.setText(f"E[f(x)] = {style.format_plain(data.base_value)}")
        scene.base_text.setPos(data.base_value, -0.48)
        # The f(x) caption reads away from the plot's edge, so it is never cut off.
        lo, hi = self._extent()
        toward_right = data.output_value <= (lo + hi) / 2
        scene.out_text.setText(
            f"f(x) = {style.format_plain(data.output_value)}  →  {data.prediction_text}"
        )
        scene.out_text.setAnchor((0 if toward_right else 1, 1))
        scene.out_text.setPos(data.output_value, n - 0.42)
        self._labels = list(scene.values)
        self._markers = (scene.base_text, scene.out_text)
        self._update_axes(steps)
        self._fit_range()

    def _update_axes(self, steps: list[WaterfallStep]) -> None:
        """Feature names on the left, unit below; only what changed is touched (axes relayout)."""
        labels = [self._step_label(s.label) for s in steps]
        axis = self.plot.getAxis("left")
        axis.setTicks([list(zip(np.arange(len(labels), dtype=float), labels, strict=True)), []])
        width = self._widths.widest([line for label in labels for line in label.split("\n")]) + 14
        unit_label = self._data.unit.label
        state = (width, unit_label, style.palette())
        if state == self._axis_state:
            return
        axis.setWidth(width)
        axis.setStyle(tickLength=0)
        self._set_axis_label(unit_label)
        self._axis_state = state

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
        label_px = self._widths.widest([style.format_number(s.shap) for s in data.steps])
        width_px = max(self.plot.getViewBox().width(), 160.0)
        # Side padding wide enough for value labels beside the outermost bars.
        pad = (label_px + 12) / width_px
        frac = min(pad / max(1 - 2 * pad, 0.3), 1.0)
        n = len(data.steps)
        # Room for the f(x) caption above the top bar and E[f(x)] below the bottom one: in a
        # short (docked) plot a fixed margin in lanes was fewer pixels than a line of text.
        text_px = QFontMetrics(style.base_font(TICK_FONT_PT, bold=True)).height() + 8
        height_px = max(self.plot.getViewBox().height(), 4.0 * text_px)
        lanes = n + 0.83  # from the E[f(x)] anchor (-0.48) to the f(x) anchor (n - 0.42)
        margin = max(0.67, text_px * (lanes + 0.77) / max(height_px - 2 * text_px, text_px))
        self.plot.getViewBox().setRange(
            xRange=(lo - span * frac, hi + span * frac),
            yRange=(-0.48 - max(0.77, margin), n - 0.42 + margin),
            padding=0,
        )

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
