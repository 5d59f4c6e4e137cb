"""The driver of a Dask explain run: plan partitions, ship the model, gather, publish atomically.

Values are written by the workers straight into a hidden temporary folder next to `out`; the
driver only receives each partition's small summary partial. When every partition succeeded the
summary, a manifest and `_SUCCESS` are written and the folder is renamed to `out`, so a failed or
cancelled run never leaves anything that looks complete.
"""

from __future__ import annotations

import contextlib
import glob
import json
import shutil
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow.parquet as pq

from app.core.base.atomic import write_text_atomic
from app.core.base.errors import Cancelled, DataLoadError
from app.core.base.input_gate import (
    DATA,
    MODEL_FILE,
    InputError,
    check_input,
    open_input,
    read_input,
)
from app.core.data.align import guess_label
from app.core.data.model_io import load_model
from app.core.explain.distributed import DistributedExplainError, require_dask
from app.core.explain.distributed.explained_store import MANIFEST, SUCCESS
from app.core.explain.distributed.partition import (
    ModelRef,
    PartResult,
    Piece,
    TaskSettings,
    explain_piece,
    finish_metrics,
    read_piece,
)
from app.core.explain.distributed.result_folder import check_result_out, publish
from app.core.explain.distributed.summary import SAMPLE_ROWS, Summary, SummaryPartial
from app.core.explain.distributed.table import table_metadata
from app.core.explain.models.base import ModelAdapter

# Columns every result part holds: a --key of the same name would silently replace one.
RESERVED_COLUMNS = frozenset({"row", "partition", "base_value", "raw_output"})
RESERVED_PREFIXES = ("shap:", "base_value:", "raw_output:")
PARTITION_ROWS = 1_000_000  # a file larger than this is split along its row groups


@dataclass
class RunProgress:
    partitions_done: int
    partitions_total: int
    rows_done: int
    rows_total: int


def parquet_files(data: str | Path) -> list[Path]:
    """A Parquet file, a folder of them, or a glob pattern → sorted list of files."""
    text = str(data)
    path = Path(text)
    if any(ch in text for ch in "*?["):
        files = sorted(Path(p) for p in glob.glob(text, recursive=True) if Path(p).is_file())
    elif path.is_dir():
        files = sorted(p for p in path.rglob("*") if p.suffix.lower() in (".parquet", ".pq"))
    elif path.is_file():
        files = [path]
    else:
        raise DataLoadError(f"Data not found: {text}", path)
    if not files:
        raise DataLoadError(f"No Parquet files match {text}.", path)
    for file in files:  # a FIFO named x.parquet would block the first read forever
        try:
            check_input(file, DATA)
        except InputError as error:
            raise DataLoadError(str(error), file) from error
    return [f.resolve() for f in files]


def plan_pieces(files: list[Path], target_rows: int = PARTITION_ROWS) -> list[Piece]:
    """One partition per file; large files split into runs of row groups of ~target_rows."""
    pieces: list[Piece] = []
    for file in files:
        try:
            with open_input(file, DATA) as handle:
                meta = pq.read_metadata(handle)
        except InputError as error:
            raise DataLoadError(str(error), file) from error
        except Exception as error:  # pyarrow raises ArrowInvalid/OSError for a damaged footer
            raise DataLoadError(
                f"{file.name} is not a readable Parquet file: {error}", file
            ) from error
        if meta.num_rows <= target_rows or meta.num_row_groups <= 1:
            pieces.append(Piece(len(pieces), str(file), None, meta.num_rows))
            continue
        group: list[int] = []
        rows = 0
        for i in range(meta.num_row_groups):
            group.append(i)
            rows += meta.row_group(i).num_rows
            if rows >= target_rows or i == meta.num_row_groups - 1:
                pieces.append(Piece(len(pieces), str(file), tuple(group), rows))
                group, rows = [], 0
    return pieces


def prepare_out(out: Path, inputs: list[Path] | None = None) -> None:
    """Refuse to replace anything but an earlier result of ours or an empty folder, and any
    folder that is or holds one of the inputs."""
    if out.is_file():
        raise DistributedExplainError(f"--out {out} is a file; the dask engine writes a folder.")
    check_result_out(out, inputs or [])


