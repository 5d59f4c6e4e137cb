"""Small plots for the production panels and dialogs: overlaid histograms and a latency curve.

They take plain arrays (from app.core.production.latency / .drift results), draw with pyqtgraph
on the app's palette, and never compute anything heavier than a log10. The series are named
by coloured keys in the title line, not by a legend inside the plot, where it covered points.
"""

from __future__ import annotations

from html import escape

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt
from PySide6.QtGui import QFontMetricsF
from PySide6.QtWidgets import QLabel, QVBoxLayout, QWidget

from app.plots import style
from app.plots.decade_axis import DecadeAxis

# Reference as translucent bars in the palette's "down" colour, current as an outline in its
# "up" colour: the two ends of the palette, which the colour-blind palette keeps apart too.
REFERENCE_ALPHA = 140
MAX_CATEGORIES = 15


def _colour(hex_colour: str, alpha: int) -> pg.QtGui.QColor:
    colour = pg.mkColor(hex_colour)
    colour.setAlpha(alpha)
    return colour


def padded(values: np.ndarray, below: float, above: float) -> tuple[float, float]:
    lo, hi = float(np.min(values)), float(np.max(values))
    span = hi - lo if hi > lo else 1.0
    return lo - below * span, hi + above * span


class _Titled(QWidget):
    def __init__(self, parent: QWidget | None = None, log_axes: tuple[str, ...] = ()) -> None:
        super().__init__(parent)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        self.title = QLabel(self)
        self.title.setWordWrap(True)
        self.title.setTextFormat(Qt.TextFormat.RichText)
        axes = {side: DecadeAxis(side) for side in log_axes}
        self.plot = pg.PlotWidget(background=style.palette().background, axisItems=axes)
        self.view = self.plot  # the graphics view, named as PlotBase names it (layout checks)
        self.plot.getPlotItem().hideButtons()
        for side in ("bottom", "left"):  # shares and ms read better without "(x0.001)"
            self.plot.getAxis(side).enableAutoSIPrefix(False)
        self.plot.setMenuEnabled(False)
        # Room above the plot for the top tick's label, drawn centred on the plot's edge.
        self.plot.getPlotItem().layout.setContentsMargins(2, 8, 8, 2)
        self.keys: list[tuple[str, str]] = []  # (series name, colour) named in the title
        self._title = ""  # the whole title; shown shortened where a word is too long
        self._labels: dict[str, str] = {}  # each axis's whole title
        layout.addWidget(self.title)
        layout.addWidget(self.plot, 1)
        self.setMinimumSize(260, 180)
        self.plot.getViewBox().sigResized.connect(lambda *_: self._show_labels())

    def clear(self) -> None:
        self.plot.clear()
        self.keys = []
        self._title = ""
        self.title.setText("")
        self.title.setToolTip("")

    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
        self._show_title()

    def _set_title(self, title: str) -> None:
        """The title, then a coloured square and the name of each series."""
        self._title = title
        self._show_title()

    def _show_title(self) -> None:
        """A word too long to wrap (a 79-letter feature name in the drift dialog ran off the
        plot) is shortened in its middle to the title's width; the tooltip has it whole."""
        title = self._title
        metrics = self.title.fontMetrics()
        room = max(self.width() - 12, 60)
        words = [
            metrics.elidedText(w, Qt.TextElideMode.ElideMiddle, room) for w in title.split(" ")
        ]
        shown = " ".join(words)
        keys = "&nbsp;&nbsp;".join(
            f"<span style='color:{colour}'>&#9632;</span>&nbsp;{escape(name)}"
            for name, colour in self.keys
        )
        text = escape(shown) + ("&nbsp;&nbsp;&nbsp;" + keys if keys else "")
        self.title.setText(text)
        self.title.setToolTip(title if shown != title else "")

    def _set_labels(self, bottom: str, left: str) -> None:
        self._labels = {"bottom": bottom, "left": left}
        self._show_labels()

    def _show_labels(self) -> None:
        """Axis titles shortened in the middle to the axis's length, whole in a tooltip."""
        box = self.plot.getViewBox().geometry()  # an axis title is centred along the box
        rooms = {"bottom": box.width() - 8, "left": box.height() - 8}
        for side, text in self._labels.items():
            axis = self.plot.getAxis(side)
            metrics = QFontMetricsF(axis.label.font())
            shown = metrics.elidedText(text, Qt.TextElideMode.ElideMiddle, max(rooms[side], 40))
            if shown != axis.labelText:
                self.plot.setLabel(side, shown)
                axis.resizeEvent()  # pyqtgraph centres a new title only when the axis resizes
            if text:  # an untitled axis may carry another tooltip (the categories' names)
                axis.setToolTip(text if shown != text else "")


