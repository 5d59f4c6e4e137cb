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
from PySide6.QtWidgets import QToolTip, QWidget

from app.core.base import formatting
from app.core.explain.views import WaterfallData, WaterfallStep, fold_steps
from app.plots import style
from app.plots.base import LABEL_MIN_PX, TICK_FONT_PT, PlotBase, lane_index

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


BAR_ROOM_PX = 440  # what the bars and their value labels keep when names take more than a share


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

    # ------------------------------------------------------------- what fits
    def _caption_font(self) -> QFont:
        return style.base_font(TICK_FONT_PT, bold=True)

    def step_limit(self) -> int:
        """Steps the view can label: the f(x) and E[f(x)] captions take about two lines, and
        an export's two-line "name =\nvalue" labels two lanes' worth each."""
        caption_px = 2 * (QFontMetrics(self._caption_font()).height() + 8)
        one_line = max(2, self.lane_capacity(reserved_px=caption_px))
        if not self._two_line_labels(caption_px):
            return one_line
        return max(2, one_line // 2)

    def _two_line_labels(self, caption_px: float | None = None) -> bool:
        """Exports break long labels after the "=" when every step still fits that way."""
        if not self._full_labels or self._data is None:
            return False
        if caption_px is None:
            caption_px = 2 * (QFontMetrics(self._caption_font()).height() + 8)
        return self.lane_capacity(reserved_px=caption_px) // 2 >= len(self._data.steps)

    def label_room(self) -> float:
        """The names' share of the width, or as much as the longest "name = value" needs while
        the bars keep BAR_ROOM_PX (a wide view cut "Married, living wi…the same household"
        in the middle beside empty space), less whatever the f(x) caption needs beside them."""
        if self._data is None:
            return super().label_room()
        widest = self._widths.widest([step.label for step in self._data.steps]) + 12
        room = max(super().label_room(), min(widest, self.width() - BAR_ROOM_PX))
        caption = QFontMetrics(self._caption_font()).horizontalAdvance(self._caption_text())
        return float(max(LABEL_MIN_PX, min(room, self.width() - caption - 70)))

    def _caption_text(self) -> str:
        """ "f(x) = 2.41  →  P(positive class) = 0.92", or just "f(x) = 2.41" where a narrow
        view would otherwise give the names no room (the title names the prediction too)."""
        data: WaterfallData = self._data
        short = f"f(x) = {formatting.plain(data.output_value)}"
        full = f"{short}  →  {data.prediction_text}"
        needed = QFontMetrics(self._caption_font()).horizontalAdvance(full)
        return full if self.width() - needed - 70 >= 2 * LABEL_MIN_PX else short

    def steps(self) -> list[WaterfallStep]:
        """The data's steps, the smallest folded into "N other features" when space is short."""
        return fold_steps(self._data.steps, self.step_limit()) if self._data is not None else []

    def _size_key(self) -> object:
        n = len(self._data.steps) if self._data is not None else 0
        return (min(n, self.step_limit()), self.label_room())

    # ------------------------------------------------------------- scene lifecycle
    def _redraw(self) -> None:
        QToolTip.hideText()  # the last row's tooltip must not linger over the next row
        if self._data is None:
            self._drop_scene()
            return
        self._drawn_size_key = self._size_key()
        n = len(self.steps())
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
        # On a background fill and above the lines, so the dashed E[f(x)] line cannot run
        # through the caption.
        out_text = pg.TextItem("", color=pal.text, anchor=(0, 1), fill=pg.mkBrush(pal.background))
        out_text.setFont(style.base_font(TICK_FONT_PT, bold=True))
        out_text.setZValue(20)
        self.plot.addItem(out_text)
        return _Scene(n, pal, bars, connectors, values, base_line, output_line, base_text, out_text)

    # ------------------------------------------------------------- drawing
    def _draw(self) -> None:
        data: WaterfallData = self._data
        pal = style.palette()
        extra = f" — {data.output_name}" if data.output_name else ""
        self.title.setText(f"Row {data.row}: {data.prediction_text}{extra}")
        steps = self.steps()
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
                    formatting.signed(step.shap), color=pal.positive if positive else pal.negative
                )
                text.setAnchor((0 if positive else 1, 0.5))
                text.setPos(step.start + step.shap + 0.0, float(k))
        scene.base_line.setValue(data.base_value)
        scene.output_line.setValue(data.output_value)
        scene.base_text.setText(f"E[f(x)] = {formatting.plain(data.base_value)}")
        scene.base_text.setPos(data.base_value, -0.48)
        scene.out_text.setText(self._caption_text())
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
        """Shortened to the room there is, keeping the value; in exports a long "name = value"
        breaks after the "=" instead, each line fitted to the room."""
        font = style.base_font(TICK_FONT_PT)
        room = self.label_room()
        name, sep, value = text.partition(" = ")
        if sep and len(text) > 40 and self._two_line_labels():
            return f"{style.elide_px(name + ' =', room, font)}\n{style.elide_px(value, room, font)}"
        return style.elide_pair(text, room, font)

    def _extent(self) -> tuple[float, float]:
        data: WaterfallData = self._data
        ends = [data.base_value, data.output_value]
        for s in self.steps():
            ends += [s.start, s.start + s.shap]
        return float(min(ends)), float(max(ends))

    def _fit_range(self) -> None:
        lo, hi = self._extent()
        span = hi - lo if hi > lo else max(abs(hi), 1.0)
        steps = self.steps()
        label_px = self._widths.widest([formatting.signed(s.shap) for s in steps])
        width_px = max(self.plot.getViewBox().width(), 160.0)
        # Side padding wide enough for value labels beside the outermost bars.
        pad = (label_px + 12) / width_px
        frac = min(pad / max(1 - 2 * pad, 0.3), 1.0)
        n = len(steps)
        # Room for the f(x) caption above the top bar and E[f(x)] below the bottom one: in a
        # short (docked) plot a fixed margin in lanes was fewer pixels than a line of text.
        text_px = QFontMetrics(style.base_font(TICK_FONT_PT, bold=True)).height() + 8
        height_px = max(self.plot.getViewBox().height(), 4.0 * text_px)
        lanes = n + 0.83  # from the E[f(x)] anchor (-0.48) to the f(x) anchor (n - 0.42)
        margin = max(0.67, text_px * (lanes + 0.77) / max(height_px - 2 * text_px, text_px))
        x_range = (lo - span * frac, hi + span * frac)
        self.plot.getViewBox().setRange(
            xRange=x_range, yRange=(-0.48 - max(0.77, margin), n - 0.42 + margin), padding=0
        )
        self._place_caption(x_range, n)

    def _place_caption(self, x_range: tuple[float, float], n: int) -> None:
        """The f(x) caption starts at the output line and reads away from the nearer edge;
        where it is wider than that side, it slides inward so it is never cut off."""
        if self._scene is None:
            return
        caption, output = self._scene.out_text, self._data.output_value
        text_px = QFontMetrics(style.base_font(TICK_FONT_PT, bold=True)).horizontalAdvance(
            caption.toPlainText()
        )
        x_per_px = (x_range[1] - x_range[0]) / max(self.plot.getViewBox().width(), 1.0)
        width = (text_px + 8) * x_per_px  # the fill adds a few pixels of margin
        toward_right = output <= (x_range[0] + x_range[1]) / 2
        left = output if toward_right else output - width
        left = min(max(left, x_range[0]), x_range[1] - width)
        caption.setAnchor((0, 1))
        caption.setPos(max(left, x_range[0]), n - 0.42)

    def _tooltip(self, x: float, y: float) -> str:
        data: WaterfallData = self._data
        steps = self.steps()
        n = len(steps)
        i = lane_index(y, n)
        if i is None:
            return ""
        step = steps[n - 1 - i]
        return (
            f"{step.label}\nSHAP value {formatting.signed(step.shap)} ({data.unit.value})\n"
            f"running total {formatting.plain(step.start)} → "
            f"{formatting.plain(step.start + step.shap)}"
        )

    def _row_at(self, scene_pos: QPointF) -> int | None:
        return int(self._data.row)
