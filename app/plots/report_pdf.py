"""The report as a PDF: the same HTML laid out by QTextDocument and printed by QPdfWriter.

QTextDocument does not load data: URIs by itself, so each embedded PNG is handed to the document
as a named resource first and drawn at the page's width.
"""

from __future__ import annotations

import base64
import re
from collections.abc import Iterable
from pathlib import Path

from PySide6.QtCore import QBuffer, QByteArray, QIODevice, QMarginsF, QSizeF, QUrl
from PySide6.QtGui import QImage, QPageLayout, QPageSize, QPdfWriter, QTextDocument

from app.core.base.atomic import write_bytes_atomic
from app.core.base.errors import ShapLensError
from app.plots.export import ensure_app

DPI = 96  # layout in CSS pixels, so the HTML's sizes mean the same as in a browser
MARGIN_MM = 12.0
DOCUMENT_MARGIN = 4.0  # px; the page margin is set on the PDF page itself
_IMG = re.compile(r'<img src="data:image/png;base64,([A-Za-z0-9+/=]+)" width="(\d+)"')


class ReportPdfError(ShapLensError):
    """The PDF could not be made."""


def _ensure_app() -> None:
    ensure_app()


def _page_layout() -> QPageLayout:
    return QPageLayout(
        QPageSize(QPageSize.PageSizeId.A4),
        QPageLayout.Orientation.Portrait,
        QMarginsF(MARGIN_MM, MARGIN_MM, MARGIN_MM, MARGIN_MM),
        QPageLayout.Unit.Millimeter,
    )


def layout_document(html: str) -> QTextDocument:
    """The report laid out on A4 pages exactly as it is printed (figures as resources)."""
    _ensure_app()
    document = QTextDocument()
    paint = _page_layout().paintRectPixels(DPI)
    # A document paginated to the page's paint area is printed as is (no extra 2 cm margin).
    document.setPageSize(QSizeF(paint.width(), paint.height()))
    document.setDocumentMargin(DOCUMENT_MARGIN)
    usable = max(int(paint.width() - 2 * DOCUMENT_MARGIN - 4), 200)
    counter = iter(range(1_000_000))

    def to_resource(match: re.Match[str]) -> str:
        name = f"shaplens-figure-{next(counter)}.png"
        image = QImage.fromData(base64.b64decode(match.group(1)), "PNG")
        if image.isNull():
            raise ReportPdfError("A figure in the report could not be decoded for the PDF.")
        document.addResource(QTextDocument.ResourceType.ImageResource, QUrl(name), image)
        width = min(int(match.group(2)), usable)
        return f'<img src="{name}" width="{width}"'

    document.setHtml(_IMG.sub(to_resource, html))
    return document


def heading_pages(document: QTextDocument) -> list[tuple[int, str, int]]:
    """(level, text, page index) of every heading, as the PDF places them."""
    page = document.pageSize().height()
    layout = document.documentLayout()
    out = []
    block = document.begin()
    while block.isValid():
        level = block.blockFormat().headingLevel()
        if level:
            top = layout.blockBoundingRect(block).top()
            out.append((level, block.text(), int(top // page)))
        block = block.next()
    return out


def html_to_pdf_bytes(html: str, title: str = "") -> bytes:
    """Lay the report out on A4 pages and return the PDF file's bytes."""
    document = layout_document(html)
    array = QByteArray()
    buffer = QBuffer(array)
    buffer.open(QIODevice.OpenModeFlag.WriteOnly)
    writer = QPdfWriter(buffer)
    writer.setResolution(DPI)
    writer.setTitle(title)
    writer.setCreator("ShapLens")
    writer.setPageLayout(_page_layout())
    document.print_(writer)
    del writer  # finishes the PDF into the buffer
    buffer.close()
    data = bytes(array.data())
    if not data.startswith(b"%PDF"):
        raise ReportPdfError("Qt produced no PDF output.")
    return data


def write_pdf(
    html: str, path: str | Path, title: str = "", inputs: Iterable[str | Path | None] = ()
) -> Path:
    """Write the report PDF to `path` atomically, never over one of `inputs`."""
    return write_bytes_atomic(path, html_to_pdf_bytes(html, title), inputs=inputs)
