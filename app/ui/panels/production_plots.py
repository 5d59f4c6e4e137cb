"""Small plots for the production panels and dialogs: overlaid histograms and a latency curve.

They take plain arrays (from app.core.production.latency / app.core.production.drift results), draw with pyqtgraph
on the app's palette, and never compute anything heavier than a log10.
"""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtWidgets import QLabel, QVBoxLayout, QWidget

from app.plots import style

# Reference as translucent bars in the palette's "down" colour, current as an outline in its
# "up" colour: the two ends of the palette, which the colour-blind palette keeps apart too.
REFERENCE_ALPHA = 140
MAX_CATEGORIES = 15


def _colour(hex_colour: str, alpha: int) -> pg.QtGui.QColor:
    colour = pg.mkColor(hex_colour)
    colour.setAlpha(alpha)
    return colour


class _Titled(QWidget):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        self.title = QLabel(self)
        self.title.setWordWrap(True)
        self.plot = pg.PlotWidget(background=style.palette().background)
        self.plot.getPlotItem().hideButtons()
        for side in ("bottom", "left"):  # shares and ms read better without "(x0.001)"
            self.plot.getAxis(side).enableAutoSIPrefix(False)
        self.plot.setMenuEnabled(False)
        self.legend = self.plot.addLegend(offset=(-10, 10), labelTextColor=style.palette().text)
        layout.addWidget(self.title)
        layout.addWidget(self.plot, 1)
        self.setMinimumSize(260, 180)

    def clear(self) -> None:
        self.plot.clear()
        self.legend.clear()
        self.title.setText("")


class HistogramPlot(_Titled):
    """One or two histograms over the same edges; `log_x` for long-tailed latencies."""

    def set_data(
        self,
        edges: np.ndarray,
        series: list[tuple[str, np.ndarray]],
        title: str = "",
        x_label: str = "",
        y_label: str = "",
        log_x: bool = False,
    ) -> None:
        self.clear()
        self.title.setText(title)
        edges = np.asarray(edges, dtype=np.float64)
        if edges.size < 2:
            return
        x = np.log10(edges) if log_x else edges
        pal = style.palette()
        for i, (name, heights) in enumerate(series[:2]):
            heights = np.asarray(heights, dtype=np.float64)
            if i == 0:  # the reference (or the only series): filled bars
                item = pg.BarGraphItem(
                    x0=x[:-1], x1=x[1:], y0=0, height=heights,
                    brush=_colour(pal.negative, REFERENCE_ALPHA), pen=pg.mkPen(pal.negative),
                )  # fmt: skip
                self.plot.addItem(item)
            else:  # the current data: an outline on top, so both stay readable where they meet
                item = self.plot.plot(
                    x, heights, stepMode="center", pen=pg.mkPen(pal.positive, width=2)
                )
            self.legend.addItem(item, name)
        self.plot.getPlotItem().setLogMode(x=False, y=False)
        axis = self.plot.getAxis("bottom")
        if log_x:
            ticks = [10.0**k for k in range(int(np.floor(x[0])), int(np.ceil(x[-1])) + 1)]
            axis.setTicks([[(np.log10(t), style.format_plain(t)) for t in ticks]])
        else:
            axis.setTicks(None)
        self.plot.setLabel("bottom", x_label)
        self.plot.setLabel("left", y_label)
        self.plot.setXRange(float(x[0]), float(x[-1]), padding=0.02)
        top = max((float(np.max(h)) for _, h in series if len(h)), default=1.0)
        self.plot.setYRange(0, max(top, 1e-9) * 1.05, padding=0)
        self.plot.getAxis("left").setTicks(None)
        self.plot.getAxis("left").setWidth(None)

    def set_categories(
        self, labels: list[str], series: list[tuple[str, np.ndarray]], title: str = ""
    ) -> None:
        """Shares per category as paired horizontal bars (the largest MAX_CATEGORIES)."""
        self.clear()
        self.title.setText(title)
        self.plot.getPlotItem().setLogMode(x=False, y=False)
        shares = np.array([np.asarray(h, dtype=np.float64) for _, h in series])
        order = np.argsort(-shares.max(axis=0), kind="stable")[:MAX_CATEGORIES]
        pal = style.palette()
        n = order.size
        y = np.arange(n - 1, -1, -1, dtype=np.float64)
        half = 0.38 if len(series) > 1 else 0.7
        for i, (name, _) in enumerate(series[:2]):
            colour = pal.negative if i == 0 else pal.positive
            offset = (half / 2 if i == 0 else -half / 2) if len(series) > 1 else 0.0
            item = pg.BarGraphItem(
                x0=0, y=y + offset, height=half, width=shares[i, order],
                brush=_colour(colour, 220), pen=None,
            )  # fmt: skip
            self.plot.addItem(item)
            self.legend.addItem(item, name)
        left = self.plot.getAxis("left")
        names = [style.elide(labels[j], 18) for j in order]
        left.setTicks([list(zip(y.tolist(), names, strict=True)), []])
        # Room for the longest name: pyqtgraph otherwise drops labels that do not fit.
        left.setWidth(style.text_width(names, style.base_font(9.0)) + 14)
        self.plot.getAxis("bottom").setTicks(None)
        self.plot.setLabel("bottom", "share of rows")
        self.plot.setLabel("left", "")
        top = float(shares[:, order].max()) if n else 1.0
        self.plot.setXRange(0, max(top, 1e-9) * 1.05, padding=0)
        self.plot.setYRange(-0.6, n - 0.4, padding=0)


class CurvePlot(_Titled):
    """Latency per call against throughput, one line per series, points labelled by batch size."""

    def set_data(
        self, series: list[tuple[str, np.ndarray, np.ndarray, list[int]]], title: str = ""
    ) -> None:
        """series: (name, throughput rows/s, latency ms, batch sizes), skipped points removed."""
        self.clear()
        self.title.setText(title)
        pal = style.palette()
        colours = [pal.negative, pal.positive]
        self.plot.getPlotItem().setLogMode(x=True, y=True)
        for (name, throughput, latency, sizes), colour in zip(series, colours, strict=False):
            if len(sizes) == 0:
                continue
            item = self.plot.plot(
                np.asarray(throughput, dtype=np.float64),
                np.asarray(latency, dtype=np.float64),
                pen=pg.mkPen(colour, width=2),
                symbol="o",
                symbolBrush=colour,
                symbolPen=None,
                name=name,
            )
            del item
            for t, lat, size in zip(throughput, latency, sizes, strict=True):
                label = pg.TextItem(f"{size:,}", color=pal.muted, anchor=(0.5, 1.2))
                label.setPos(float(np.log10(t)), float(np.log10(lat)))
                self.plot.addItem(label)
        self.plot.setLabel("bottom", "throughput (rows/s)")
        self.plot.setLabel("left", "latency per call (ms)")
        self.plot.showGrid(x=True, y=True, alpha=0.2)
