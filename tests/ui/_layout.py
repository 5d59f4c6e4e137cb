"""Measure the text a plot draws, to fail on overlapping or clipped labels.

A plot's text comes from three places: its axes (tick labels and the axis title, measured with
the axis's own draw specs, so what is checked is what would be painted), pyqtgraph TextItems in
the scene (value labels, captions), and the title QLabel above the plot. Everything is mapped to
the plot widget's coordinates; a box that leaves the graphics view is clipped.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass

import pyqtgraph as pg
from PySide6.QtCore import QRectF
from PySide6.QtGui import QImage, QPainter
from PySide6.QtWidgets import QLabel

from app.plots.base import PlotBase

TOLERANCE_PX = 1.0  # anti-aliased glyph edges may touch


@dataclass
class TextBox:
    text: str
    rect: QRectF  # in the graphics view's viewport coordinates


def _glyph_rect(item) -> QRectF:
    """A QGraphicsTextItem's text without its document margin (empty space around the glyphs)."""
    margin = item.document().documentMargin()
    return item.boundingRect().adjusted(margin, margin, -margin, -margin)


def _axis_boxes(view: pg.GraphicsLayoutWidget, axis: pg.AxisItem) -> list[TextBox]:
    if not axis.isVisible():
        return []
    image = QImage(4, 4, QImage.Format.Format_ARGB32)
    painter = QPainter(image)
    if axis.style.get("tickFont"):
        painter.setFont(axis.style["tickFont"])
    try:
        _, _, texts = axis.generateDrawSpecs(painter)
    finally:
        painter.end()
    boxes = []
    for rect, _flags, text in texts:
        scene = axis.mapRectToScene(rect)
        boxes.append(TextBox(text, QRectF(view.mapFromScene(scene).boundingRect())))
    if axis.label.isVisible() and axis.labelText:
        scene = axis.label.mapRectToScene(_glyph_rect(axis.label))
        boxes.append(TextBox(axis.labelText, QRectF(view.mapFromScene(scene).boundingRect())))
    return boxes


def _text_item_boxes(view: pg.GraphicsLayoutWidget) -> list[TextBox]:
    boxes = []
    for item in view.scene().items():
        if isinstance(item, pg.TextItem) and item.isVisible() and item.toPlainText().strip():
            inner = item.textItem
            scene = inner.mapRectToScene(_glyph_rect(inner))
            rect = QRectF(view.mapFromScene(scene).boundingRect())
            boxes.append(TextBox(item.toPlainText(), rect))
    return boxes


def _painted_boxes(view: pg.GraphicsLayoutWidget) -> list[TextBox]:
    """Text that items paint themselves and record as `drawn_text` (the colour bar)."""
    boxes = []
    for item in view.scene().items():
        for text, rect in getattr(item, "drawn_text", []) if item.isVisible() else []:
            scene = item.mapRectToScene(rect)
            boxes.append(TextBox(text, QRectF(view.mapFromScene(scene).boundingRect())))
    return boxes


def text_boxes(plot: PlotBase) -> list[TextBox]:
    boxes = _painted_boxes(plot.view)
    for name in ("left", "bottom", "right", "top"):
        axis = plot.plot.getAxis(name)
        boxes += _axis_boxes(plot.view, axis)
    boxes += _text_item_boxes(plot.view)
    return boxes


def _label_problems(label: QLabel) -> list[str]:
    """A label whose wrapped text is taller than the label, or holds a word (or a no-break
    entry, as a colour key's) wider than the label: either is cut on screen."""
    found = []
    text = label.text()
    if label.wordWrap() and label.heightForWidth(label.width()) > label.height() + TOLERANCE_PX:
        found.append(f"label clipped: {text!r}")
    plain = html.unescape(re.sub(r"<[^>]+>", " ", text.replace("&nbsp;", "\u00a0")))
    words = re.split(r"[ \t\n]+", plain) if label.wordWrap() else plain.splitlines()
    widest = max((label.fontMetrics().horizontalAdvance(w) for w in words), default=0)
    if widest > label.contentsRect().width() + TOLERANCE_PX:  # a word cannot wrap
        found.append(f"label wider than the plot: {text!r}")
    return found


def problems(plot: PlotBase) -> list[str]:
    """Every pair of overlapping texts, and every text cut by the view's edge or too long for
    its label (the title, a colour key); an empty list means the plot reads cleanly."""
    found = []
    if not plot.view.isVisible():
        return found  # the plot shows its "enlarge to read" notice instead
    for label in plot.findChildren(QLabel):
        if label.isVisible() and label.text().strip():
            found += _label_problems(label)
    viewport = QRectF(plot.view.viewport().rect()).adjusted(
        -TOLERANCE_PX, -TOLERANCE_PX, TOLERANCE_PX, TOLERANCE_PX
    )
    boxes = text_boxes(plot)
    for name in ("left", "bottom", "right", "top"):  # shortened to the same text, ticks say nothing
        axis = plot.plot.getAxis(name)
        ticks = [b.text for b in _axis_boxes(plot.view, axis) if b.text != axis.labelText]
        same = {t for t in ticks if "…" in t and ticks.count(t) > 1}
        found += [f"indistinguishable {name} ticks: {t!r}" for t in sorted(same)]
    for box in boxes:
        if not viewport.contains(box.rect):
            found.append(f"clipped: {box.text!r} at {box.rect.getRect()}")
    # Items inside the plot area are clipped by its view box, not by the whole view.
    vb = plot.plot.getViewBox()
    vb_rect = QRectF(plot.view.mapFromScene(vb.sceneBoundingRect()).boundingRect()).adjusted(
        -TOLERANCE_PX, -TOLERANCE_PX, TOLERANCE_PX, TOLERANCE_PX
    )
    for box in _text_item_boxes(plot.view):
        if not vb_rect.contains(box.rect):
            found.append(f"cut by the plot area: {box.text!r} at {box.rect.getRect()}")
    shrunk = [
        b.rect.adjusted(TOLERANCE_PX, TOLERANCE_PX, -TOLERANCE_PX, -TOLERANCE_PX) for b in boxes
    ]
    for i in range(len(boxes)):
        for j in range(i + 1, len(boxes)):
            if shrunk[i].intersects(shrunk[j]):
                found.append(f"overlap: {boxes[i].text!r} and {boxes[j].text!r}")
    return found
