"""The "Feature value, low → high" colour bar beside the beeswarm."""

from __future__ import annotations

from typing import Any

import pyqtgraph as pg
from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QLinearGradient, QPainter, QPen

from app.plots import style

BAR_WIDTH = 10.0


class ColourBar(pg.GraphicsWidget):
    """A vertical gradient in the current palette: High at the top, Low at the bottom."""

    def __init__(self, title: str = "Feature value") -> None:
        super().__init__()
        self.title = title
        self.setFlag(self.GraphicsItemFlag.ItemClipsToShape, False)
        font = style.base_font(9.0)
        width = BAR_WIDTH + 8 + style.text_width(["High", "Low"], font) + 22
        self.setFixedWidth(width)

    def paint(self, painter: QPainter, *args: Any) -> None:
        pal = style.palette()
        rect = self.boundingRect()
        font = style.base_font(9.0)
        painter.setFont(font)
        metrics_h = painter.fontMetrics().height()
        top = rect.top() + metrics_h + 4
        bottom = rect.bottom() - metrics_h - 4
        if bottom - top < 20:
            return
        bar = QRectF(rect.left() + 4, top, BAR_WIDTH, bottom - top)
        gradient = QLinearGradient(bar.bottomLeft(), bar.topLeft())
        stops = pal.value_stops
        for i, colour in enumerate(stops):
            gradient.setColorAt(i / max(len(stops) - 1, 1), QColor(colour))
        painter.setPen(Qt.PenStyle.NoPen)
        painter.fillRect(bar, gradient)
        painter.setPen(QPen(QColor(pal.text)))
        painter.drawText(QPointF(bar.left() - 2, top - 4), "High")
        painter.drawText(QPointF(bar.left() - 2, bottom + metrics_h - 2), "Low")
        # The title runs along the bar, reading bottom to top (as shap draws it).
        painter.save()
        painter.translate(bar.right() + 6 + metrics_h * 0.8, (top + bottom) / 2)
        painter.rotate(-90)
        width = painter.fontMetrics().horizontalAdvance(self.title)
        painter.drawText(QPointF(-width / 2, 0), self.title)
        painter.restore()
