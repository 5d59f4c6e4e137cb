"""The PDF report: real pages, with the text and the figures on them."""

from __future__ import annotations

import base64
import itertools
import re
import zlib

from PySide6.QtCore import QBuffer, QByteArray, QIODevice
from PySide6.QtGui import QColor, QImage

from app.core.review import report_html as h
from app.plots.report_pdf import html_to_pdf_bytes, write_pdf


def png(width: int, height: int) -> bytes:
    image = QImage(width, height, QImage.Format.Format_RGB32)
    image.fill(QColor(30, 100, 200))
    array = QByteArray()
    buffer = QBuffer(array)
    buffer.open(QIODevice.OpenModeFlag.WriteOnly)
    image.save(buffer, "PNG")
    buffer.close()
    return bytes(array.data())


def streams(pdf: bytes) -> list[bytes]:
    out = []
    for match in re.finditer(rb"stream\r?\n(.*?)\r?\nendstream", pdf, re.S):
        try:
            out.append(zlib.decompress(match.group(1)))
        except zlib.error:
            out.append(match.group(1))
    return out


def test_pdf_has_pages_text_and_images(qapp, tmp_path) -> None:
    body = "<h1>Report title</h1>" + "".join(
        f"<h3>Row {i}</h3><p>{'A sentence about this row. ' * 30}</p>"
        + h.image(png(1400, 800), f"figure {i}")
        + h.table(["a", "b"], [(i, i * 2)] * 5)
        for i in range(4)
    )
    pdf = html_to_pdf_bytes(h.page("Test report", body), title="Test report")
    assert pdf.startswith(b"%PDF") and pdf.rstrip().endswith(b"%%EOF")
    pages = len(re.findall(rb"/Type\s*/Page\b", pdf))
    assert pages >= 2, "four rows with large figures cannot fit on one A4 page"
    assert len(re.findall(rb"/Subtype\s*/Image", pdf)) >= 1
    drawn = b"".join(streams(pdf))
    assert drawn.count(b"Tj") + drawn.count(b"TJ") > 20, "pages carry text"
    assert b" Do" in drawn, "images are drawn on the pages"
    path = write_pdf(h.page("t", body), tmp_path / "r.pdf")
    assert path.stat().st_size > 20_000


def test_pdf_keeps_images_decodable_in_html(qapp) -> None:
    """The PDF path reads the same data: URIs the HTML carries (no file is written)."""
    html = h.page("t", h.image(png(300, 200), "x"))
    encoded = re.search(r"base64,([A-Za-z0-9+/=]+)", html).group(1)
    assert QImage.fromData(base64.b64decode(encoded), "PNG").width() == 300
    assert html_to_pdf_bytes(html).startswith(b"%PDF")


def test_pdf_pages_follow_the_html_sections(qapp, tmp_path, sample_model_path, sample_data_path):
    """The PDF holds every heading of the HTML in order, and each section or row the HTML
    starts on a new page begins a new PDF page (a browser prints the same page breaks)."""
    import pandas as pd

    from app.core.data.align import align
    from app.core.data.model_io import load_model
    from app.core.review.bookmarks import Bookmarks
    from app.core.review.report_build import build_report_model
    from app.core.review.report_html import render_html
    from app.core.review.report_model import Heading
    from app.core.review.report_request import ReportRequest
    from app.plots.report_pdf import heading_pages, layout_document

    data_path = tmp_path / "a.parquet"
    pd.read_parquet(sample_data_path).iloc[:300].to_parquet(data_path)
    model = load_model(sample_model_path)
    marks = Bookmarks()
    marks.add(4, "odd", "a note")
    request = ReportRequest(
        model, sample_model_path, align(model, pd.read_parquet(data_path)), data_path,
        rows=[4, 9], sensitive="sex", bookmarks=marks, sample=0,
    )  # fmt: skip
    report = build_report_model(request)
    images = [png(1400, 900) for _ in report.figures()]
    html = render_html(report, images)
    document = layout_document(html)
    placed = heading_pages(document)
    expected = [(1, report.title)]
    starts = {}
    for section in report.sections:
        expected.append((2, section.title))
        starts[section.title] = section.new_page
        for block in section.blocks:
            if isinstance(block, Heading):
                expected.append((3, block.text))
                starts[block.text] = block.new_page
    assert [(level, text) for level, text, _ in placed] == expected
    breaks = 0
    for (_l, _t, before), (_level, text, page) in itertools.pairwise(placed):
        if starts.get(text):
            assert page > before, f"{text} should start a new page"
            breaks += 1
    assert breaks >= 5  # importance, beeswarm, fairness, rows, the second row
    pdf = html_to_pdf_bytes(html)
    assert len(re.findall(rb"/Type\s*/Page\b", pdf)) == document.pageCount()
