"""Beeswarm: one lane per feature, one mark per row, x = SHAP value, colour = feature value.

Every row is drawn, never a sample. Up to DOT_LIMIT points are individual dots (clickable,
per-point colour); above that, each lane is a 2-D histogram drawn as one image (an ImageItem):
a cell's colour is the mean feature value of the rows in it (numeric lanes) or its most frequent
category (categorical lanes), and its opacity grows with how many rows it holds. Measured for 1M rows: dots take seconds to build and ~170 ms a frame, the
raster ~35 ms to build and 2-3 ms a frame (benchmarks/bench_beeswarm.py).
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QFontMetricsF, QResizeEvent
from PySide6.QtWidgets import QWidget

from app.core.base import formatting
from app.core.explain.views import BeeswarmData
from app.plots import style
from app.plots.base import PlotBase, finite_range, lane_index, padded_range
from app.plots.beeswarm_legend import (
    LEGEND_PT,
    CategoryLegend,
    group_colour,
    group_index,
    group_rgba,
    group_table,
)
from app.plots.beeswarm_legend import tooltip_lines as category_tooltip
from app.plots.colourbar import ColourBar
from app.plots.raster_rects import RasterRects

DOT_LIMIT = 20_000  # total points (rows x lanes) drawn as individual dots
RASTER_X_BINS = 640
RASTER_Y_BINS_PER_LANE = 22
# The full category legend is drawn only while every lane still gets MIN_LANE_PX of height
# (the x axis and its label take about AXIS_PX of the view); exports always draw it.
MIN_LANE_PX = 18
AXIS_PX = 50
LEGEND_LANES = 8
LANE_HALF_HEIGHT = 0.4  # beeswarm_layout._swarm_offsets spreads points within ±0.4


def raster_rgba(
    data: BeeswarmData,
    x_range: tuple[float, float],
    nx: int = RASTER_X_BINS,
    ny: int = RASTER_Y_BINS_PER_LANE,
    pal: style.Palette | None = None,
) -> np.ndarray:
    """(n_lanes * ny, nx, 4) uint8 image, row 0 at the bottom (y = -0.5), every row counted."""
    pal = pal or style.palette()
    n_lanes = len(data.lanes)
    lut = style.value_lut(pal).astype(np.float32)
    missing = np.array(style.colours_for(np.array([np.nan]), pal)[0, :3], dtype=np.float32)
    image = np.zeros((n_lanes * ny, nx, 4), dtype=np.uint8)
    lo, hi = x_range
    x_scale = nx / (hi - lo) if hi > lo else 0.0
    cells = ny * nx
    for i, lane in enumerate(data.lanes):
        x = np.asarray(lane.shap, dtype=np.float32)
        xb = np.clip(((x - lo) * x_scale).astype(np.int64), 0, nx - 1)
        # Lane centre at y = 0; offsets ±0.4 map onto the lane's ny rows of cells.
        yb = ((np.asarray(lane.offset, np.float32) + 0.5) * ny).astype(np.int64)
        flat = np.clip(yb, 0, ny - 1) * nx + xb
        count = np.bincount(flat, minlength=cells)
        if lane.group is not None:
            rgb = _category_cells(flat, lane.group, cells, pal)
        else:
            rgb = _value_cells(flat, lane.colour, cells, lut, missing)
        # Opacity: any occupied cell is clearly visible; crowded cells are solid.
        peak = max(int(count.max()), 1)
        alpha = np.where(count > 0, 110 + 145 * np.sqrt(count / peak), 0)
        lane_row = n_lanes - 1 - i  # top lane first
        block = image[lane_row * ny : (lane_row + 1) * ny]
        block[..., :3] = rgb.reshape(ny, nx, 3).astype(np.uint8)
        block[..., 3] = alpha.reshape(ny, nx).astype(np.uint8)
    return image


def _value_cells(flat, colour, cells: int, lut: np.ndarray, missing: np.ndarray) -> np.ndarray:
    """(cells, 3): each cell's mean feature value on the gradient; grey if all rows missing."""
    colour = np.asarray(colour, dtype=np.float32)
    known = np.isfinite(colour)
    known_count = np.bincount(flat[known], minlength=cells)
    colour_sum = np.bincount(flat[known], weights=colour[known], minlength=cells)
    mean = np.divide(colour_sum, known_count, out=np.zeros(cells), where=known_count > 0)
    rgb = lut[np.clip(np.round(mean * (lut.shape[0] - 1)), 0, lut.shape[0] - 1).astype(int)]
    rgb[known_count == 0] = missing
    return rgb