class HistogramPlot(_Titled):
    """One or two histograms over the same edges; `log_x` for long-tailed latencies."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent, log_axes=("bottom",))

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
        self.title.setText(escape(title))
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
                self.plot.plot(x, heights, stepMode="center", pen=pg.mkPen(pal.positive, width=2))
            self.keys.append((name, pal.negative if i == 0 else pal.positive))
        if len(self.keys) < 2:
            self.keys = []  # one series: the title names it
        self._set_title(title)
        self.plot.getPlotItem().setLogMode(x=False, y=False)
        axis = self.plot.getAxis("bottom")
        axis.setTicks(None)
        axis.decades = log_x
        self._set_labels(x_label, y_label)
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
        self.plot.getAxis("bottom").decades = False
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
            self.keys.append((name, colour))
        self._set_title(title)
        left = self.plot.getAxis("left")
        # Shortened to tell the categories apart; the axis's tooltip names them in full.
        cap = max(18, min(40, self.width() // 25))
        names = style.elide_distinct([labels[j] for j in order], cap)
        left.setToolTip(
            "\n".join(labels[j] for j in order) if names != [labels[j] for j in order] else ""
        )
        left.setTicks([list(zip(y.tolist(), names, strict=True)), []])
        # Room for the longest name: pyqtgraph otherwise drops labels that do not fit.
        left.setWidth(style.text_width(names, style.base_font(9.0)) + 14)
        self.plot.getAxis("bottom").setTicks(None)
        self._set_labels("share of rows", "")
        top = float(shares[:, order].max()) if n else 1.0
        self.plot.setXRange(0, max(top, 1e-9) * 1.05, padding=0)
        self.plot.setYRange(-0.6, n - 0.4, padding=0)


class CurvePlot(_Titled):
    """Latency per call against throughput, one line per series, points labelled by batch size
    (a label that would collide with one already placed is left out until there is room)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent, log_axes=("bottom", "left"))
        self.point_labels: list[pg.TextItem] = []
        self.plot.getViewBox().sigResized.connect(self._place_labels)
        self.plot.getViewBox().sigRangeChanged.connect(self._place_labels)

    def clear(self) -> None:
        super().clear()
        self.point_labels = []

    def showEvent(self, event) -> None:
        super().showEvent(event)
        self._place_labels()  # drawn while its tab was hidden, the plot had no size yet

    def set_data(
        self, series: list[tuple[str, np.ndarray, np.ndarray, list[int]]], title: str = ""
    ) -> None:
        """series: (name, throughput rows/s, latency ms, batch sizes), skipped points removed."""
        self.clear()
        pal = style.palette()
        colours = [pal.negative, pal.positive]
        self.plot.getPlotItem().setLogMode(x=False, y=False)  # log10 drawn, DecadeAxis labels
        xs, ys = [], []
        for (name, throughput, latency, sizes), colour in zip(series, colours, strict=False):
            if len(sizes) == 0:
                continue
            x = np.log10(np.maximum(np.asarray(throughput, dtype=np.float64), 1e-12))
            y = np.log10(np.maximum(np.asarray(latency, dtype=np.float64), 1e-12))
            xs.append(x)
            ys.append(y)
            self.plot.plot(
                x, y, pen=pg.mkPen(colour, width=2), symbol="o", symbolBrush=colour, symbolPen=None
            )
            self.keys.append((name, colour))
            for px, py, size in zip(x, y, sizes, strict=True):
                label = pg.TextItem(f"{size:,}", color=pal.muted, anchor=(0.5, 1.2))
                label.setPos(float(px), float(py))
                self.plot.addItem(label)
                self.point_labels.append(label)
        self._set_title(title)
        self._set_labels("throughput (rows/s)", "latency per call (ms)")
        self.plot.showGrid(x=True, y=True, alpha=0.2)
        if xs:  # room above the top point and beside the outer ones for their labels
            x, y = np.concatenate(xs), np.concatenate(ys)
            self.plot.setXRange(*padded(x, 0.08, 0.08), padding=0)
            self.plot.setYRange(*padded(y, 0.08, 0.3), padding=0)
        self._place_labels()

    def _place_labels(self, *_: object) -> None:
        """Show each batch-size label that fits inside the plot without touching one shown
        before it (the first point of each series wins)."""
        vb = self.plot.getViewBox()
        vb.updateMatrix()  # a resize updates the view's mapping only on the next paint
        area = vb.sceneBoundingRect()
        taken: list = []
        for label in self.point_labels:
            label.setVisible(True)
            label.updateTransform(force=True)  # it otherwise follows the view on its next paint
            inner = label.textItem
            margin = inner.document().documentMargin()  # blank space around the glyphs
            rect = inner.mapRectToScene(
                inner.boundingRect().adjusted(margin, margin, -margin, -margin)
            )
            fits = area.contains(rect) and not any(rect.intersects(r) for r in taken)
            label.setVisible(fits)
            if fits:
                taken.append(rect)
