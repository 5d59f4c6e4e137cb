"""Global importance: horizontal bars of mean |SHAP| per feature, most important at the top."""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtWidgets import QWidget

from app.core.views import ImportanceData
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


class ImportancePlot(PlotBase):
    """Mean |SHAP| per feature, sorted, with value labels; the title says when it is an estimate."""

    def __init__(self, parent: QWidget | None = None, max_bars: int = MAX_BARS) -> None:
        self.max_bars = max_bars
        super().__init__(parent)

    def _draw(self) -> None:
        data: ImportanceData = self._data
        pal = style.palette()
        self.title.setText(data.title + (f" — {data.output_name}" if data.output_name else ""))
        names, values, folded = bars(data, self.max_bars)
        n = len(names)
        if n == 0:
            return
        y = np.arange(n - 1, -1, -1, dtype=np.float64)  # first (most important) at the top
        brushes = [pg.mkBrush(pal.bar)] * n
        if folded:
            brushes[-1] = pg.mkBrush(pal.missing)
        self.plot.addItem(
            pg.BarGraphItem(x0=0, y=y, height=0.68, width=values, brushes=brushes, pen=None)
        )
        font = style.base_font(TICK_FONT_PT)
        for value, yy in zip(values, y, strict=True):
            label = pg.TextItem(style.format_plain(float(value)), color=pal.text, anchor=(0, 0.5))
            label.setFont(font)
            label.setPos(float(value), float(yy))
            self.plot.addItem(label)
        self._set_category_axis([self.label(s) for s in names], list(y))
        self._set_axis_label(f"mean |SHAP value| ({data.unit.value})")
        self.plot.showGrid(x=True, y=False, alpha=0.2)
        self._fit_range()

    def _fit_range(self) -> None:
        names, values, _ = bars(self._data, self.max_bars)
        top = float(values.max()) if values.size and values.max() > 0 else 1.0
        font = style.base_font(TICK_FONT_PT)
        label_px = style.text_width([style.format_plain(float(v)) for v in values], font)
        width_px = max(self.plot.getViewBox().width(), 120.0)
        # Room on the right for the widest value label, so it is never cut off.
        right = top * 1.02 / max(1.0 - (label_px + 12) / width_px, 0.35)
        self.plot.setXRange(0, right, padding=0)
        self.plot.setYRange(-0.6, len(names) - 0.4, padding=0)

    def _tooltip(self, x: float, y: float) -> str:
        data: ImportanceData = self._data
        names, values, folded = bars(data, self.max_bars)
        i = lane_index(y, len(names))
        if i is None:
            return ""
        if folded and i == len(names) - 1:
            rest = ", ".join(data.features[len(names) - 1 :][:12])
            return f"{names[i]}: {style.format_plain(values[i])}\n{rest} …"
        return f"{names[i]}\nmean |SHAP| = {style.format_plain(values[i])} ({data.unit.value})"