def _category_cells(flat, group, cells: int, pal: style.Palette) -> np.ndarray:
    """(cells, 3): each cell's most frequent category (a mean of categories means nothing)."""
    table = group_table(pal).astype(np.float32)
    g = group_index(group, pal)
    counts = np.bincount(flat * table.shape[0] + g, minlength=cells * table.shape[0])
    return table[np.argmax(counts.reshape(cells, table.shape[0]), axis=1)]


class BeeswarmPlot(PlotBase):
    """SHAP values per row for the top features; `mode` is "dots" or "raster" after drawing."""

    def __init__(self, parent: QWidget | None = None, dot_limit: int = DOT_LIMIT) -> None:
        self.dot_limit = dot_limit
        self.mode = ""
        self._vector = False  # exports to SVG/PDF draw the density raster as rectangles
        self._x_range = (-1.0, 1.0)
        super().__init__(parent)
        self.colour_bar = ColourBar()
        self.view.addItem(self.colour_bar, row=0, col=1)
        self.legend = CategoryLegend(self.plot.getAxis("left"))
        self.view.addItem(self.legend, row=1, col=0, colspan=2)

    def clear(self) -> None:
        super().clear()
        self.legend.set_rows([])

    def lane_limit(self) -> int:
        """Lanes the view can label, the most important first; the axis title says how many
        more there are. Worked out from the view's height alone (never from what was drawn
        last), so a resize settles at once instead of redrawing back and forth."""
        data: BeeswarmData = self._data
        total = len(data.lanes)
        height = self.view.height()
        if height < 1:
            return total
        line = self.legend.line_height()
        categorical = np.cumsum([lane.is_categorical for lane in data.lanes])
        compact = self._legend_compact()
        self._update_wrap()
        metrics = QFontMetricsF(style.base_font(LEGEND_PT))
        lines = np.cumsum(
            [self.legend.lines_for(lane.legend or [], metrics) if lane.is_categorical else 0
             for lane in data.lanes]
        )  # fmt: skip
        for k in range(total, 0, -1):
            rows = int(categorical[k - 1])
            full = (int(lines[k - 1]) + 1) * line + 8
            legend = 0.0 if not rows else line + 8 if compact else full
            if k * MIN_LANE_PX <= height - AXIS_PX - legend:
                return k
        return 1

    def _legend_compact(self) -> bool:
        """The full legend only while the top lanes (up to LEGEND_LANES) keep readable height
        beside it; exports always draw it."""
        if self._full_labels:
            return False
        data: BeeswarmData = self._data
        wanted = min(len(data.lanes), LEGEND_LANES)
        rows = sum(lane.is_categorical for lane in data.lanes[:wanted])
        legend = (rows + 1) * self.legend.line_height() + 8 if rows else 0.0
        return self.view.height() - AXIS_PX - legend < wanted * MIN_LANE_PX

    def shown(self) -> BeeswarmData:
        """The data as drawn: the top lanes that fit."""
        data: BeeswarmData = self._data
        limit = self.lane_limit()
        return data if len(data.lanes) <= limit else replace(data, lanes=data.lanes[:limit])

    def _size_key(self) -> object:
        if self._data is None:
            return None
        return (self.lane_limit(), self._legend_compact(), self.label_room())

    def _draw(self) -> None:
        full: BeeswarmData = self._data
        data = self.shown()
        pal = style.palette()
        self.title.setText(full.title + (f" — {full.output_name}" if full.output_name else ""))
        n = len(data.lanes)
        if n == 0:
            return
        lo, hi = finite_range([lane.shap for lane in data.lanes])
        self._x_range = padded_range(min(lo, 0.0), max(hi, 0.0), 0.04, 0.04)
        for k in range(n):
            self.plot.addItem(
                pg.InfiniteLine(k, angle=0, pen=pg.mkPen(pal.grid, width=1, style=Qt.DotLine))
            )
        self.plot.addItem(pg.InfiniteLine(0.0, angle=90, pen=pg.mkPen(pal.muted, width=1)))
        if data.n_points * n <= self.dot_limit:
            self._draw_dots(data, pal)
        else:
            self._draw_raster(data, pal)
        names = [self.label(lane.feature) for lane in data.lanes]
        self._set_category_axis(names, [float(n - 1 - i) for i in range(n)])
        hidden = len(full.lanes) - n
        # The title keeps one length whatever fits, so its height (and so the lanes) is stable.
        more = f" — top {n} of {len(full.lanes)} features" if hidden else ""
        self._set_axis_label(
            f"{data.unit.label} — impact on model output{more}", f"{data.unit.label}{more}"
        )
        categorical = [(names[i], lane.legend or []) for i, lane in enumerate(data.lanes)
                       if lane.is_categorical]  # fmt: skip
        self.legend.set_rows(categorical)
        self._fit_legend()
        # The gradient means nothing for categories: say so, or hide it when every lane is one.
        self.colour_bar.title = (
            "Feature value (numeric features)" if categorical else "Feature value"
        )
        self.colour_bar.setVisible(len(categorical) < n)
        self.colour_bar.update()
        self._fit_range()

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self._fit_legend()

    def _fit_legend(self) -> None:
        if self._data is not None:
            self._update_wrap()
            self.legend.set_compact(self._legend_compact())

    def _update_wrap(self) -> None:
        """Exports wrap long category names onto more lines instead of shortening them."""
        metrics = QFontMetricsF(style.base_font())
        names = [self.label(lane.feature) for lane in self._data.lanes]
        widest = max((metrics.horizontalAdvance(n) for n in names), default=0.0) * 1.15 + 12
        self.legend.set_wrap(self._full_labels, float(self.view.width()), widest)

    def _fit_range(self) -> None:
        self.plot.setXRange(*self._x_range, padding=0)
        self.plot.setYRange(-0.6, len(self.shown().lanes) - 0.4, padding=0)

    def _draw_dots(self, data: BeeswarmData, pal: style.Palette) -> None:
        self.mode = "dots"
        n = len(data.lanes)
        x = np.concatenate([lane.shap for lane in data.lanes]).astype(np.float64)
        y = np.concatenate(
            [(n - 1 - i) + lane.offset.astype(np.float64) for i, lane in enumerate(data.lanes)]
        )
        rgba = np.concatenate(
            [
                group_rgba(lane.group, pal)
                if lane.group is not None
                else style.colours_for(lane.colour, pal)
                for lane in data.lanes
            ]
        )
        # One QBrush per distinct colour, shared by every dot of that colour (fast to build).
        keys = rgba[:, 0].astype(np.int64) << 16 | rgba[:, 1].astype(np.int64) << 8 | rgba[:, 2]
        unique, inverse = np.unique(keys, return_inverse=True)
        cache = [
            pg.mkBrush(int(k >> 16) & 255, int(k >> 8) & 255, int(k) & 255, 235) for k in unique
        ]
        brushes = [cache[j] for j in inverse]
        size = 5.0 if data.n_points <= 2_000 else 4.0
        self.plot.addItem(pg.ScatterPlotItem(x=x, y=y, brush=brushes, pen=None, size=size))

    def _draw_raster(self, data: BeeswarmData, pal: style.Palette) -> None:
        self.mode = "raster"
        n = len(data.lanes)
        image = raster_rgba(data, self._x_range, pal=pal)
        lo, hi = self._x_range
        rect = QRectF(lo, -0.5, hi - lo, float(n))
        if self._vector:
            self.plot.addItem(RasterRects(image, rect, pal.background))
            return
        item = pg.ImageItem(image, axisOrder="row-major")
        item.setRect(rect)
        self.plot.addItem(item)

    def vector_mode(self) -> None:
        """Draw the density raster as vector rectangles from now on (SVG and PDF exports)."""
        self._vector = True
        if self.mode == "raster":
            self._redraw()

    # ------------------------------------------------------------- interaction
    def _tooltip(self, x: float, y: float) -> str:
        data = self.shown()
        i = lane_index(y, len(data.lanes))
        if i is None:
            return ""
        lane = data.lanes[i]
        lines = [f"<b>{lane.feature}</b>"]
        if lane.is_categorical:
            here = self._category_under(lane, i, x, y)
            return "<br>".join(lines + here + category_tooltip(lane))  # names "missing" itself
        lines += self._value_under(lane, i, x, y)
        n_missing = lane.n_missing
        if lane.value_range is not None:
            a, b = lane.value_range
            lines.append(f"values {a:.4g} (low) … {b:.4g} (high)")
        if n_missing:
            lines.append(f"missing (grey): {n_missing:,} rows")
        return "<br>".join(lines)

    def _nearest_point(self, lane_index_: int, x: float, y: float) -> int | None:
        """Index of the point of a lane nearest to (x, y) in data units, within 8 px."""
        data = self.shown()
        lane = data.lanes[lane_index_]
        centre = len(data.lanes) - 1 - lane_index_
        scene = self.plot.getViewBox().mapViewToScene(QPointF(x, y))
        ys = centre + lane.offset.astype(np.float64)
        return self._nearest_dot(scene, lane.shap.astype(np.float64), ys)

    def _category_under(self, lane, lane_index_: int, x: float, y: float) -> list[str]:
        """The category of the dot under the pointer, named with its colour swatch."""
        j = self._nearest_point(lane_index_, x, y)
        if j is None or lane.group is None:
            return []
        group = int(lane.group[j])
        entry = next((e for e in lane.legend or [] if e.group == group), None)
        if entry is None:
            return []
        colour = group_colour(group)
        shap = formatting.signed(float(lane.shap[j]))
        return [
            f"under the pointer: <span style='color:{colour}'>■</span> <b>{entry.label}</b> "
            f"(row {self.shown().row_of(j):,}, SHAP {shap})"
        ]

    def _value_under(self, lane, lane_index_: int, x: float, y: float) -> list[str]:
        """The value a numeric dot's colour stands for (read back from the colour scale;
        beyond its 5th/95th-percentile ends the colour saturates, so only a bound is known)."""
        j = self._nearest_point(lane_index_, x, y)
        if j is None or lane.colour_scale is None:
            return []
        c = float(lane.colour[j])
        lo, hi = lane.colour_scale
        if not np.isfinite(c):
            value, swatch = "missing", style.palette().missing
        else:
            value = (f"≤ {lo:.4g}" if c <= 0 else f"≥ {hi:.4g}" if c >= 1
                     else f"≈ {lo + c * (hi - lo):.4g}")  # fmt: skip
            r, g, b = (int(v) for v in style.colours_for([c])[0, :3])
            swatch = f"#{r:02x}{g:02x}{b:02x}"
        shap = formatting.signed(float(lane.shap[j]))
        return [
            f"under the pointer: <span style='color:{swatch}'>■</span> value <b>{value}</b> "
            f"(row {self.shown().row_of(j):,}, SHAP {shap})"
        ]

    def _row_at(self, scene_pos: QPointF) -> int | None:
        """The nearest point to a click within its lane (dots or raster alike), within 8 px."""
        data = self.shown()
        point = self.plot.getViewBox().mapSceneToView(scene_pos)
        i = lane_index(point.y(), len(data.lanes))
        if i is None or data.n_points == 0:
            return None
        j = self._nearest_point(i, point.x(), point.y())
        return data.row_of(j) if j is not None else None
