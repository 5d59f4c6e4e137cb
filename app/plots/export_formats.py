"""A laid-out figure encoded as PNG, SVG or PDF bytes, in memory.

Qt's file writers cannot be trusted with the user's file: QSvgGenerator and QPdfWriter report
nothing when the disk fills (an export "succeeded" and left a truncated or empty file where a good
figure was), and QImage.save only returns False. So every format is drawn into a QBuffer here,
each step's result is checked, and the bytes go to disk through app.core.base.atomic.
"""

from __future__ import annotations

from typing import Protocol

from PySide6.QtCore import QBuffer, QByteArray, QIODevice, QMarginsF, QRect, QSize, QSizeF
from PySide6.QtGui import QImage, QPageSize, QPainter, QPdfWriter

from app.core.base.errors import ShapLensError


class EncodeError(ShapLensError):
    """Qt could not draw the figure in the requested format."""


class Drawable(Protocol):
    width: int
    height: int
    lw: float
    caption: object | None
    scale: float

    def paint(self, painter: QPainter, device_scale: float) -> None: ...

    def image(self) -> QImage: ...


def _buffer() -> tuple[QByteArray, QBuffer]:
    array = QByteArray()
    buffer = QBuffer(array)
    if not buffer.open(QIODevice.OpenModeFlag.WriteOnly):
        raise EncodeError("Could not prepare memory for the figure.")
    return array, buffer


def _finish(array: QByteArray, buffer: QBuffer, what: str) -> bytes:
    buffer.close()
    data = bytes(array.data())
    if not data:
        raise EncodeError(f"Qt produced an empty {what}; nothing was written.")
    return data


def image_png(image: QImage) -> bytes:
    """A QImage as PNG bytes."""
    array, buffer = _buffer()
    if not image.save(buffer, "PNG"):
        raise EncodeError("Qt could not encode the figure as PNG; nothing was written.")
    return _finish(array, buffer, "PNG")


def _paint_checked(painter: QPainter, figure: Drawable, scale: float, what: str) -> None:
    if not painter.isActive():
        raise EncodeError(f"Qt could not start drawing the {what}; nothing was written.")
    try:
        figure.paint(painter, scale)
    finally:
        ended = painter.end()
    if not ended:
        raise EncodeError(f"Qt could not finish the {what}; nothing was written.")


def svg_bytes(figure: Drawable) -> bytes:
    from PySide6.QtSvg import QSvgGenerator

    array, buffer = _buffer()
    generator = QSvgGenerator()
    generator.setOutputDevice(buffer)
    generator.setResolution(96)  # CSS pixels: a 1200 px wide figure is 317.5 mm wide
    generator.setSize(QSize(figure.width, figure.height))
    generator.setViewBox(QRect(0, 0, figure.width, figure.height))
    generator.setTitle("ShapLens figure")
    if figure.caption is not None:
        generator.setDescription(figure.caption.text())  # type: ignore[attr-defined]
    _paint_checked(QPainter(generator), figure, figure.scale, "SVG")
    return _finish(array, buffer, "SVG")


def pdf_bytes(figure: Drawable) -> bytes:
    """One page the size of the figure at 96 px per inch (1 px = 0.75 pt), drawn as vectors."""
    array, buffer = _buffer()
    writer = QPdfWriter(buffer)
    writer.setResolution(300)
    writer.setPageSize(
        QPageSize(QSizeF(figure.width * 0.75, figure.height * 0.75), QPageSize.Unit.Point)
    )
    writer.setPageMargins(QMarginsF(0, 0, 0, 0))
    writer.setTitle("ShapLens figure")
    painter = QPainter(writer)
    _paint_checked(painter, figure, writer.width() / figure.lw, "PDF")
    del painter, writer  # the writer finishes the document when the painter ends
    data = _finish(array, buffer, "PDF")
    if not data.startswith(b"%PDF"):
        raise EncodeError("Qt produced no PDF output; nothing was written.")
    return data


def encode(figure: Drawable, suffix: str) -> bytes:
    """The figure in the format named by a file suffix (.png, .svg, .pdf)."""
    if suffix == ".png":
        return image_png(figure.image())
    if suffix == ".svg":
        return svg_bytes(figure)
    return pdf_bytes(figure)
