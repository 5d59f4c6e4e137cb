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
from app.plots.value_labels import ValueLabels

MAX_BARS = 20  # beyond this, the least important features share one bar (as shap does)
# While an estimate is refined, the x axis is kept until the widest bar needs less than this
# share of it (see ImportancePlot._keeps_range).
KEEP_SHRINK = 0.8


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
    """The items of the last full draw, kept so that later data only moves them, so a change in
    the number of bars (a view that got taller or shorter as its title or axis settled) costs
    no rebuild either."""

    palette: str  # the items' colours are fixed when they are made
    bars: pg.BarGraphItem
    labels: ValueLabels  # one value label per bar
    axis_labels: list[str]
    axis_title: str
    grid: pg.PlotCurveItem


class ImportancePlot(PlotBase):
    """Mean |SHAP| per feature, sorted, with value labels; the title says when it is an estimate."""

    def __init__(self, parent: QWidget | None = None, max_bars: int = MAX_BARS) -> None:
        self.max_bars = max_bars
        self._drawn: _DrawnBars | None = None
        self._label_cache: tuple[tuple[object, ...], list[str]] | None = None
        self._range: tuple[float, int] | None = None  # (right end of the x axis, bars) as set
        super().__init__(parent)
        self.plot.disableAutoRange()  # _fit_range sets both ranges: no bounds of every item
        # Made before any data: the first estimate of a run then only moves them (making
        # them was most of the first draw's 20-60 ms GUI stall as a run starts; issue 14).
        self._drawn = self._make_items()

    def clear(self) -> None:
        self._drawn = None
        self._range = None
        super().clear()

    def bar_limit(self) -> int:
        """MAX_BARS, or fewer when the view is too short to label that many (at least 2: the
        top feature and the sum of the rest)."""
        return max(2, min(self.max_bars, self.lane_capacity()))

    def _size_key(self) -> object:
        n = len(self._data.features) if self._data is not None else 0
        return (min(n, self.bar_limit()), self.label_room())

    def _redraw(self) -> None:
        # Items are made once per palette and then moved: rebuilding ~20 text items took
        # 12-80 ms of GUI time, and the first estimate was rebuilt two or three times as the
        # view's height settled (each new height fits another number of bars; issue 14).
        drawn = self._drawn
        if self._data is not None and drawn is not None and drawn.palette == style.palette().name:
            self._drawn_size_key = self._size_key()
            self._update()
            return
        self._drawn = None
        super()._redraw()

    def _draw(self) -> None:
        self._drawn = self._make_items()
        self._range = None  # the new grid item is empty until placed
        self._update()

    def _make_items(self) -> _DrawnBars:
        """A bar item, a value label per possible bar and the grid, all hidden until data."""
        pal = style.palette()
        bar_item = pg.BarGraphItem(x0=0, y=[0.0], height=0.68, width=[0.0], pen=None)
        self.plot.addItem(bar_item)
        labels = ValueLabels(style.base_font(TICK_FONT_PT), pal.text)
        self.plot.addItem(labels)
        grid = pg.PlotCurveItem(pen=pg.mkPen(pal.grid, width=1), connect="pairs")
        grid.setZValue(-10)  # behind the bars
        self.plot.addItem(grid)
        for item in (bar_item, grid, labels):
            item.setVisible(False)
        return _DrawnBars(pal.name, bar_item, labels, [], "", grid)

    def _update(self) -> None:
        """Show the data with the items made by `_draw`."""
        drawn, data, pal = self._drawn, self._data, style.palette()
        assert drawn is not None
        self.title.setText(data.title + (f" — {data.output_name}" if data.output_name else ""))
        names, values, folded = bars(data, self.bar_limit())
        n = len(names)
        for item in (drawn.bars, drawn.grid, drawn.labels):
            item.setVisible(n > 0)
        if n == 0:
            return
        y = np.arange(n - 1, -1, -1, dtype=np.float64)  # first (most important) at the top
        brushes = [pg.mkBrush(pal.bar)] * n
        if folded:
            brushes[-1] = pg.mkBrush(pal.missing)
        drawn.bars.setOpts(x0=0, y=y, width=values, brushes=brushes)
        drawn.labels.set_labels(values, y, [formatting.plain(float(v)) for v in values])
        axis_labels = self._axis_labels(names)
        if axis_labels != drawn.axis_labels:
            self._set_category_axis(axis_labels, list(y))
            drawn.axis_labels = axis_labels
        axis_title = f"mean |SHAP value| ({data.unit.value})"
        if axis_title != drawn.axis_title:
            self._set_axis_label(axis_title)
            drawn.axis_title = axis_title
        self._fit_range()

    def _axis_labels(self, names: list[str]) -> list[str]:
        """The lane names as drawn; the last ones are reused while names and room stay."""
        key = (tuple(names), self.label_room())
        if self._label_cache is None or self._label_cache[0] != key:
            self._label_cache = (key, [self.label(s) for s in names])
        return self._label_cache[1]

    def _fit_range(self) -> None:
        names, values, _ = bars(self._data, self.bar_limit())
        top = float(values.max()) if values.size and values.max() > 0 else 1.0
        font = style.base_font(TICK_FONT_PT)
        label_px = style.text_width([formatting.plain(float(v)) for v in values], font)
        width_px = max(self.plot.getViewBox().width(), 120.0)
        # Room on the right for the widest value label, so it is never cut off.
        right = top * 1.02 / max(1.0 - (label_px + 12) / width_px, 0.35)
        if self._keeps_range(right, len(names)):
            return
        self._range = (right, len(names))
        self.plot.setXRange(0, right, padding=0)
        self.plot.setYRange(-0.6, len(names) - 0.4, padding=0)
        self._place_grid(right, len(names))

    def _keeps_range(self, right: float, n_bars: int) -> bool:
        """While a run refines its estimate, the axes stay as long as every bar and label still
        fits with little room to spare. A new range re-lays out every value label (pyqtgraph
        recomputes each text item's transform): most of each refresh's GUI time, and GUI stalls
        of 30-60 ms per chunk on a busy machine (issue 14). A complete explanation is always
        fitted exactly."""
        kept = self._range
        if kept is None or self._data is None or not self._data.partial:
            return False
        kept_right, kept_bars = kept
        return kept_bars == n_bars and KEEP_SHRINK * kept_right <= right <= kept_right

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
