"""The report as one HTML page: escaped text, tables, embedded images, a print style sheet.

The markup is deliberately plain (tables with border/cellpadding attributes, inline images as
data: URIs, one embedded style sheet) so that the same file renders in any browser offline and in
Qt's QTextDocument, which turns it into the PDF. Nothing here refers to anything outside the file.
"""

from __future__ import annotations

import base64
import html
from collections.abc import Sequence

from app.core.review.report_model import (
    Facts,
    Figure,
    Heading,
    Note,
    Report,
    Section,
    Sentence,
    Table,
)

STYLE = """
body { font-family: 'DejaVu Sans', Arial, Helvetica, sans-serif; font-size: 10.5pt;
       color: #222222; margin: 24px; max-width: 1000px; }
h1 { font-size: 20pt; margin-bottom: 2px; }
h2 { font-size: 14pt; margin-top: 22px; border-bottom: 1px solid #bbbbbb; }
h3 { font-size: 12pt; margin-top: 16px; }
table { border-collapse: collapse; margin: 6px 0 10px 0; }
th { background-color: #eeeeee; text-align: left; }
td.num, th.num { text-align: right; }
p.note { color: #555555; font-size: 9pt; }
p.sentence { font-size: 11.5pt; background-color: #f4f7fb; padding: 6px; }
span.up { color: #c0143c; }
span.down { color: #1e64c8; }
img { max-width: 100%; height: auto; }
"""
WIDE_COLUMNS = 6
NOWRAP_CHARS = 24
# A section that starts on a new page when printed (browsers and the Qt PDF honour it).
NEW_PAGE_H2 = '<h2 style="page-break-before: always">{}</h2>'


def esc(value: object) -> str:
    return html.escape(str(value), quote=True)


def table(
    header: Sequence[str],
    rows: Sequence[Sequence[object]],
    numeric: Sequence[bool] | None = None,
) -> str:
    """An HTML table; cells are escaped, numeric columns right-aligned."""
    numeric = list(numeric) if numeric is not None else [False] * len(header)

    def cls(j: int) -> str:
        return ' class="num"' if j < len(numeric) and numeric[j] else ""

    def cell(value: object) -> str:
        # Short cells never wrap (Qt otherwise splits a name as "capital_ga / in" to give every
        # column the same width); long ones (slice descriptions, notes) wrap as text does.
        text = esc(value)
        return f"<nobr>{text}</nobr>" if 0 < len(str(value)) <= NOWRAP_CHARS else text

    head = "".join(f"<th{cls(j)}>{esc(h)}</th>" for j, h in enumerate(header))
    body = "".join(
        "<tr>" + "".join(f"<td{cls(j)}>{cell(c)}</td>" for j, c in enumerate(row)) + "</tr>"
        for row in rows
    )
    # Wide tables take the page's width: laid out by Qt for the PDF, a table sized to its
    # content wrapped words in the middle ("capital_ga / in").
    wide = ' width="100%"' if len(header) >= WIDE_COLUMNS else ""
    return (
        f'<table border="1" cellspacing="0" cellpadding="4"{wide}>'
        f"<thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"
    )


def key_values(pairs: Sequence[tuple[str, object]]) -> str:
    """A two-column table of facts (label, value)."""
    body = "".join(f"<tr><th>{esc(k)}</th><td>{esc(v)}</td></tr>" for k, v in pairs)
    return f'<table border="1" cellspacing="0" cellpadding="4">{body}</table>'


def image(png: bytes, alt: str, width: int = 860) -> str:
    """An <img> whose source is the PNG itself (data: URI): the report stays one file."""
    encoded = base64.b64encode(png).decode("ascii")
    return f'<p><img src="data:image/png;base64,{encoded}" width="{width}" alt="{esc(alt)}"></p>'


def page(title: str, body: str) -> str:
    return (
        "<!DOCTYPE html>\n"
        '<html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{esc(title)}</title><style>{STYLE}</style></head>\n"
        f"<body>\n{body}\n</body></html>\n"
    )


# One entry per figure of the report, in order: its PNG, or why it could not be drawn.
FigureImages = Sequence["bytes | str"]


def _block(block: object, images: FigureImages | None, counter: list[int]) -> str:
    if isinstance(block, Facts):
        return key_values(block.pairs)
    if isinstance(block, Table):
        return table(block.header, block.rows, block.numeric)
    if isinstance(block, Note):
        return '<p class="note">' + "<br>".join(esc(x) for x in block.text.split("\n")) + "</p>"
    if isinstance(block, Sentence):
        return f'<p class="sentence">{esc(block.text)}</p>'
    if isinstance(block, Heading):
        anchor = f' id="{esc(block.anchor)}"' if block.anchor else ""
        brk = ' style="page-break-before: always"' if block.new_page else ""
        return f"<h3{anchor}{brk}>{esc(block.text)}</h3>"
    if isinstance(block, Figure):
        i = counter[0]
        counter[0] += 1
        if images is None:
            return ""
        drawn = images[i] if i < len(images) else "not drawn"
        if isinstance(drawn, bytes):
            return image(drawn, block.alt)
        return f'<p class="note">Figure not drawn: {esc(drawn)}</p>'
    raise TypeError(f"Unknown report block {type(block).__name__}")


def _section(section: Section, images: FigureImages | None, counter: list[int]) -> str:
    head = (NEW_PAGE_H2 if section.new_page else "<h2>{}</h2>").format(esc(section.title))
    return "\n".join([head, *(_block(b, images, counter) for b in section.blocks)])


def render_html(report: Report, images: FigureImages | None = None) -> str:
    """The whole page; `images` holds each figure's PNG in order (None: tables only)."""
    parts = [f"<h1>{esc(report.title)}</h1>", f'<p class="note">{esc(report.subtitle)}</p>']
    if report.figures_note:
        parts.append(f'<p class="note">{esc(report.figures_note)}</p>')
    counter = [0]
    parts += [_section(s, images, counter) for s in report.sections]
    return page(report.title, "\n".join(parts))
