"""`shaplens interactions`: exact SHAP interaction values per row, written to Parquet.

One row per data row: `row`, then `ix:<feature_i>:<feature_j>` for every ordered pair including
i == j (the main effect); multiclass models `ix:<class>:<feature_i>:<feature_j>`. The unit and
outputs go into the Parquet metadata as for `explain`. Rows are computed and written chunk by
chunk (one row group each), so memory stays at one chunk whatever the row count, and the file
appears only once complete.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import BinaryIO

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from app.commands._common import (
    StderrProgress,
    add_model_data_arguments,
    check_out,
    input_paths,
    load_inputs,
)
from app.commands._interrupt import interruptible
from app.core.base.atomic import write_stream_atomic
from app.core.base.errors import Cancelled, ShapLensError
from app.core.explain.distributed.table import table_metadata
from app.core.explain.interactions import InteractionProgress, iter_interactions
from app.core.explain.models.base import ModelAdapter

NAME = "interactions"
HELP = "compute exact SHAP interaction values (M x M per row) and write them to Parquet"

WARN_BYTES = 1024**3  # above this, a run over every row says how big the file will be


def add_arguments(parser: argparse.ArgumentParser) -> None:
    add_model_data_arguments(parser)
    parser.add_argument("--out", required=True, type=Path, help="output .parquet file")
    parser.add_argument(
        "--rows",
        default=None,
        help="rows to compute (default: every row), e.g. 0-499 or 3,17,42 or 0-99,250",
    )


def parse_rows(text: str, n_rows: int) -> np.ndarray:
    """'0-499' / '3,17,42' / '0-99,250' -> row positions in the order given, each once.

    Every position must lie in the data; ranges are checked before they are expanded, so
    `0-2000000000` is refused, not built.
    """
    spans: list[np.ndarray] = []
    for part in (p.strip() for p in text.split(",")):
        if not part:
            continue
        try:
            if "-" in part.lstrip("-"):
                first, last = (int(x) for x in part.split("-", 1))
            else:
                first = last = int(part)
        except ValueError as error:
            raise ShapLensError(
                f"--rows: '{part}' is not a row number or range; write e.g. --rows 0-499 or "
                "--rows 3,17,42."
            ) from error
        if last < first:
            raise ShapLensError(f"--rows: the range '{part}' runs backwards.")
        if first < 0 or last >= n_rows:
            raise ShapLensError(
                f"--rows: '{part}' is outside the dataset, which has rows 0 to {n_rows - 1:,}."
            )
        spans.append(np.arange(first, last + 1, dtype=np.int64))
    if not spans:
        raise ShapLensError("--rows names no rows; write e.g. --rows 0-499 or --rows 3,17,42.")
    rows = np.concatenate(spans)
    _, first_seen = np.unique(rows, return_index=True)
    return rows[np.sort(first_seen)]


def column_names(features: list[str], outputs: list[str]) -> list[str]:
    """Every value column, output-major, then feature i, then feature j."""
    multi = len(outputs) > 1
    prefix = [f"ix:{o}:" if multi else "ix:" for o in outputs]
    return [f"{p}{fi}:{fj}" for p in prefix for fi in features for fj in features]


def _schema(model: ModelAdapter, args: argparse.Namespace) -> pa.Schema:
    names = column_names(model.feature_names, list(model.output_names))
    if len(set(names)) != len(names):
        raise ShapLensError(
            "Some feature names repeat once joined with ':', so the interaction columns would "
            "collide; rename the features."
        )
    fields = [pa.field("row", pa.int64())] + [pa.field(n, pa.float32()) for n in names]
    metadata = table_metadata(
        model.unit,
        list(model.output_names),
        model.info.explainer,
        model.info.exact,
        {
            "shaplens.kind": "interactions",
            "shaplens.model": str(args.model.name),
            "shaplens.data": str(args.data.name),
        },
    )
    return pa.schema(fields, metadata=metadata)


def _chunk_table(progress: InteractionProgress, schema: pa.Schema) -> pa.Table:
    v = progress.values  # (n, M, M, K) -> one contiguous column per (k, i, j)
    columns = np.ascontiguousarray(v.transpose(3, 1, 2, 0)).reshape(-1, v.shape[0])
    arrays = [pa.array(progress.rows)] + [pa.array(c) for c in columns]
    return pa.Table.from_arrays(arrays, schema=schema)


def run(args: argparse.Namespace) -> int:
    if args.out.suffix.lower() not in (".parquet", ".pq"):
        raise ShapLensError(f"--out must be a .parquet file, got {args.out.name}")
    check_out(args)  # before minutes of work: not an input, a folder or a read-only place
    model, data = load_inputs(args)
    rows = None if args.rows is None else parse_rows(args.rows, data.n_rows)
    n = data.n_rows if rows is None else rows.size
    m, k = len(model.features), model.n_outputs
    size = n * m * m * k * 4
    if rows is None and size > WARN_BYTES:
        print(
            f"interactions: {n:,} rows x {m} x {m} features"
            f"{f' x {k} classes' if k > 1 else ''} is about {size / 1024**3:,.1f} GB of output; "
            "use --rows (e.g. --rows 0-9999) for fewer rows",
            file=sys.stderr,
        )
    schema = _schema(model, args)
    progress_line = StderrProgress("interactions")

    def produce(handle: BinaryIO) -> None:
        with pq.ParquetWriter(handle, schema) as writer:
            for progress in chunks:
                writer.write_table(_chunk_table(progress, schema))
                progress_line(progress.done, progress.total)

    with interruptible() as interrupted:
        # in row order, as written; a model without the engine is refused here, before any file
        chunks = iter_interactions(model, data.X, rows, cancel=interrupted, first_chunk=0)
        try:
            write_stream_atomic(args.out, produce, inputs=input_paths(args), parents=True)
        except Cancelled:
            raise KeyboardInterrupt from None  # a Ctrl+C some library swallowed
    return 0
