"""Two cohorts' mean |SHAP| per feature as paired bars, largest difference at the top.

A PlotBase, so it folds to the features its height can label, shortens long names (in full in
the tooltip) and says "enlarge" below a readable size; the cohorts are named by coloured keys in
the title rather than by a legend over the bars.
"""

from __future__ import annotations

from dataclasses import dataclass
from html import escape

import numpy as np
import pyqtgraph as pg

from app.plots import style
from app.plots.base import PlotBase, lane_index

COLOUR_A, COLOUR_B = "#0969da", "#d4700f"  # blue and orange: apart for colour-blind readers
BAR = 0.38


@dataclass
class CohortBarsData:
    features: list[str]  # ordered, largest difference first
    mean_abs_a: np.ndarray
    mean_abs_b: np.ndarray
    names: tuple[str, str]  # the cohorts, with their row counts
    unit: str
    limit: int = 15  # never more bars than this, however tall the view


class CohortBarsPlot(PlotBase):
    def shown(self) -> int:
        d: CohortBarsData = self._data
        return max(1, min(d.limit, len(d.features), self.lane_capacity()))

    def _size_key(self) -> object:
        return (self.shown(), self.label_room()) if self._data is not None else None

    def _draw(self) -> None:
        d: CohortBarsData = self._data
        n = self.shown()
        keys = "&nbsp;&nbsp;".join(
            f"<span style='color:{c}'>&#9632;</span>&nbsp;{escape(name)}"
            for c, name in zip((COLOUR_A, COLOUR_B), d.names, strict=True)
        )
        more = f" (top {n} of {len(d.features)})" if n < len(d.features) else ""
        self.title.setText(f"Mean |SHAP| by cohort{more}<br>{keys}")
        y = np.arange(n)[::-1].astype(float)
        for values, offset, colour in ((d.mean_abs_a, BAR / 2, COLOUR_A),
                                       (d.mean_abs_b, -BAR / 2, COLOUR_B)):  # fmt: skip
            self.plot.addItem(
                pg.BarGraphItem(
                    x0=0, y=y + offset, height=BAR, width=np.nan_to_num(values[:n]),
                    brush=colour, pen=pg.mkPen(None),
                )
            )  # fmt: skip
        self._set_category_axis([self.label(f) for f in d.features[:n]], list(y))
        self._set_axis_label(f"mean |SHAP value| ({d.unit})", "mean |SHAP|")
        self._fit_range()

    def _fit_range(self) -> None:
        d: CohortBarsData = self._data
        n = self.shown()
        top = np.nanmax(np.concatenate([d.mean_abs_a[:n], d.mean_abs_b[:n], [1e-9]]))
        self.plot.setXRange(0, float(top) * 1.05, padding=0)
        self.plot.setYRange(-0.6, n - 0.4, padding=0)

    def _tooltip(self, x: float, y: float) -> str:
        d: CohortBarsData = self._data
        i = lane_index(y, self.shown())
        if i is None:
            return ""
        a, b = d.mean_abs_a[i], d.mean_abs_b[i]
        return (
            f"{d.features[i]}\n{d.names[0]}: {style.format_plain(float(a))}\n"
            f"{d.names[1]}: {style.format_plain(float(b))}"
        )
