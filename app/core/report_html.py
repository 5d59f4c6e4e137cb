"""Small HTML building blocks for the report: escaped text, tables, embedded images, the page.

The markup is deliberately plain (tables with border/cellpadding attributes, inline images as
data: URIs, one embedded style sheet) so that the same file renders in any browser offline and in
Qt's QTextDocument, which turns it into the PDF. Nothing here refers to anything outside the file.
"""

from __future__ import annotations

import base64
import html
import math
from collections.abc import Sequence

import numpy as np

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
# A section that starts on a new page when printed (browsers and the Qt PDF honour it).
NEW_PAGE_H2 = '<h2 style="page-break-before: always">{}</h2>'


def esc(value: object) -> str:
    return html.escape(str(value), quote=True)


def fmt(value: object, digits: int = 4) -> str:
    """A table cell: numbers to `digits` significant digits, missing as an empty cell."""
    if value is None:
        return ""
    if isinstance(value, (bool, np.bool_)):
        return "yes" if value else "no"
    if isinstance(value, (int, np.integer)):
        return f"{int(value):,}"
    if isinstance(value, (float, np.floating)):
        if not math.isfinite(float(value)):
            return "" if math.isnan(float(value)) else str(value)
        if (float(value).is_integer() or abs(value) >= 1000) and abs(value) < 1e15:
            return f"{float(value):,.0f}"
        return f"{float(value):.{digits}g}"
    return str(value)


def pct(value: float) -> str:
    return "" if value is None or not math.isfinite(value) else f"{value * 100:.1f}%"


def table(
    header: Sequence[str],
    rows: Sequence[Sequence[object]],
    numeric: Sequence[bool] | None = None,
) -> str:
    """An HTML table; cells are escaped, numeric columns right-aligned."""
    numeric = list(numeric) if numeric is not None else [False] * len(header)

    def cls(j: int) -> str:
        return ' class="num"' if j < len(numeric) and numeric[j] else ""

    head = "".join(f"<th{cls(j)}>{esc(h)}</th>" for j, h in enumerate(header))
    body = "".join(
        "<tr>" + "".join(f"<td{cls(j)}>{esc(cell)}</td>" for j, cell in enumerate(row)) + "</tr>"
        for row in rows
    )
    return (
        '<table border="1" cellspacing="0" cellpadding="4">'
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
