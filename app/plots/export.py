"""Figures to files: PNG at any size, SVG and PDF, each with a provenance caption.

Every export draws an offscreen twin of the plot (same class, same data, full feature names)
laid out at the target size, so an export is never blank, never cropped, and never disturbs
the window. The figure is laid out at a screen-like logical size and drawn scaled up to the
requested pixels, so a 1920x1080 slide has the same proportions of text to plot as the app.
"""

from __future__ import annotations

import atexit
import datetime as _dt
import os
import sys
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from PySide6.QtCore import (
    QMessageLogContext,
    QPoint,
    QRectF,
    Qt,
    QtMsgType,
    qInstallMessageHandler,
)
from PySide6.QtGui import (
    QColor,
    QFont,
    QFontMetricsF,
    QGuiApplication,
    QImage,
    QPainter,
)
from PySide6.QtWidgets import QApplication, QWidget

from app.core.base.atomic import check_output, write_bytes_atomic
from app.core.base.errors import ShapLensError
from app.core.base.hashing import short_hash as short_hash  # captions name files by it
from app.plots import registry, style
from app.plots.export_formats import encode, image_png

LOGICAL_SIZE = (900, 560)  # the layout a figure is designed at (like a plot in the window)
PRESETS: dict[str, tuple[int, int]] = {
    "slide": (1920, 1080),  # 16:9 slide
    "a4-half": (2480, 1754),  # half an A4 page at 300 dpi (210 x 148.5 mm)
    "2x": (2 * LOGICAL_SIZE[0], 2 * LOGICAL_SIZE[1]),
}
SUFFIXES = (".png", ".svg", ".pdf")
CAPTION_PX = 11  # pixels, not points: a PDF or SVG device's dpi must not change it


class ExportError(ShapLensError):
    """A figure could not be written (unknown format, bad size, unwritable file)."""


@dataclass
class Caption:
    """Where a figure came from; drawn under it unless switched off (caption=None)."""

    model_name: str
    data_name: str
    row: int | None
    unit: str
    explainer: str
    extra: str = ""
    model_hash: str = ""
    data_hash: str = ""
    cohort: str = ""  # e.g. "all rows" or "age > 50 (1,204 rows)" when row is None
    date: str = field(default_factory=lambda: _dt.date.today().isoformat())

    def text(self) -> str:
        def named(name: str, digest: str) -> str:
            return f"{name} ({digest})" if digest else name

        parts = [
            f"Model: {named(self.model_name, self.model_hash)}",
            f"Data: {named(self.data_name, self.data_hash)}",
            f"Row {self.row}" if self.row is not None else (self.cohort or "all rows"),
            f"Unit: {getattr(self.unit, 'value', self.unit)}",
            f"Explainer: {self.explainer}",
            self.date,
        ]
        if self.extra:
            parts.append(self.extra)
        return "  ·  ".join(parts)


def ensure_app() -> QApplication:
    """The running QApplication, or a new one (offscreen when there is no display)."""
    app = QApplication.instance()
    if app is None:
        if not os.environ.get("DISPLAY") and not os.environ.get("WAYLAND_DISPLAY"):
            os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
        if os.environ.get("QT_QPA_PLATFORM") == "offscreen":
            _quiet_while_running()
        app = QApplication([])
        globals()["_APP"] = app  # keep it alive as long as the module
    return app  # type: ignore[return-value]


def _quiet_while_running() -> None:
    """Filter Qt's messages while this process draws offscreen, and hand Qt its previous
    handler back at exit, so Qt never calls into a Python function during interpreter teardown."""
    previous = qInstallMessageHandler(_quiet_offscreen)
    atexit.register(qInstallMessageHandler, previous)


def _quiet_offscreen(kind: QtMsgType, context: QMessageLogContext, message: str) -> None:
    """Drop the offscreen platform's harmless notice; pass every other message on."""
    if "propagateSizeHints" not in message:
        sys.stderr.write(message + "\n")


def plot_class(view: str) -> type:
    """The plot class that draws `view` (app.plots.registry holds the one list)."""
    try:
        return registry.plot_class(view)
    except KeyError:
        known = ", ".join(registry.VIEWS)
        raise ExportError(f"Unknown view '{view}': choose one of {known}.") from None


