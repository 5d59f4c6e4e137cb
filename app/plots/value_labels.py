"""Text beside data points, drawn by one item at a fixed size on screen.

pyqtgraph's TextItem keeps its own transform in step with the view: every change of the view's
range, of its text or of its visibility recomputes it (about a millisecond each), and an
importance plot with twenty value labels spent most of each refresh there while a run refined
its estimate (GUI stalls of 30-40 ms; issue 14). One item that paints all labels in the device's
pixels costs one paint, whatever the view does.
"""

from __future__ import annotations

from collections.abc import Sequence

import pyqtgraph as pg
from PySide6.QtCore import QPointF, QRectF
from PySide6.QtGui import QColor, QFont, QFontMetricsF, QPainter, QTransform

GAP_PX = 4.0  # between the point and its text, as TextItem's document margin left it


class ValueLabels(pg.GraphicsObject):
    """Labels left-aligned just right of their (x, y) points, vertically centred on them."""

    def __init__(self, font: QFont, colour: str | QColor) -> None:
        super().__init__()
        self._font = QFont(font)
        self._colour = QColor(colour)
        self._metrics = QFontMetricsF(self._font)
        self._labels: list[tuple[float, float, str]] = []
        self._widths: list[float] = []
        # What the last paint wrote, in item coordinates: layout tests check it for overlaps.
        self.drawn_text: list[tuple[str, QRectF]] = []

    def labels(self) -> list[tuple[float, float, str]]:
        return list(self._labels)

    def set_labels(self, xs: Sequence[float], ys: Sequence[float], texts: Sequence[str]) -> None:
        labels = [(float(x), float(y), str(t)) for x, y, t in zip(xs, ys, texts, strict=True)]
        if labels == self._labels:
            return
        self.prepareGeometryChange()
        self._labels = labels
        self._widths = [self._metrics.horizontalAdvance(t) for _, _, t in labels]
        self.update()

    def viewTransformChanged(self) -> None:
        self.prepareGeometryChange()  # the text's extent in view units follows the zoom

    def _device_to_item(self) -> QTransform | None:
        """Device pixels to item coordinates; None before the item is in a shown view."""
        device = self.deviceTransform_()
        if device is None:
            return None
        inverse, invertible = device.inverted()
        return inverse if invertible else None

    @staticmethod
    def _pixel(inverse: QTransform | None) -> tuple[float, float]:
        """View units per device pixel along x and y (1, 1 before the item is in a view)."""
        if inverse is None:
            return 1.0, 1.0
        return abs(inverse.m11()) or 1.0, abs(inverse.m22()) or 1.0

    def _text_rect(self, i: int, px: float, py: float) -> QRectF:
        x, y, _ = self._labels[i]
        height = self._metrics.height()
        return QRectF(x + GAP_PX * px, y - height / 2 * py, self._widths[i] * px, height * py)

    def boundingRect(self) -> QRectF:
        if not self._labels:
            return QRectF()
        px, py = self._pixel(self._device_to_item())
        rect = QRectF(self._text_rect(0, px, py))
        for i in range(1, len(self._labels)):
            rect = rect.united(self._text_rect(i, px, py))
        return rect.normalized()

    def paint(self, painter: QPainter, *args: object) -> None:
        if not self._labels:
            self.drawn_text = []
            return
        inverse = self._device_to_item()
        if inverse is None:
            return
        # Undo the view's scaling around each point: the text is drawn in device pixels (as a
        # TextItem is), while an export's own scaling of the painter still applies.
        unscale = QTransform(inverse.m11(), inverse.m12(), inverse.m21(), inverse.m22(), 0, 0)
        painter.setFont(self._font)
        painter.setPen(self._colour)
        middle = (self._metrics.ascent() - self._metrics.descent()) / 2
        px, py = self._pixel(inverse)
        drawn = []
        for i, (x, y, text) in enumerate(self._labels):
            painter.save()
            painter.translate(x, y)
            painter.setTransform(unscale, True)
            painter.drawText(QPointF(GAP_PX, middle), text)
            painter.restore()
            drawn.append((text, self._text_rect(i, px, py).normalized()))
        self.drawn_text = drawn