@dataclass
class RunPlan:
    """Everything checked before a cluster is involved: model, partitions, output, columns."""

    model: ModelAdapter
    model_path: Path
    data: str
    pieces: list[Piece]
    out: Path
    meta: pd.DataFrame  # empty frame with the data's columns and dtypes
    label: str | None
    key: str | None
    trust_pickle: bool = False
    sample_rows: int = SAMPLE_ROWS

    @property
    def n_rows(self) -> int:
        return sum(p.rows for p in self.pieces)


def plan_run(
    model_path: str | Path,
    data: str | Path,
    out: str | Path,
    *,
    label: str | None = None,
    key: str | None = None,
    trust_pickle: bool = False,
    partition_rows: int = PARTITION_ROWS,
    sample_rows: int = SAMPLE_ROWS,
) -> RunPlan:
    """Check the inputs (model loads, data found, output writable, columns exist) up front."""
    model_path = Path(model_path)
    model = load_model(model_path, trust_pickle=trust_pickle)
    files = parquet_files(data)
    pieces = plan_pieces(files, partition_rows)
    out = Path(out).resolve()
    prepare_out(out, [model_path, *files, *([Path(data)] if Path(data).exists() else [])])
    with open_input(pieces[0].file, DATA) as handle:
        meta = pq.read_schema(handle).empty_table().to_pandas()
    if key is not None and (key in RESERVED_COLUMNS or key.startswith(RESERVED_PREFIXES)):
        raise DistributedExplainError(
            f"--key column '{key}' has the name of a column the results always hold (row, "
            "partition, base_value, raw_output, shap:…); rename it in the data first."
        )
    for name, what in ((key, "--key"), (label, "--label")):
        if name is not None and name not in meta.columns:
            raise DistributedExplainError(
                f"{what} column '{name}' is not in {Path(pieces[0].file).name}."
            )
    label = label if label is not None else guess_label(meta, model.feature_names)
    return RunPlan(
        model, model_path, str(data), pieces, out, meta, label, key, trust_pickle, sample_rows
    )


def explain_dask(
    client: Any,
    plan: RunPlan,
    on_progress: Callable[[RunProgress], None] | None = None,
    should_stop: Callable[[], bool] | None = None,
) -> Path:
    """Explain every row of the plan on the cluster behind `client`; return the published folder.

    Raises DistributedExplainError naming the first failing partition, Cancelled when
    should_stop() turns true; in both cases (and on Ctrl+C) the running tasks are cancelled and
    nothing is left at `plan.out`.
    """
    dd, distributed = require_dask()
    from dask import delayed

    model, out = plan.model, plan.out
    payload = read_input(plan.model_path, MODEL_FILE)
    ref = ModelRef.of(payload, plan.model_path.name, plan.trust_pickle)
    tmp = out.parent / f".{out.name}.tmp-{uuid.uuid4().hex[:8]}"
    metadata = table_metadata(
        model.unit,
        list(model.output_names),
        model.info.explainer,
        model.info.exact,
        {"shaplens.model": plan.model_path.name},
    )
    settings = TaskSettings(str(tmp), plan.label, plan.key, metadata, plan.sample_rows)
    futures: list[Any] = []
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
        tmp.mkdir()
        # The bytes travel once to every worker; each task then gets them from local memory.
        model_future = client.scatter(payload, broadcast=True, hash=False)
        frame = dd.from_map(read_piece, plan.pieces, meta=plan.meta, enforce_metadata=False)
        tasks = [
            delayed(explain_piece)(
                part,
                piece,
                ref,
                model_future,
                settings,
                dask_key_name=f"shaplens-explain-{tmp.name}-{piece.index}",
            )
            for part, piece in zip(frame.to_delayed(), plan.pieces, strict=True)
        ]
        futures = client.compute(tasks)
        results = _gather(client, distributed, futures, plan.pieces, on_progress, should_stop)
        if should_stop is not None and should_stop():  # a stop during the last partition
            raise Cancelled()
        _publish(results, plan, ref.digest, tmp)
    except BaseException:
        if futures:
            with contextlib.suppress(Exception):  # a lost connection must not hide the cause
                client.cancel(futures, force=True)
        _discard_staging(tmp)
        raise
    return out