# ------------------------------------------------------------------ drawing
def _caption_font() -> QFont:
    font = style.base_font()
    font.setPixelSize(CAPTION_PX)
    return font


def _caption_height(caption: Caption | None, width: float) -> float:
    if caption is None:
        return 0.0
    metrics = QFontMetricsF(_caption_font())
    flags = int(Qt.TextFlag.TextWordWrap)
    rect = metrics.boundingRect(QRectF(0, 0, width - 20, 1000), flags, caption.text())
    return rect.height() + 10


def _twin(cls: type, data: Any, width: int, height: int) -> QWidget:
    """A hidden plot of the same kind, laid out at (width, height) with full labels."""
    ensure_app()
    plot = cls()
    plot.setAttribute(Qt.WidgetAttribute.WA_DontShowOnScreen, True)
    plot.set_full_labels(True)
    plot.resize(width, height)
    plot.show()  # not on screen; makes Qt lay it out at this size
    plot.set_data(data)
    QApplication.processEvents()
    plot._fit_range()  # the layout is final now: place value labels against real pixels
    return plot


def _paint(painter: QPainter, plot: QWidget, width: float, height: float, cap: Caption | None):
    """Draw plot and caption into a (width x height) logical area of the painter."""
    painter.fillRect(QRectF(0, 0, width, height), QColor(style.palette().background))
    plot.render(painter, QPoint(0, 0))
    if cap is not None:
        top = plot.height()
        painter.setPen(QColor(style.palette().muted))
        painter.setFont(_caption_font())
        painter.drawText(
            QRectF(10, top + 4, width - 20, height - top - 4),
            int(Qt.AlignmentFlag.AlignLeft | Qt.TextFlag.TextWordWrap),
            cap.text(),
        )


def _scale_for(width: int, height: int) -> float:
    """Pixels per logical pixel: big targets keep the app's proportions of text to plot."""
    return float(np.clip(min(width / LOGICAL_SIZE[0], height / LOGICAL_SIZE[1]), 1.0, 4.0))


def _check_size(width: int | None, height: int | None) -> tuple[int, int]:
    if width is None or height is None:
        raise ExportError("Give both a width and a height for the figure.")
    if not (64 <= width <= 12_000 and 64 <= height <= 12_000):
        raise ExportError(f"Figure size {width}x{height} px is out of range (64 to 12,000 px).")
    return int(width), int(height)


class _Figure:
    """A plot laid out for one export: logical size, scale and the hidden twin."""

    def __init__(self, cls: type, data: Any, width: int, height: int, cap: Caption | None):
        self.width, self.height = width, height
        ensure_app()
        self.scale = _scale_for(width, height)
        self.lw, self.lh = width / self.scale, height / self.scale
        self.caption = cap
        plot_h = max(self.lh - _caption_height(cap, self.lw), 80)
        self.plot = _twin(cls, data, round(self.lw), round(plot_h))

    def paint(self, painter: QPainter, device_scale: float) -> None:
        painter.setRenderHint(QPainter.RenderHint.Antialiasing, True)
        painter.setRenderHint(QPainter.RenderHint.TextAntialiasing, True)
        painter.scale(device_scale, device_scale)
        _paint(painter, self.plot, self.lw, self.lh, self.caption)

    def vector_mode(self) -> None:
        """Draw everything as vectors from now on (SVG, PDF). pyqtgraph paints a view's
        background from a cached pixmap (a blank <image> in SVG files, which ImageMagick could
        not open) and scatter dots from a pixmap atlas; its own exporters switch both off."""
        import pyqtgraph as pg
        from PySide6.QtWidgets import QGraphicsView

        if hasattr(self.plot, "vector_mode"):  # the beeswarm's density image, as rectangles
            self.plot.vector_mode()
            QApplication.processEvents()
            self.plot._fit_range()
        # Every exported plot names its one graphics view `view` (PlotBase, production_plots);
        # tests/ui/test_export_views.py checks that no registered plot holds another.
        view = getattr(self.plot, "view", None)
        if not isinstance(view, pg.GraphicsView):
            return  # a plain widget (the toy view of tests/ui/test_add_a_view.py)
        view.setCacheMode(QGraphicsView.CacheModeFlag.CacheNone)
        for item in view.scene().items():
            if hasattr(item, "setExportMode"):
                item.setExportMode(True, {"antialias": True})

    def image(self) -> QImage:
        image = QImage(self.width, self.height, QImage.Format.Format_ARGB32)
        image.fill(QColor(style.palette().background))
        painter = QPainter(image)
        try:
            self.paint(painter, self.scale)
        finally:
            painter.end()
        if _is_blank(image):
            raise ExportError("The figure came out blank; nothing was written.")
        return image

    def close(self) -> None:
        self.plot.close()
        self.plot.deleteLater()


