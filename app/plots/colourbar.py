"""The "Feature value, low → high" colour bar beside the beeswarm."""

from __future__ import annotations

from typing import Any

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QLinearGradient, QPainter, QPen

from app.plots import style

BAR_WIDTH = 10.0


class ColourBar(pg.GraphicsWidget):
    """A vertical gradient in the current palette: High at the top, Low at the bottom.

    A scale of magnitudes (the interaction heatmap) passes its own `stops` and puts numbers at
    the ends with `set_ends`."""

    def __init__(self, title: str = "Feature value", stops: tuple[str, ...] | None = None) -> None:
        super().__init__()
        self.title = title
        self.stops = stops  # None: the palette's feature-value gradient
        self.setFlag(self.GraphicsItemFlag.ItemClipsToShape, False)
        # What the last paint wrote, in item coordinates: layout tests check it for overlaps.
        self.drawn_text: list[tuple[str, QRectF]] = []
        self.set_ends("High", "Low")

    def set_ends(self, high: str, low: str) -> None:
        """The words (or numbers) at the top and bottom end; the bar widens to fit them."""
        self.ends = (high, low)
        font = style.base_font(9.0)
        self.setFixedWidth(BAR_WIDTH + 8 + style.text_width([high, low], font) + 22)
        self.update()

    def _band_colour(self, t: float, pal: style.Palette) -> QColor:
        """The gradient's colour at t (0 bottom, 1 top): the bar's own stops when it has them
        (the heatmap's light-to-dark scale was exported as the blue-red value scale)."""
        if not self.stops:
            colour = style.colours_for(np.array([t]), pal)[0]
            return QColor(int(colour[0]), int(colour[1]), int(colour[2]))
        rgb = np.array([QColor(s).getRgb()[:3] for s in self.stops], dtype=np.float64)
        at = np.linspace(0.0, 1.0, len(self.stops))
        return QColor(*(round(float(np.interp(t, at, rgb[:, c]))) for c in range(3)))

    def paint(self, painter: QPainter, *args: Any) -> None:
        pal = style.palette()
        rect = self.boundingRect()
        font = style.base_font(9.0)
        painter.setFont(font)
        metrics_h = painter.fontMetrics().height()
        top = rect.top() + metrics_h + 4
        bottom = rect.bottom() - metrics_h - 4
        self.drawn_text = []
        if bottom - top < 20:
            return
        bar = QRectF(rect.left() + 4, top, BAR_WIDTH, bottom - top)
        gradient = QLinearGradient(bar.bottomLeft(), bar.topLeft())
        stops = self.stops or pal.value_stops
        for i, colour in enumerate(stops):
            gradient.setColorAt(i / max(len(stops) - 1, 1), QColor(colour))
        painter.setPen(Qt.PenStyle.NoPen)
        if getattr(self, "_exportOpts", False) is not False:
            # Exported as vectors: solid bands, which every SVG reader draws (ImageMagick left
            # a gradient blank).
            bands = 64
            step = bar.height() / bands
            for k in range(bands):
                band = QRectF(bar.left(), bar.bottom() - (k + 1) * step, bar.width(), step + 0.5)
                painter.fillRect(band, self._band_colour((k + 0.5) / bands, pal))
        else:
            painter.fillRect(bar, gradient)
        painter.setPen(QPen(QColor(pal.text)))
        metrics = painter.fontMetrics()
        high, low = self.ends
        for text, baseline in ((high, top - 4), (low, bottom + metrics_h - 2)):
            painter.drawText(QPointF(bar.left() - 2, baseline), text)
            self.drawn_text.append(
                (text, QRectF(bar.left() - 2, baseline - metrics.ascent(),
                              metrics.horizontalAdvance(text), metrics.ascent()))
            )  # fmt: skip
        # The title runs along the bar, reading bottom to top (as shap draws it), cut to the
        # bar's length: longer, it ran into "High" and "Low" in a short view.
        title = metrics.elidedText(self.title, Qt.TextElideMode.ElideRight, int(bottom - top))
        if len(title.rstrip("…")) < 4:
            return
        width = metrics.horizontalAdvance(title)
        x = bar.right() + 6 + metrics_h * 0.8
        painter.save()
        painter.translate(x, (top + bottom) / 2)
        painter.rotate(-90)
        painter.drawText(QPointF(-width / 2, 0), title)
        painter.restore()
        # Rotated: the text's width runs along y; its ascent lies left of the baseline at x.
        self.drawn_text.append(
            (title, QRectF(x - metrics.ascent(), (top + bottom) / 2 - width / 2,
                           metrics.ascent(), width))
        )  # fmt: skip
