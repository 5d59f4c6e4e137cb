"""load_dataset(path): read a tabular file into a DataFrame, or raise DataLoadError saying why.

The format is chosen by content (magic bytes), so a Parquet file with a wrong suffix still opens
and a text file renamed to .parquet gets a message saying what it really is. CSV/TSV delimiter
and encoding are detected and can be overridden. Files that would not fit in memory are refused
before anything is read.
"""

from __future__ import annotations

import csv
import io
import os
from collections import Counter
from pathlib import Path
from typing import BinaryIO

import pandas as pd
import psutil

from app.core.base.errors import DataLoadError
from app.core.base.input_gate import DATA, InputError, is_missing, open_input
from app.core.data.parquet_guard import read_parquet_guarded

CSV_SUFFIXES = {".csv", ".tsv", ".txt", ".tab", ".dat"}
PARQUET_SUFFIXES = {".parquet", ".pq"}
FEATHER_SUFFIXES = {".feather", ".arrow", ".ipc"}
EXCEL_SUFFIXES = {".xlsx", ".xlsm", ".xls"}
DATA_SUFFIXES = CSV_SUFFIXES | PARQUET_SUFFIXES | FEATHER_SUFFIXES | EXCEL_SUFFIXES
BINARY_NAMES = {"parquet": "Parquet", "feather": "Feather", "excel": "Excel"}

MAX_COLUMNS = 100_000
MAX_HEADER_BYTES = 64 << 20  # 100,000 names of up to ~600 characters each
# In-memory size per byte of file, roughly, for formats whose size we cannot read up front.
EXPANSION = {"csv": 3.0, "feather": 1.5, "excel": 12.0, "parquet": 5.0}
MEMORY_SHARE = 0.5  # refuse when a load would need more than this share of available memory
SNIFF_BYTES = 1 << 20
DELIMITERS = (",", "\t", ";", "|")
SOURCE_ATTR = "shaplens.source"


def sniff_format(head: bytes) -> str:
    """parquet, feather, excel, xls or text, from the first bytes."""
    if head.startswith(b"PAR1"):
        return "parquet"
    if head.startswith((b"ARROW1", b"FEA1")):
        return "feather"
    if head.startswith(b"PK\x03\x04"):
        return "excel"
    if head.startswith(b"\xd0\xcf\x11\xe0"):
        return "xls"
    return "text"


def detect_encoding(sample: bytes) -> str:
    """UTF-8 (with or without BOM), UTF-16 by BOM, else cp1252, else latin-1 (decodes anything).

    A statistical guesser (charset-normalizer) was declared for this and measured on CSV-like
    samples: it read cp1252 as cp1250 and latin-1 as cp1257 (garbling "São" and "crème"), and
    cp1251/cp1253 as Mac code pages, so it would change Western files for the worse without
    getting the others right. Any other encoding is chosen by the user when opening the file.
    """
    if sample.startswith(b"\xef\xbb\xbf"):
        return "utf-8-sig"
    if sample.startswith((b"\xff\xfe", b"\xfe\xff")):
        return "utf-16"
    try:
        sample.decode("utf-8")
        return "utf-8"
    except UnicodeDecodeError as error:
        if error.start >= len(sample) - 3 and len(sample) >= SNIFF_BYTES:
            return "utf-8"  # the sample cut a multi-byte character in half
    try:
        sample.decode("cp1252")
        return "cp1252"
    except UnicodeDecodeError:
        return "latin-1"  # decodes any byte; the user can override


def detect_delimiter(lines: list[str], suffix: str) -> str:
    """The candidate that splits the most lines into the same number (> 1) of fields."""
    best, best_score = ("\t" if suffix in (".tsv", ".tab") else ","), 0.0
    for delimiter in DELIMITERS:
        if not lines or delimiter not in lines[0]:
            continue  # cannot split the header; also spares csv a one-field line over its limit
        try:
            counts = [len(row) for row in csv.reader(lines, delimiter=delimiter)]
        except csv.Error:  # a field over csv's 131,072-character limit: not this delimiter
            continue
        if not counts or counts[0] < 2:
            continue
        score = sum(c == counts[0] for c in counts) / len(counts) + counts[0] * 1e-6
        if score > best_score:
            best, best_score = delimiter, score
    return best


def _size(n: float) -> str:
    return f"{n / 1024**3:,.1f} GB" if n >= 1024**3 else f"{n / 1024**2:,.1f} MB"


def _memory_guard(path: Path, needed: float) -> None:
    available = psutil.virtual_memory().available
    if needed > MEMORY_SHARE * available:
        raise DataLoadError(
            f"{path.name} is {_size(path.stat().st_size)} on disk and would need about "
            f"{_size(needed)} of memory, but only {_size(available)} is free. "
            "Open a sample of it (or a Parquet file with fewer columns) instead.",
            path,
        )