def _is_blank(image: QImage) -> bool:
    small = image.scaled(64, 64).convertToFormat(QImage.Format.Format_RGB32)
    pixels = np.frombuffer(small.constBits(), dtype=np.uint32, count=64 * 64)
    return bool(np.all(pixels == pixels[0]))


def _write(figure: _Figure, path: Path, inputs: Iterable[str | Path | None]) -> None:
    """Draw in memory, then write through the output gate (never over an input, atomically)."""
    suffix = path.suffix.lower()
    if suffix not in SUFFIXES:
        raise ExportError(f"Cannot write {path.name}: use a .png, .svg or .pdf file name.")
    inputs = tuple(inputs)
    check_output(path, inputs)  # refuse before drawing, which can take a while
    write_bytes_atomic(path, encode(figure, suffix), inputs=inputs, parents=True)


# ------------------------------------------------------------------ public API
def export_widget(
    widget: QWidget,
    path: Path,
    width: int | None = None,
    height: int | None = None,
    caption: Caption | None = None,
    inputs: Iterable[str | Path | None] = (),
    data: Any = None,
) -> Path:
    """Write the plot shown in `widget` to PNG/SVG/PDF (by suffix); default 2x its screen size.

    `inputs` (the model and data files) are never overwritten; `data` replaces what the widget
    shows (e.g. with personal values redacted)."""
    data = data if data is not None else getattr(widget, "data", None)
    if data is None:
        raise ExportError("There is nothing to export yet: the plot is empty.")
    if width is None and height is None:
        width, height = 2 * max(widget.width(), 200), 2 * max(widget.height(), 150)
    figure = _Figure(type(widget), data, *_check_size(width, height), caption)
    try:
        _write(figure, Path(path), inputs)
    finally:
        figure.close()
    return Path(path)


def export_view(
    view: str,
    data: Any,
    path: Path,
    width: int | None = None,
    height: int | None = None,
    caption: Caption | None = None,
    inputs: Iterable[str | Path | None] = (),
) -> Path:
    """Like export_widget, from plot-ready data without any window (the CLI uses this)."""
    width = PRESETS["2x"][0] if width is None else width
    height = PRESETS["2x"][1] if height is None else height
    figure = _Figure(plot_class(view), data, *_check_size(width, height), caption)
    try:
        _write(figure, Path(path), inputs)
    finally:
        figure.close()
    return Path(path)


def render_view(
    view: str,
    data: Any,
    width: int | None = None,
    height: int | None = None,
    caption: Caption | None = None,
) -> QImage:
    """The figure as a QImage of exactly width x height, drawn offscreen (no window needed)."""
    width = PRESETS["2x"][0] if width is None else width
    height = PRESETS["2x"][1] if height is None else height
    figure = _Figure(plot_class(view), data, *_check_size(width, height), caption)
    try:
        return figure.image()
    finally:
        figure.close()


def png_bytes(
    view: str,
    data: Any,
    width: int | None = None,
    height: int | None = None,
    caption: Caption | None = None,
) -> bytes:
    """The figure as PNG bytes, e.g. to embed in an HTML report."""
    return image_png(render_view(view, data, width, height, caption))


def copy_to_clipboard(widget: QWidget, caption: Caption | None = None, data: Any = None) -> None:
    """Put the figure (2x its screen size, with caption) on the clipboard as an image."""
    data = data if data is not None else getattr(widget, "data", None)
    if data is None:
        raise ExportError("There is nothing to copy yet: the plot is empty.")
    size = _check_size(2 * max(widget.width(), 200), 2 * max(widget.height(), 150))
    figure = _Figure(type(widget), data, *size, caption)
    try:
        QGuiApplication.clipboard().setImage(figure.image())
    finally:
        figure.close()
