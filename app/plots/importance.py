"""Global importance: horizontal bars of mean |SHAP| per feature, most important at the top."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pyqtgraph as pg
from PySide6.QtWidgets import QWidget

from app.core.base import formatting
from app.core.explain.views import ImportanceData
from app.plots import style
from app.plots.base import TICK_FONT_PT, PlotBase, lane_index

MAX_BARS = 20  # beyond this, the least important features share one bar (as shap does)


def bars(data: ImportanceData, max_bars: int = MAX_BARS) -> tuple[list[str], np.ndarray, int]:
    """Labels and values top-down; the tail folded into 'Sum of N other features'."""
    names, values = list(data.features), np.asarray(data.mean_abs, dtype=np.float64)
    if len(names) <= max_bars:
        return names, values, 0
    keep = max_bars - 1
    folded = len(names) - keep
    return (
        [*names[:keep], f"Sum of {folded} other features"],
        np.append(values[:keep], values[keep:].sum()),
        folded,
    )


@dataclass
class _DrawnBars:
    """The items of the last full draw, kept so that a refined estimate only moves them."""

    layout: tuple[object, ...]  # what the items depend on besides the values
    bars: pg.BarGraphItem
    labels: list[pg.TextItem]
    axis_labels: list[str]
    axis_title: str
    grid: pg.PlotCurveItem


class ImportancePlot(PlotBase):
    """Mean |SHAP| per feature, sorted, with value labels; the title says when it is an estimate."""

    def __init__(self, parent: QWidget | None = None, max_bars: int = MAX_BARS) -> None:
        self.max_bars = max_bars
        self._drawn: _DrawnBars | None = None
        super().__init__(parent)

    def clear(self) -> None:
        self._drawn = None
        super().clear()

    def _layout_key(self, n_bars: int, folded: int) -> tuple[object, ...]:
        return (n_bars, bool(folded), style.palette().name, self._full_labels, self.label_room())

    def bar_limit(self) -> int:
        """MAX_BARS, or fewer when the view is too short to label that many (at least 2: the
        top feature and the sum of the rest)."""
        return max(2, min(self.max_bars, self.lane_capacity()))

    def _size_key(self) -> object:
        n = len(self._data.features) if self._data is not None else 0
        return (min(n, self.bar_limit()), self.label_room())

    def _redraw(self) -> None:
        # While a run streams in, the estimate is redrawn a few times a second: moving the
        # existing bars and labels costs a few ms, rebuilding them ~20 ms of GUI time.
        if self._data is not None and self._update_in_place():
            return
        self._drawn = None
        super()._redraw()

    def _update_in_place(self) -> bool:
        drawn, data = self._drawn, self._data
        if self._size_key() != self._drawn_size_key:
            return False
        names, values, folded = bars(data, self.bar_limit())
        if drawn is None or drawn.layout != self._layout_key(len(names), folded):
            return False
        self.title.setText(data.title + (f" — {data.output_name}" if data.output_name else ""))
        drawn.bars.setOpts(width=values)
        for label, value in zip(drawn.labels, values, strict=True):
            text = formatting.plain(float(value))
            if label.toPlainText() != text:
                label.setText(text)
            label.setPos(float(value), label.pos().y())
        axis_labels = [self.label(s) for s in names]
        if axis_labels != drawn.axis_labels:
            y = np.arange(len(names) - 1, -1, -1, dtype=np.float64)
            self._set_category_axis(axis_labels, list(y))
            drawn.axis_labels = axis_labels
        axis_title = f"mean |SHAP value| ({data.unit.value})"
        if axis_title != drawn.axis_title:
            self._set_axis_label(axis_title)
            drawn.axis_title = axis_title
        self._fit_range()
        return True

    def _draw(self) -> None:
        data: ImportanceData = self._data
        pal = style.palette()
        self.title.setText(data.title + (f" — {data.output_name}" if data.output_name else ""))
        names, values, folded = bars(data, self.bar_limit())
        n = len(names)
        if n == 0:
            return
        y = np.arange(n - 1, -1, -1, dtype=np.float64)  # first (most important) at the top
        brushes = [pg.mkBrush(pal.bar)] * n
        if folded:
            brushes[-1] = pg.mkBrush(pal.missing)
        bar_item = pg.BarGraphItem(x0=0, y=y, height=0.68, width=values, brushes=brushes, pen=None)
        self.plot.addItem(bar_item)
        font = style.base_font(TICK_FONT_PT)
        labels = []
        for value, yy in zip(values, y, strict=True):
            label = pg.TextItem(formatting.plain(float(value)), color=pal.text, anchor=(0, 0.5))
            label.setFont(font)
            label.setPos(float(value), float(yy))
            self.plot.addItem(label)
            labels.append(label)
        axis_labels = [self.label(s) for s in names]
        axis_title = f"mean |SHAP value| ({data.unit.value})"
        self._set_category_axis(axis_labels, list(y))
        self._set_axis_label(axis_title)
        grid = pg.PlotCurveItem(pen=pg.mkPen(pal.grid, width=1), connect="pairs")
        grid.setZValue(-10)  # behind the bars
        self.plot.addItem(grid)
        self._drawn = _DrawnBars(
            self._layout_key(n, folded), bar_item, labels, axis_labels, axis_title, grid
        )
        self._fit_range()

    def _fit_range(self) -> None:
        names, values, _ = bars(self._data, self.bar_limit())
        top = float(values.max()) if values.size and values.max() > 0 else 1.0
        font = style.base_font(TICK_FONT_PT)
        label_px = style.text_width([formatting.plain(float(v)) for v in values], font)
        width_px = max(self.plot.getViewBox().width(), 120.0)
        # Room on the right for the widest value label, so it is never cut off.
        right = top * 1.02 / max(1.0 - (label_px + 12) / width_px, 0.35)
        self.plot.setXRange(0, right, padding=0)
        self.plot.setYRange(-0.6, len(names) - 0.4, padding=0)
        self._place_grid(right, len(names))

    def _place_grid(self, right: float, n_bars: int) -> None:
        """Vertical lines at the bottom axis's major ticks, drawn as one opaque path: pyqtgraph's
        own translucent axis grid took ~11 of the ~17 ms of each repaint while a run refines
        the estimate twice a second."""
        if self._drawn is None:
            return
        axis = self.plot.getAxis("bottom")
        levels = axis.tickValues(0.0, right, max(axis.width(), 120.0))
        ticks = [t for t in (levels[0][1] if levels else []) if 0.0 < t <= right]
        xs = np.repeat(np.asarray(ticks, dtype=np.float64), 2)
        ys = np.tile([-0.6, n_bars - 0.4], len(ticks))
        self._drawn.grid.setData(xs, ys)

    def _tooltip(self, x: float, y: float) -> str:
        data: ImportanceData = self._data
        names, values, folded = bars(data, self.bar_limit())
        i = lane_index(y, len(names))
        if i is None:
            return ""
        if folded and i == len(names) - 1:
            rest = ", ".join(data.features[len(names) - 1 :][:12])
            return f"{names[i]}: {formatting.plain(values[i])}\n{rest} …"
        return f"{names[i]}\nmean |SHAP| = {formatting.plain(values[i])} ({data.unit.value})"
