"""How much memory a Parquet file needs once decoded, judged before the decoding happens.

A Parquet file's encoded size says little: a dictionary- or run-length-encoded column of one
repeated value takes a few bytes per page however many rows it declares, so a 10 MB file can
decode to 20 GB. The size that matters comes from the row counts in the metadata times each
column's decoded width; for text and binary columns, whose width is unknown until read, the
file is read with those columns still dictionary-encoded (small), their decoded size is measured
exactly from the dictionary and the indices, and only then are they expanded.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import BinaryIO

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

# Decoded bytes per value of fixed-width physical types, at their widest pandas form
# (INT32 dates and FLOAT may become 8-byte datetime64 and float64 columns).
_FIXED = {"BOOLEAN": 1, "INT32": 8, "INT64": 8, "INT96": 8, "FLOAT": 8, "DOUBLE": 8}
_PER_VALUE = 16  # offsets and validity of a variable-width value, before its bytes


def declared_size(meta: pq.FileMetaData) -> int:
    """Decoded bytes the metadata commits to: rows times widths (text: offsets and raw pages)."""
    total = 0
    for g in range(meta.num_row_groups):
        group = meta.row_group(g)
        for c in range(group.num_columns):
            chunk = group.column(c)
            n = max(int(chunk.num_values), 0)
            width = _FIXED.get(chunk.physical_type)
            if width is not None:
                total += n * width
            elif chunk.physical_type == "FIXED_LEN_BYTE_ARRAY":
                length = meta.schema.column(c).length or 0
                total += n * (max(int(length), 0) + _PER_VALUE)
            else:  # BYTE_ARRAY: the raw pages are a floor; dictionary pages are measured later
                total += n * _PER_VALUE + max(int(chunk.total_uncompressed_size), 0)
    return total


def _is_text(kind: pa.DataType) -> bool:
    return (
        pa.types.is_string(kind)
        or pa.types.is_large_string(kind)
        or pa.types.is_binary(kind)
        or pa.types.is_large_binary(kind)
    )


def _dense_bytes(column: pa.ChunkedArray) -> int:
    """Bytes a dictionary-encoded column takes once every value is written out."""
    total = 0
    for chunk in column.chunks:
        values = chunk.dictionary
        if _is_text(values.type):
            taken = pc.take(pc.binary_length(values), chunk.indices)
            total += int(pc.sum(taken).as_py() or 0) + len(chunk) * _PER_VALUE
        else:  # numbers or nested values: their average width
            total += int(values.nbytes / max(len(values), 1) * len(chunk)) + len(chunk)
    return total


def _plain(column: pa.ChunkedArray, kind: pa.DictionaryType) -> pa.ChunkedArray:
    """The column written out; text over 2 GB needs 64-bit offsets."""
    target = kind.value_type
    if pa.types.is_string(target) and _dense_bytes(column) >= 2**31:
        target = pa.large_string()
    elif pa.types.is_binary(target) and _dense_bytes(column) >= 2**31:
        target = pa.large_binary()
    return pc.cast(column, target)


def read_parquet_guarded(handle: BinaryIO, guard: Callable[[float], None]) -> pa.Table:
    """Read every column, calling `guard(bytes_needed)` before each large allocation.

    `guard` raises when the need is too large; it is called with the declared decoded size
    first, then with the exact size of the text columns before they are expanded.
    """
    meta = pq.ParquetFile(handle).metadata
    fixed = declared_size(meta)
    guard(fixed)
    handle.seek(0)
    schema = pq.read_schema(handle)
    text = [f.name for f in schema if _is_text(f.type)]
    handle.seek(0)
    table = pq.ParquetFile(handle, read_dictionary=text).read()
    # Columns stored as dictionaries (pandas categoricals) stay so, as pandas would read them;
    # the text columns dictionary-encoded only for this read are measured, then written out.
    coded = [
        i for i, f in enumerate(table.schema) if pa.types.is_dictionary(f.type) and f.name in text
    ]
    guard(table.nbytes + sum(_dense_bytes(table.column(i)) for i in coded))
    for i in coded:
        field = table.schema.field(i)
        plain = _plain(table.column(i), field.type)
        table = table.set_column(i, pa.field(field.name, plain.type), plain)
    return table