def _discard_staging(tmp: Path) -> None:
    """Remove a failed run's own staging folder (created by this run under a random name).

    It is renamed first: a task still running on a worker (a cancel cannot stop it mid-call)
    then finds no folder to create its part in, so no file slips in while the tree is removed
    and keeps the folder alive.
    """
    dead = tmp.with_name(tmp.name + ".discarded")
    try:
        tmp.rename(dead)
    except OSError:
        dead = tmp
    shutil.rmtree(dead, ignore_errors=True)


def _gather(
    client: Any,
    distributed: Any,
    futures: list[Any],
    pieces: list[Piece],
    on_progress: Callable[[RunProgress], None] | None,
    should_stop: Callable[[], bool] | None,
) -> list[PartResult]:
    """Results in partition order; the first failure stops the run and names its partition."""
    by_key = {f.key: piece for f, piece in zip(futures, pieces, strict=True)}
    results: dict[int, PartResult] = {}
    progress = RunProgress(0, len(pieces), 0, sum(p.rows for p in pieces))
    pending = distributed.as_completed(futures, loop=client.loop)
    while not pending.is_empty():
        if should_stop is not None and should_stop():
            raise Cancelled()
        batch = pending.next_batch(block=False)
        if not batch:
            time.sleep(0.05)  # polling lets a GUI's stop request through between completions
            continue
        for future in batch:
            piece = by_key[future.key]
            if future.status != "finished":
                raise _failure(future, piece)
            result: PartResult = future.result()
            results[piece.index] = result
            progress.partitions_done += 1
            progress.rows_done += result.rows
            if on_progress is not None:
                on_progress(progress)
    return [results[p.index] for p in pieces]


def _failure(future: Any, piece: Piece) -> DistributedExplainError:
    error = future.exception() if future.status == "error" else None
    if isinstance(error, DistributedExplainError):
        return error
    if isinstance(error, ModuleNotFoundError) and (error.name or "").startswith("app"):
        return DistributedExplainError(
            f"{piece.describe()}: the Dask workers cannot import ShapLens ({error}). Install the "
            "same ShapLens version on every worker: pip install 'shaplens[dask]'."
        )
    why = f"{type(error).__name__}: {error}" if error is not None else future.status
    return DistributedExplainError(f"{piece.describe()} failed: {why}", piece.file)


def _publish(results: list[PartResult], plan: RunPlan, model_digest: str, tmp: Path) -> None:
    model = plan.model
    partial: SummaryPartial | None = None
    for result in results:
        partial = result.partial if partial is None else partial.merge(result.partial)
    assert partial is not None
    non_empty = [r for r in results if r.rows]
    base = non_empty[0].base_values if non_empty else np.zeros(model.n_outputs)
    summary = Summary.from_partial(
        partial,
        model.feature_names,
        [f.categories for f in model.features],
        list(model.output_names),
        model.unit,
        base,
        finish_metrics(model.task, plan.label, partial.metric_sums),
    )
    summary.save(tmp)
    manifest = {
        "version": 1,
        "created": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "model": plan.model_path.name,
        "model_sha256": model_digest,
        "data": plan.data,
        "engine": model.info.explainer,
        "unit": model.unit.value,
        "features": model.feature_names,
        "outputs": list(model.output_names),
        "base_values": np.asarray(base, dtype=np.float64).tolist(),
        "label": plan.label,
        "key": plan.key,
        "n_rows": int(sum(r.rows for r in results)),
        "parts": [
            {
                "file": r.piece.name,
                "partition": r.piece.index,
                "source": r.piece.file,
                "source_row_groups": list(r.piece.row_groups) if r.piece.row_groups else None,
                "rows": r.rows,
                "row_groups": r.row_groups,
            }
            for r in results
        ],
    }
    write_text_atomic(tmp / MANIFEST, json.dumps(manifest, indent=1))
    write_text_atomic(tmp / SUCCESS, "")
    publish(tmp, plan.out)
