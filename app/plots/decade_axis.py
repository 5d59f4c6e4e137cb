"""A logarithmic axis that reads at any length: ticks at powers of ten, labelled 0.1, 1, 10,
100, 1k, 10k, 1M, and every second (third…) decade when the axis is too short to label all.

The plot draws log10 of its data on a linear view; this axis labels the positions. pyqtgraph's
own log mode labels minor ticks too ("2·10³ 3·10⁴ …"), which overlapped in a docked panel.
With `decades` off it is a plain axis.
"""

from __future__ import annotations

import math

import pyqtgraph as pg
from PySide6.QtGui import QFontMetrics

from app.plots import style

GAP_PX = 12  # between two tick labels
TICK_PT = 9.0
SUFFIXES = ((1e9, "G"), (1e6, "M"), (1e3, "k"))


def decade_label(value: float) -> str:
    """10**k as people write it: 0.01, 0.1, 1, 10, 100, 1k, 10k, 100k, 1M."""
    for size, suffix in SUFFIXES:
        if value >= size:
            return f"{value / size:.3g}{suffix}"
    return f"{value:.3g}" if value >= 1e-3 else f"{value:.0e}"


class DecadeAxis(pg.AxisItem):
    def __init__(self, orientation: str, **kwargs) -> None:
        super().__init__(orientation, **kwargs)
        self.decades = True
        self.enableAutoSIPrefix(False)

    def _label_px(self, values: list[float]) -> float:
        """Room one label takes along the axis, gap included."""
        metrics = QFontMetrics(self.style.get("tickFont") or style.base_font(TICK_PT))
        if self.orientation in ("left", "right"):
            return metrics.height() + GAP_PX / 2
        return max(metrics.horizontalAdvance(decade_label(10.0**v)) for v in values) + GAP_PX

    def tickValues(self, minVal: float, maxVal: float, size: float) -> list:
        if not self.decades:
            return super().tickValues(minVal, maxVal, size)
        lo, hi = sorted((minVal, maxVal))
        first, last = math.ceil(lo - 1e-9), math.floor(hi + 1e-9)
        if last < first:  # less than a decade in view: plain ticks, labelled in units
            return super().tickValues(minVal, maxVal, size)
        values = [float(k) for k in range(first, last + 1)]
        per_decade = size / max(hi - lo, 1e-9)
        step = max(1, math.ceil(self._label_px(values) / max(per_decade, 1e-9)))
        return [(float(step), [v for v in values if (v - first) % step == 0])]

    def tickStrings(self, values: list[float], scale: float, spacing: float) -> list[str]:
        if not self.decades:
            return super().tickStrings(values, scale, spacing)
        return [decade_label(10.0**v) for v in values]
