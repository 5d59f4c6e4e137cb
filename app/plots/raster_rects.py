"""A raster drawn as vector rectangles, for SVG and PDF exports of the beeswarm's density view.

On screen the dense beeswarm is one image (fast); in a vector file an embedded image is what
other SVG readers stumbled on, so each non-empty cell becomes a rectangle. Cells of one colour
(to 4 bits a channel, 16 levels of opacity) share one path, which keeps the file small.
"""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QRectF
from PySide6.QtGui import QColor, QPainterPath

LEVELS = 16  # per channel: finer differences are not visible in a density cell


class RasterRects(pg.GraphicsObject):
    def __init__(self, rgba: np.ndarray, rect: QRectF, background: str | None = None) -> None:
        """rgba: rows x columns x 4, row 0 at `rect.top()` (the smallest y), as an ImageItem
        with axisOrder="row-major" places it."""
        super().__init__()
        self._rect = QRectF(rect)
        rgba = np.asarray(rgba)
        if background is not None:  # opaque cells: simple SVG readers ignore fill-opacity
            rgba = _over(rgba, QColor(background))
        self.paths = _paths(rgba, self._rect)

    def boundingRect(self) -> QRectF:
        return self._rect

    def paint(self, painter, *_: object) -> None:
        painter.setPen(pg.mkPen(None))
        for colour, path in self.paths:
            painter.fillPath(path, colour)


def _over(rgba: np.ndarray, background: QColor) -> np.ndarray:
    """The cells blended onto the background, fully opaque where anything was drawn."""
    alpha = rgba[..., 3:4].astype(np.float64) / 255.0
    bg = np.array([background.red(), background.green(), background.blue()], dtype=np.float64)
    out = rgba.copy()
    out[..., :3] = np.round(rgba[..., :3] * alpha + bg * (1 - alpha)).astype(np.uint8)
    out[..., 3] = np.where(rgba[..., 3] > 0, 255, 0)
    return out


def _paths(rgba: np.ndarray, rect: QRectF) -> list[tuple[QColor, QPainterPath]]:
    rows, cols = rgba.shape[:2]
    if rows == 0 or cols == 0:
        return []
    w, h = rect.width() / cols, rect.height() / rows
    q = (rgba.astype(np.int32) * LEVELS // 256).clip(0, LEVELS - 1)
    keys = ((q[..., 0] * LEVELS + q[..., 1]) * LEVELS + q[..., 2]) * LEVELS + q[..., 3]
    keys[q[..., 3] == 0] = -1  # transparent cells are not drawn
    out = []
    for key in np.unique(keys[keys >= 0]):
        r, c = np.nonzero(keys == key)
        i = int(r[0]), int(c[0])
        colour = QColor(*(int(v) for v in rgba[i][:3]), int(rgba[i][3]))
        path = QPainterPath()
        for row, col in zip(r.tolist(), c.tolist(), strict=True):
            path.addRect(QRectF(rect.left() + col * w, rect.top() + row * h, w, h))
        out.append((colour, path))
    return out