def _header(path: Path, line: str, delimiter: str) -> list[str]:
    """The header's fields; csv's per-field limit (131,072 characters) would call a long one
    damaged, so only a single name longer than that is refused, with its reason."""
    try:
        return next(csv.reader(io.StringIO(line), delimiter=delimiter), [])
    except csv.Error as error:
        raise DataLoadError(
            f"{path.name} has a column name longer than 131,072 characters ({error}); check the "
            f"delimiter ({delimiter!r} was used) or shorten the name.",
            path,
        ) from error


def _sample(handle: BinaryIO) -> bytes:
    """The first MB, extended to the end of the header line when the header is longer
    (100,000 columns make a header of a megabyte or more)."""
    sample = handle.read(SNIFF_BYTES)
    while b"\n" not in sample and len(sample) < MAX_HEADER_BYTES:
        more = handle.read(SNIFF_BYTES)
        if not more:
            break
        sample += more
    return sample


def _read_text(
    path: Path, handle: BinaryIO, delimiter: str | None, encoding: str | None
) -> tuple[pd.DataFrame, dict[str, str]]:
    sample = _sample(handle)
    handle.seek(0)
    if b"\x00" in sample[:4096] and not sample.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise DataLoadError(
            f"{path.name} is not a text (CSV) file: it holds binary data. Choose a CSV, "
            "Parquet, Feather or Excel file.",
            path,
        )
    encoding = encoding or detect_encoding(sample)
    try:
        text = sample.decode(encoding, errors="replace")
    except LookupError as error:
        raise DataLoadError(f"Unknown text encoding '{encoding}'.", path) from error
    lines = text.splitlines()[:50]
    widest = max((lines[0].count(d) + 1 for d in DELIMITERS), default=0) if lines else 0
    if widest > MAX_COLUMNS:  # before csv parsing, which is slow and limited on such lines
        raise DataLoadError(
            f"{path.name} has {widest:,} or more columns, more than ShapLens handles "
            f"({MAX_COLUMNS:,}); select the model's columns first.",
            path,
        )
    if len(sample) >= SNIFF_BYTES and len(lines) > 1 and not sample.endswith(b"\n"):
        lines = lines[:-1]  # the last sampled line may be cut short
    delimiter = delimiter or detect_delimiter(lines, path.suffix.lower())
    header = _header(path, lines[0] if lines else "", delimiter)
    if len(header) > MAX_COLUMNS:
        raise DataLoadError(
            f"{path.name} has {len(header):,} columns, more than ShapLens handles "
            f"({MAX_COLUMNS:,}); select the model's columns first.",
            path,
        )
    names = [h.strip() for h in header]
    dupes = sorted(n for n, count in Counter(names).items() if count > 1)
    if dupes:
        raise DataLoadError(
            f"{path.name} has duplicated column names: {', '.join(dupes[:10])}. Rename them so "
            "each column has its own name.",
            path,
        )
    try:
        frame = pd.read_csv(handle, sep=delimiter, encoding=encoding, engine="c", low_memory=False)
    except UnicodeDecodeError as error:
        raise DataLoadError(
            f"{path.name} is not {encoding} text ({error.reason} at byte {error.start}); choose "
            "its encoding (for example cp1252 or latin-1) when opening it.",
            path,
        ) from error
    except pd.errors.ParserError as error:
        detail = str(error).replace("Error tokenizing data. C error: ", "").strip()
        raise DataLoadError(
            f"{path.name} has rows with a different number of fields than its header "
            f"({detail}). Fix those rows, or check the delimiter ({delimiter!r} was used).",
            path,
        ) from error
    except pd.errors.EmptyDataError as error:
        raise DataLoadError(f"{path.name} has no columns; it is empty.", path) from error
    return frame, {"format": "csv", "delimiter": delimiter, "encoding": encoding}


def _read_parquet(path: Path, handle: BinaryIO, size: int) -> pd.DataFrame:
    import pyarrow.parquet as pq

    meta = pq.ParquetFile(handle).metadata
    handle.seek(0)
    if meta.num_columns > MAX_COLUMNS:
        raise DataLoadError(
            f"{path.name} has {meta.num_columns:,} columns, more than ShapLens handles "
            f"({MAX_COLUMNS:,}).",
            path,
        )
    # Judged by what the pages decode to, not their encoded size (parquet_guard says why);
    # pandas holds a copy of the Arrow table while converting, hence the factor.
    table = read_parquet_guarded(handle, lambda need: _memory_guard(path, max(need * 2, size)))
    return table.to_pandas()


