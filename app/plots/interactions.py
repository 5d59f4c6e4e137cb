"""The interaction heatmap: mean |interaction| of every pair of features, most important first,
with the main effects as bars in a strip of their own on the right.

Rows are features (names on the left, numbered), columns the same features (their numbers below:
names under narrow columns ran into each other). As many features as can be labelled without
overlap are drawn; the title says how many are left out. Clicking a cell emits
`pair_clicked(i, j)` (model column indices; i == j from the main-effect strip).
"""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QPointF, QRectF, Signal
from PySide6.QtWidgets import QWidget

from app.core.explain.interaction_views import HeatmapData
from app.plots import style
from app.plots.base import LABEL_MIN_PX, LABEL_SHARE, TICK_FONT_PT, PlotBase, lane_index
from app.plots.colourbar import ColourBar
from app.plots.raster_rects import RasterRects

MIN_COL_PX = 24.0  # a column holds a two-digit number with air on both sides
GAP = 0.6  # between the matrix and the main-effect strip, in cells
LIGHT, DARK = "#f4f7fb", "#0b1f44"
# A heatmap needs room for two title lines, a few labelled rows and the colour bar: below this
# (300 x 160 drew two cells under a three-line title) it says to enlarge the view instead.
MIN_SIZE = (380, 200)


def ramp(pal: style.Palette) -> tuple[str, str, str]:
    """A light-to-dark scale through the palette's bar colour: magnitudes have no sign, so a
    sequential scale, not the diverging feature-value gradient."""
    return (LIGHT, pal.bar, DARK)


def _lut(stops: tuple[str, ...], n: int = 256) -> np.ndarray:
    rgb = np.array([pg.mkColor(s).getRgb()[:3] for s in stops], dtype=np.float64)
    t = np.linspace(0.0, 1.0, n)
    at = np.linspace(0.0, 1.0, len(stops))
    return np.stack([np.interp(t, at, rgb[:, c]) for c in range(3)], axis=1).astype(np.uint8)


def strip_width(k: int) -> float:
    """The main-effect strip's width in cells: wide enough for bars to compare."""
    return max(2.5, min(4.0, 0.15 * k))


