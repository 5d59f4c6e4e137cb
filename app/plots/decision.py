"""shap's decision plot: one line per row from the base value (bottom) to its output (top).

Features run up the left axis in importance order (most important on top). Lines are coloured
by the row's prediction (blue low → red high) or grey for correct and red for wrong rows; the
selected row is drawn last, thick and outlined, so it is never hidden. Clicking a line selects
its row.
"""

from __future__ import annotations

import math

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QPointF
from PySide6.QtGui import QColor
from PySide6.QtWidgets import QWidget

from app.core.base import formatting
from app.core.debugging.behaviour.decision import DecisionData
from app.plots import style
from app.plots.axis_ticks import fit_labels
from app.plots.base import PlotBase, finite_range, padded_range
from app.plots.colourbar import ColourBar
from app.plots.pdp import titled

LEVELS = 16
PICK_PIXELS = 6
LABEL_PX = 15  # height a feature name needs on the left axis
ALPHA = 110


def _polylines(cumulative: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """x, y of many lines in one array, NaN-separated (one item draws them all)."""
    n, m = cumulative.shape
    xs = np.column_stack([cumulative, np.full(n, np.nan)]).ravel()
    ys = np.tile(np.append(np.arange(m, dtype=float), np.nan), n)
    return xs, ys


class DecisionPlot(PlotBase):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.colour_bar = ColourBar("prediction")
        self.view.addItem(self.colour_bar, row=0, col=1)

    def _draw(self) -> None:
        d: DecisionData = self._data
        pal = style.palette()
        self.plot.addItem(
            pg.InfiniteLine(d.base_value, angle=90, pen=pg.mkPen(pal.grid, width=1.5))
        )
        by_correct = d.correct is not None
        self.colour_bar.setVisible(not by_correct)
        if by_correct:
            note = "grey: correct · red: wrong"
            groups = [(d.correct, QColor(pal.muted)), (~d.correct, QColor(pal.positive))]
        else:
            note = "colour: prediction, blue low → red high"
            lo, hi = finite_range([d.colour])
            scaled = (d.colour - lo) / (hi - lo) if hi > lo else np.full(d.colour.size, 0.5)
            level = np.round(np.nan_to_num(scaled, nan=0.5) * (LEVELS - 1)).astype(int)
            colours = style.colours_for(np.linspace(0, 1, LEVELS))
            groups = [(level == k, QColor(*colours[k])) for k in range(LEVELS)]
        for mask, colour in groups:
            if not mask.any():
                continue
            colour.setAlpha(ALPHA)
            xs, ys = _polylines(d.cumulative[mask])
            self.plot.addItem(
                pg.PlotCurveItem(xs, ys, pen=pg.mkPen(colour, width=1), connect="finite")
            )
        if d.selected is not None:
            i = int(np.flatnonzero(d.rows == d.selected)[0])
            xs, ys = _polylines(d.cumulative[i : i + 1])
            self.plot.addItem(pg.PlotCurveItem(xs, ys, pen=pg.mkPen(pal.text, width=5)))
            self.plot.addItem(pg.PlotCurveItem(xs, ys, pen=pg.mkPen(pal.positive, width=2.5)))
            note += f" · outlined: row {d.selected}"
        self.title.setText(titled(d.title, note))
        self._set_axis_label(f"model output ({d.unit.value})")
        self._fit_range()

    def _fit_range(self) -> None:
        d: DecisionData = self._data
        # Names take at most 40% of the width: at a docked size the lines need the room.
        labels = fit_labels(["base value", *[self.label(s) for s in d.levels]], 0.4 * self.width())
        # Too short for a name per level: name every k-th one, counting from the top (the most
        # important feature is always named).
        tall = self.plot.getViewBox().sceneBoundingRect().height()
        step = max(1, math.ceil(len(labels) * LABEL_PX / max(tall, 1.0)))
        top = len(labels) - 1
        labels = [t if (top - i) % step == 0 else "" for i, t in enumerate(labels)]
        self._set_category_axis(labels, [float(i) for i in range(len(labels))])
        x0, x1 = padded_range(*finite_range([d.cumulative.ravel()]), 0.03, 0.03)
        self.plot.getViewBox().setRange(
            xRange=(x0, x1), yRange=(-0.4, len(d.levels) + 0.6), padding=0
        )

    def _nearest(self, scene_pos: QPointF) -> int | None:
        d: DecisionData = self._data
        if d is None or d.rows.size == 0:
            return None
        point = self.plot.getViewBox().mapSceneToView(scene_pos)
        top = d.cumulative.shape[1] - 1
        y = float(np.clip(point.y(), 0, top))
        a = min(int(np.floor(y)), top - 1) if top > 0 else 0
        t = y - a
        b = min(a + 1, top)
        x = d.cumulative[:, a] * (1 - t) + d.cumulative[:, b] * t
        px, _ = self._pixel_size()
        distance = np.abs(x - point.x()) / px
        if d.selected is not None:  # the line on top wins a tie
            distance[d.rows == d.selected] -= 0.5
        i = int(np.argmin(distance))
        return i if distance[i] <= PICK_PIXELS else None

    def _row_at(self, scene_pos: QPointF) -> int | None:
        i = self._nearest(scene_pos)
        return None if i is None else int(self._data.rows[i])

    def _tooltip(self, x: float, y: float) -> str:
        d: DecisionData = self._data
        i = self._nearest(self.plot.getViewBox().mapViewToScene(QPointF(x, y)))
        if i is None:
            return ""
        out = formatting.signed(float(d.cumulative[i, -1]))
        return f"row {int(d.rows[i])}: output {out}, prediction {formatting.signed(float(d.colour[i]))}"
