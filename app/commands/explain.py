"""`shaplens explain`: SHAP values for every row, written to Parquet.

`--engine local` (default) explains one file in this process and writes one .parquet file.
`--engine dask` sends the work to a Dask cluster (`--scheduler`) or a LocalCluster on loopback
(`--local-workers`), reads a Parquet file, folder or glob, and writes a folder of parts with a
summary (see the README, "Beyond one machine").
"""

from __future__ import annotations

import argparse
import contextlib
import sys
import time
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from app.commands._common import (
    StderrProgress,
    add_model_data_arguments,
    check_out,
    input_paths,
)
from app.commands._interrupt import interruptible
from app.core.base.atomic import write_stream_atomic
from app.core.base.errors import Cancelled, ShapLensError
from app.core.base.types import Explanation
from app.core.explain.distributed.table import table_metadata, values_columns, with_metadata
from app.core.explain.pipeline import explain, open_inputs
from app.core.review.redaction import parse_redact


def add_arguments(parser: argparse.ArgumentParser) -> None:
    add_model_data_arguments(parser)
    parser.add_argument(
        "--out",
        required=True,
        type=Path,
        help="output .parquet file (local engine) or folder (dask engine)",
    )
    parser.add_argument(
        "--engine",
        choices=("local", "dask"),
        default="local",
        help="local: this process; dask: a Dask cluster (pip install 'shaplens[dask]')",
    )
    parser.add_argument(
        "--scheduler", default=None, help="dask: address of a running scheduler, tcp://HOST:PORT"
    )
    parser.add_argument(
        "--local-workers",
        type=int,
        default=None,
        help="dask without --scheduler: worker processes of a local cluster (default: one per core)",
    )
    parser.add_argument(
        "--key", default=None, help="dask: a column that identifies rows, copied next to the values"
    )
    parser.add_argument(
        "--redact",
        default=None,
        help="columns whose values are never copied into the output (e.g. a --key that is personal)",
    )


MAX_LOCAL_WORKERS = 256  # worker processes on one machine; more only exhausts it


def explanation_table(explanation: Explanation) -> pa.Table:
    """Columns row, shap:<feature>, base_value, raw_output (per class for multiclass models)."""
    columns: dict[str, np.ndarray] = {"row": explanation.rows}
    columns.update(
        values_columns(
            explanation.values,
            explanation.base_values,
            explanation.raw_output,
            explanation.feature_names,
            explanation.output_names,
        )
    )
    return pa.table(columns)


def run(args: argparse.Namespace) -> int:
    if args.engine == "dask":
        return _run_dask(args)
    for option in ("scheduler", "local_workers", "key"):
        if getattr(args, option) is not None:
            flag = "--" + option.replace("_", "-")
            raise ShapLensError(f"{flag} works with --engine dask only.")
    if args.out.suffix.lower() not in (".parquet", ".pq"):
        raise ShapLensError(f"--out must be a .parquet file, got {args.out.name}")
    check_out(args)  # before minutes of work: not an input, a folder or a read-only place
    inputs = open_inputs(args.model, args.data, label=args.label, trust_pickle=args.trust_pickle)
    assert inputs.data is not None
    redaction = parse_redact(args.redact, [str(c) for c in inputs.data.frame.columns])
    explanation = explain(inputs, on_progress=StderrProgress("explain"))
    table = with_metadata(
        explanation_table(explanation),
        table_metadata(
            explanation.unit,
            explanation.output_names,
            explanation.engine,
            explanation.exact,
            {
                "shaplens.model": str(args.model.name),
                "shaplens.data": str(args.data.name),
                # SHAP values are contributions, not the values: they stay; nothing is copied.
                "shaplens.redacted": ",".join(redaction.sorted()),
            },
        ),
    )
    write_stream_atomic(
        args.out, lambda handle: pq.write_table(table, handle), inputs=input_paths(args),
        parents=True,
    )  # fmt: skip
    return 0


class _DaskProgress:
    """One line per finished partition, at most twice a second."""

    def __init__(self) -> None:
        self.started = time.monotonic()
        self.last = 0.0

    def __call__(self, progress) -> None:  # progress: RunProgress
        now = time.monotonic()
        last = progress.partitions_done == progress.partitions_total
        if not last and now - self.last < 0.5:
            return
        self.last = now
        rate = progress.rows_done / max(now - self.started, 1e-9)
        print(
            f"explain (dask): {progress.partitions_done}/{progress.partitions_total} partitions, "
            f"{progress.rows_done:,}/{progress.rows_total:,} rows ({rate:,.0f} rows/s)",
            file=sys.stderr,
            flush=True,
        )


def _run_dask(args: argparse.Namespace) -> int:
    from app.core.explain.distributed.cluster import dask_client, default_local_workers
    from app.core.explain.distributed.dask_explain import explain_dask, plan_run

    if args.scheduler and args.local_workers is not None:
        raise ShapLensError("Give --scheduler or --local-workers, not both.")
    redacted = {c.strip() for c in (args.redact or "").split(",") if c.strip()}
    if args.key is not None and args.key in redacted:
        print(
            f"explain (dask): --key {args.key} is redacted: its values are not copied",
            file=sys.stderr,
        )
        args.key = None
    if args.local_workers is not None and not 1 <= args.local_workers <= MAX_LOCAL_WORKERS:
        raise ShapLensError(
            f"--local-workers must be between 1 and {MAX_LOCAL_WORKERS}, got {args.local_workers}."
        )
    plan = plan_run(  # bad input fails here, before a cluster starts
        args.model,
        str(args.data),
        args.out,
        label=args.label,
        key=args.key,
        trust_pickle=args.trust_pickle,
    )
    workers_wanted = args.local_workers or default_local_workers()
    where = args.scheduler or "a local cluster on 127.0.0.1"
    starting = (
        f"connecting to {args.scheduler}"
        if args.scheduler
        else (f"starting {workers_wanted} local worker(s)")
    )
    print(f"explain (dask): {starting}", file=sys.stderr, flush=True)
    with interruptible() as interrupted, contextlib.ExitStack() as stack:
        with interrupted.deferred():  # a half-started cluster would leave workers behind
            client = stack.enter_context(dask_client(args.scheduler, args.local_workers))
        workers = len(client.scheduler_info().get("workers", {}))
        print(f"explain (dask): {workers} worker(s) on {where}", file=sys.stderr, flush=True)
        try:
            out = explain_dask(
                client, plan, on_progress=_DaskProgress(), should_stop=interrupted.is_set
            )
        except Cancelled:
            raise KeyboardInterrupt from None  # the flag caught a Ctrl+C a library swallowed
    print(f"explain (dask): values, summary and _SUCCESS written to {out}", file=sys.stderr)
    return 0