class InteractionHeatmap(PlotBase):
    """Draws a HeatmapData; `pair_clicked(i, j)` when a cell (or the strip, i == j) is clicked."""

    pair_clicked = Signal(int, int)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.colour_bar = ColourBar("mean |interaction|", ramp(style.palette()))
        self.view.addItem(self.colour_bar, row=0, col=1)
        self.shown = 0  # features drawn (the rest are left out and the title says so)
        self._vector = False  # SVG/PDF exports draw the cells as rectangles, not an image

    # ------------------------------------------------------------- how much fits
    def label_room(self) -> float:
        """The screen's share even in exports: every pixel given to names is taken from the
        matrix, and the larger export share left a slide with 7 of 40 features."""
        return float(max(LABEL_MIN_PX, int(LABEL_SHARE * self.width()) // 20 * 20))

    def too_small(self) -> bool:
        return self.width() < MIN_SIZE[0] or self.height() < MIN_SIZE[1]

    def feature_limit(self) -> int:
        """Features that fit: one lane of text per row, MIN_COL_PX per column (at least 2)."""
        if self._data is None:
            return 0
        n = len(self._data.features)
        rows = self.lane_capacity()
        width = self.plot.getViewBox().width()
        if width < 1:
            return min(n, rows)
        cols = 1
        while cols < n and width / (cols + 1 + GAP + strip_width(cols + 1)) >= MIN_COL_PX:
            cols += 1
        return max(2, min(n, rows, cols))

    def _size_key(self) -> object:
        k = self.feature_limit()
        return (k, self.label_room(), self._strip_name(k) if k else "")

    # ------------------------------------------------------------- drawing
    def _draw(self) -> None:
        d: HeatmapData = self._data
        pal = style.palette()
        k = self.feature_limit()
        self.shown = k
        n = len(d.features)
        more = "" if self._full_labels else "; enlarge to see more"  # an export cannot grow
        left_out = f" · top {k} of {n} features{more}" if k < n else ""
        self.title.setText(d.title + left_out)
        if k == 0:
            return
        pairs = d.pairs[:k, :k]
        top = float(np.nanmax(pairs)) if np.isfinite(pairs).any() else 0.0
        self._image(pairs, top, pal)
        self._strip(d.main[:k], k, pal)
        y = [float(k - 1 - r) for r in range(k)]
        self._set_category_axis(
            [self.label(f"{r + 1}  {s}") for r, s in enumerate(d.features[:k])], y
        )
        ticks = [(float(c), str(c + 1)) for c in range(k)]
        ticks.append((self._strip_left(k) + strip_width(k) / 2, self._strip_name(k)))
        axis = self.plot.getAxis("bottom")
        axis.setTicks([ticks, []])
        axis.setStyle(tickLength=0)
        # Short: a longer title ran under the colour bar's "0" (the strip's tooltip explains it).
        self._set_axis_label("partner feature (numbers as on the left)", "partner feature")
        self.colour_bar.stops = ramp(pal)
        self.colour_bar.title = f"mean |interaction| ({d.unit.value})"
        self.colour_bar.set_ends(style.format_plain(top), "0")
        self._fit_range()

    def _image(self, pairs: np.ndarray, top: float, pal: style.Palette) -> None:
        k = pairs.shape[0]
        lut = _lut(ramp(pal))
        scaled = np.nan_to_num(pairs / top if top > 0 else pairs * 0.0, nan=0.0)
        rgba = np.empty((k, k, 4), dtype=np.uint8)
        rgba[..., :3] = lut[np.clip(np.round(scaled * 255), 0, 255).astype(np.int64)]
        rgba[..., 3] = 255
        rgba[~np.isfinite(pairs), :3] = pg.mkColor(pal.background).getRgb()[:3]
        # ImageItem indexes [x, y] with y upwards: column c, and row r drawn at y = k - 1 - r.
        rect = QRectF(-0.5, -0.5, k, k)
        if self._vector:  # row-major with row 0 at the smallest y: the last feature's row
            self.plot.addItem(RasterRects(rgba[::-1], rect, pal.background))
            return
        image = pg.ImageItem(np.ascontiguousarray(rgba.transpose(1, 0, 2)[:, ::-1]))
        image.setRect(rect)
        self.plot.addItem(image)

    def vector_mode(self) -> None:
        """Draw the cells as vector rectangles from now on (SVG and PDF exports)."""
        self._vector = True
        self._redraw()

    def _strip_left(self, k: int) -> float:
        return k - 0.5 + GAP

    def _strip_name(self, k: int) -> str:
        col_px = self.plot.getViewBox().width() / (k + GAP + strip_width(k))
        room = col_px * strip_width(k) - 6
        font = style.base_font(TICK_FONT_PT)
        # The longest bar's number, when it fits: the bars have no axis of their own.
        main = self._data.main[:k] if self._data is not None else []
        peak = style.format_plain(float(max(main))) if len(main) else ""
        names = [f"main effect, max {peak}", f"main ≤ {peak}", "main"] if peak else ["main"]
        return next((t for t in names if style.text_width([t], font) <= room), "main")

    def _strip(self, main: np.ndarray, k: int, pal: style.Palette) -> None:
        width = strip_width(k)
        left = self._strip_left(k)
        peak = float(main.max()) if main.size and main.max() > 0 else 1.0
        y = np.arange(k - 1, -1, -1, dtype=np.float64)
        frame = pg.PlotCurveItem(
            [left, left + width, left + width, left, left],
            [-0.5, -0.5, k - 0.5, k - 0.5, -0.5],
            pen=pg.mkPen(pal.grid, width=1),
        )
        self.plot.addItem(frame)
        bars = pg.BarGraphItem(
            x0=left, y=y, height=0.68, width=main / peak * width * 0.95,
            brush=pg.mkBrush(pal.missing), pen=None,
        )  # fmt: skip
        self.plot.addItem(bars)

    def _fit_range(self) -> None:
        k = self.shown
        if k == 0:
            return
        right = self._strip_left(k) + strip_width(k)
        self.plot.getViewBox().setRange(xRange=(-0.5, right), yRange=(-0.5, k - 0.5), padding=0)

    # ------------------------------------------------------------- interaction
    def _cell(self, x: float, y: float) -> tuple[int, int | None] | None:
        """(row, column) of the cell under (x, y); column None on the main-effect strip."""
        k = self.shown
        r = lane_index(y, k)
        if r is None:
            return None
        if -0.5 <= x < k - 0.5:
            return r, round(x)
        left = self._strip_left(k)
        if left <= x <= left + strip_width(k):
            return r, None
        return None

    def _tooltip(self, x: float, y: float) -> str:
        d: HeatmapData = self._data
        cell = self._cell(x, y)
        if cell is None:
            return ""
        r, c = cell
        unit = d.unit.value
        if c is None or c == r:
            value = style.format_plain(float(d.main[r]))
            return (
                f"{d.features[r]}: main effect\nmean |interaction with itself| = {value} ({unit})"
                "\nClick for its dependence plot"
            )
        value = style.format_plain(float(d.pairs[r, c]))
        return (
            f"{d.features[r]} × {d.features[c]}\nmean |interaction| = {value} ({unit})"
            "\nClick for the pair's dependence plot"
        )

    def _on_scene_mouse_clicked(self, event) -> None:
        super()._on_scene_mouse_clicked(event)
        if self._data is None or event.button() != pg.QtCore.Qt.MouseButton.LeftButton:
            return
        self.click_at(event.scenePos())

    def click_at(self, scene_pos: QPointF) -> None:
        """Emit the pair under a scene position (tests click through this too)."""
        vb = self.plot.getViewBox()
        if not vb.sceneBoundingRect().contains(scene_pos):
            return
        point = vb.mapSceneToView(scene_pos)
        cell = self._cell(point.x(), point.y())
        if cell is None:
            return
        r, c = cell
        i = int(self._data.index[r])
        j = i if c is None else int(self._data.index[c])
        self.pair_clicked.emit(i, j)

    def cell_centre(self, r: int, c: int | None) -> QPointF:
        """The scene position of a drawn cell (c None: the row's main-effect bar)."""
        k = self.shown
        x = self._strip_left(k) + 0.2 if c is None else float(c)
        return self.plot.getViewBox().mapViewToScene(QPointF(x, float(k - 1 - r)))