def sheet_names(path: str | Path, handle: BinaryIO | None = None) -> list[str]:
    """The sheets of an Excel workbook, in order (for a sheet picker)."""
    path = Path(path)
    try:
        if handle is None:
            with open_input(path, DATA) as own:
                return sheet_names(path, own)
    except InputError as error:
        raise DataLoadError(str(error), path) from error
    try:
        handle.seek(0)
        with pd.ExcelFile(handle) as book:
            return [str(s) for s in book.sheet_names]
    except Exception as error:  # openpyxl raises many types for damaged workbooks
        raise DataLoadError(
            f"Could not read {path.name} as an Excel workbook: {error}", path
        ) from error


def _read_excel(
    path: Path, handle: BinaryIO, sheet: str | int | None
) -> tuple[pd.DataFrame, dict[str, str]]:
    names = sheet_names(path, handle)
    if sheet is None:
        chosen: str | int = 0
    elif isinstance(sheet, int) and not 0 <= sheet < len(names):
        raise DataLoadError(
            f"{path.name} has {len(names)} sheets; sheet {sheet} does not exist.", path
        )
    elif isinstance(sheet, str) and sheet not in names:
        raise DataLoadError(
            f"{path.name} has no sheet '{sheet}'. Its sheets: {', '.join(names)}.", path
        )
    else:
        chosen = sheet
    handle.seek(0)
    frame = pd.read_excel(handle, sheet_name=chosen)
    label = names[chosen] if isinstance(chosen, int) and names else str(chosen)
    return frame, {"format": "excel", "sheet": label}


def _open(path: Path) -> tuple[BinaryIO, int]:
    """The data file, opened through the input gate (a regular, readable file), and its size."""
    try:
        handle = open_input(path, DATA)
    except InputError as error:
        if is_missing(path):
            raise DataLoadError(f"Data file not found: {path}", path) from error
        raise DataLoadError(str(error), path) from error
    size = os.fstat(handle.fileno()).st_size
    if size == 0:
        handle.close()
        raise DataLoadError(f"{path.name} is empty (0 bytes); choose a file with data.", path)
    return handle, size


def load_dataset(
    path: str | Path,
    *,
    delimiter: str | None = None,
    encoding: str | None = None,
    sheet: str | int | None = None,
) -> pd.DataFrame:
    """Read CSV/TSV, Parquet, Feather or Excel (chosen by content); every failure names the file.

    `delimiter` and `encoding` override detection for text files; `sheet` picks an Excel sheet
    (name or 0-based index; the first by default). What was detected is in
    `frame.attrs["shaplens.source"]`.
    """
    path = Path(path)
    handle, size = _open(path)
    with handle:
        return _load(path, handle, size, delimiter, encoding, sheet)


def _load(
    path: Path,
    handle: BinaryIO,
    size: int,
    delimiter: str | None,
    encoding: str | None,
    sheet: str | int | None,
) -> pd.DataFrame:
    try:
        kind = sniff_format(handle.read(16))
        handle.seek(0)
    except OSError as error:
        raise DataLoadError(f"Cannot read {path}: {error.strerror or error}.", path) from error
    suffix = path.suffix.lower()
    expected = (
        "parquet"
        if suffix in PARQUET_SUFFIXES
        else "feather"
        if suffix in FEATHER_SUFFIXES
        else "excel"
        if suffix in EXCEL_SUFFIXES
        else None
    )
    if kind == "text" and expected is not None:
        raise DataLoadError(
            f"{path.name} is not a {BINARY_NAMES[expected]} file: its content is text. If it "
            "is CSV, rename it to .csv; otherwise export the data again.",
            path,
        )
    if kind == "xls":
        raise DataLoadError(
            f"{path.name} is an old-style .xls workbook; save it as .xlsx or CSV and open that.",
            path,
        )
    if kind != "parquet":
        _memory_guard(path, size * EXPANSION["csv" if kind == "text" else kind])
    source: dict[str, str]
    try:
        if kind == "parquet":
            frame, source = _read_parquet(path, handle, size), {"format": "parquet"}
        elif kind == "feather":
            frame, source = pd.read_feather(handle), {"format": "feather"}
        elif kind == "excel":
            frame, source = _read_excel(path, handle, sheet)
        else:
            frame, source = _read_text(path, handle, delimiter, encoding)
    except DataLoadError:
        raise
    except MemoryError as error:
        raise DataLoadError(f"{path.name} does not fit in memory; open a sample.", path) from error
    except Exception as error:  # pandas/pyarrow/openpyxl raise many types; name the file
        first = str(error).splitlines()[0][:300] if str(error) else type(error).__name__
        raise DataLoadError(
            f"Could not read {path.name}: {first}. The file may be damaged or truncated.", path
        ) from error
    if frame.shape[1] == 0:
        raise DataLoadError(f"{path.name} has no columns.", path)
    if frame.shape[0] == 0:
        raise DataLoadError(f"{path.name} has column names but no rows.", path)
    frame.columns = [str(c) for c in frame.columns]
    frame.attrs[SOURCE_ATTR] = source
    return frame
