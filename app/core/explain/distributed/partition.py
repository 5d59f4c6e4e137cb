"""What runs on a Dask worker: load the model once, explain one partition, write its values.

Nothing here imports Dask: a task is a plain function of a DataFrame, so it is tested directly
and behaves the same on a laptop and on a cluster. The model arrives as the file's bytes (sent
once per worker) and is loaded once per worker process, cached by the bytes' hash — adapters
hold native handles that do not pickle reliably, file bytes always do.
"""

from __future__ import annotations

import atexit
import hashlib
import shutil
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from app.core.base.atomic import write_bytes_atomic, write_stream_atomic
from app.core.base.errors import ShapLensError
from app.core.base.input_gate import DATA, open_input
from app.core.base.types import Task, Unit
from app.core.data.align import align
from app.core.data.model_io import load_model
from app.core.explain.distributed import DistributedExplainError
from app.core.explain.distributed.histogram import Histogram2D
from app.core.explain.distributed.summary import SAMPLE_ROWS, SummaryPartial, quota
from app.core.explain.distributed.table import (
    raw_column,
    shap_column,
    values_columns,
    with_metadata,
)
from app.core.explain.models.base import ModelAdapter

CHUNK_ROWS = 65_536  # rows explained at a time within a partition; also the written row group
_MODELS: dict[str, ModelAdapter] = {}
_MODEL_DIR: list[Path] = []


@dataclass(frozen=True)
class Piece:
    """One partition: a Parquet file, or some of its row groups for a large file."""

    index: int
    file: str
    row_groups: tuple[int, ...] | None
    rows: int

    @property
    def name(self) -> str:
        return f"part-{self.index:05d}.parquet"

    def describe(self) -> str:
        where = Path(self.file).name
        if self.row_groups is not None:
            where += f", row groups {self.row_groups[0]}–{self.row_groups[-1]}"
        return f"partition {self.index} ({where})"


@dataclass(frozen=True)
class ModelRef:
    """How a task finds the model: the hash names the cached adapter, the bytes rebuild it."""

    digest: str
    filename: str
    trust_pickle: bool = False

    @staticmethod
    def of(payload: bytes, filename: str, trust_pickle: bool = False) -> ModelRef:
        return ModelRef(hashlib.sha256(payload).hexdigest(), filename, trust_pickle)


@dataclass(frozen=True)
class TaskSettings:
    out_dir: str
    label: str | None
    key: str | None
    metadata: dict[str, str]
    sample_rows: int = SAMPLE_ROWS
    seed: int = 0


@dataclass
class PartResult:
    piece: Piece
    rows: int
    row_groups: int
    partial: SummaryPartial
    base_values: np.ndarray = field(default_factory=lambda: np.zeros(0))
    label_column: str | None = None


def model_for(ref: ModelRef, payload: bytes) -> ModelAdapter:
    """The adapter for these model bytes, loaded once per process."""
    cached = _MODELS.get(ref.digest)
    if cached is not None:
        return cached
    if not _MODEL_DIR:
        _MODEL_DIR.append(Path(tempfile.mkdtemp(prefix="shaplens-model-")))
        atexit.register(shutil.rmtree, _MODEL_DIR[0], True)
    folder = _MODEL_DIR[0] / ref.digest[:16]
    folder.mkdir(exist_ok=True)
    path = folder / Path(ref.filename).name  # keep the name: some loaders look at the suffix
    write_bytes_atomic(path, payload)
    model = load_model(path, trust_pickle=ref.trust_pickle)
    _MODELS[ref.digest] = model
    return model


def read_piece(piece: Piece) -> pd.DataFrame:
    """The rows of one partition; read failures name the file."""
    try:
        with open_input(piece.file, DATA) as handle:  # regular files only: a FIFO never blocks
            source = pq.ParquetFile(handle)
            if piece.row_groups is None:
                table = source.read()
            else:
                table = source.read_row_groups(list(piece.row_groups))
        return table.to_pandas()
    except Exception as error:  # pyarrow raises many types; the message must name the file
        raise DistributedExplainError(
            f"{piece.describe()}: could not read {piece.file}: {error}", piece.file
        ) from error


def explain_piece(
    frame: pd.DataFrame, piece: Piece, ref: ModelRef, payload: bytes, settings: TaskSettings
) -> PartResult:
    """Align, explain and write one partition; return its summary partial."""
    try:
        return _explain(frame, piece, model_for(ref, payload), settings)
    except ShapLensError as error:
        raise DistributedExplainError(f"{piece.describe()}: {error}", piece.file) from error


def _explain(
    frame: pd.DataFrame, piece: Piece, model: ModelAdapter, settings: TaskSettings
) -> PartResult:
    if settings.key is not None and settings.key not in frame.columns:
        raise DistributedExplainError(f"the key column '{settings.key}' is not in the data")
    aligned = align(model, frame, label=settings.label)
    label = aligned.label()
    features, outputs = model.feature_names, list(model.output_names)
    rng = np.random.default_rng([settings.seed, piece.index])
    folder = Path(settings.out_dir)
    if not folder.is_dir():  # the run was cancelled and its folder removed: write nothing
        raise DistributedExplainError(f"the output folder {folder} no longer exists")
    path = folder / piece.name
    metadata = {
        **settings.metadata,
        "shaplens.data": Path(piece.file).name,
        "shaplens.partition": str(piece.index),
    }
    state: dict = {"partial": None, "base": np.zeros(model.n_outputs), "groups": 0}

    def produce(handle) -> None:  # streams the part into the output gate's temporary file
        writer: pq.ParquetWriter | None = None
        try:
            for start in range(0, max(aligned.n_rows, 1), CHUNK_ROWS):
                rows = np.arange(start, min(start + CHUNK_ROWS, aligned.n_rows), dtype=np.int64)
                X = aligned.X[rows]
                if rows.size:
                    values, state["base"] = model.contributions(X)
                else:  # an empty file still gets an (empty) part so the layout stays regular
                    values = np.zeros((0, len(features), len(outputs)), dtype=np.float32)
                raw = values.sum(axis=1, dtype=np.float64) + state["base"][None, :]
                columns: dict[str, np.ndarray] = {
                    "partition": np.full(rows.size, piece.index, dtype=np.int32),
                    "row": rows,
                }
                keys = None
                if settings.key is not None:
                    keys = frame[settings.key].iloc[rows]
                    columns[settings.key] = keys.to_numpy()
                columns.update(values_columns(values, state["base"], raw, features, outputs))
                table = with_metadata(pa.table(columns), metadata)
                if writer is None:
                    writer = pq.ParquetWriter(handle, table.schema)
                writer.write_table(table, row_group_size=CHUNK_ROWS)
                state["groups"] += 1
                labels = None if label is None else label[rows]
                chunk = partial_of(model, piece, rows, keys, X, values, raw, labels, rng, settings)
                done = state["partial"]
                state["partial"] = chunk if done is None else done.merge(chunk)
        finally:
            if writer is not None:
                writer.close()

    write_stream_atomic(path, produce)
    partial, base, groups = state["partial"], state["base"], state["groups"]
    assert partial is not None
    return PartResult(
        piece, aligned.n_rows, groups, partial, np.asarray(base, np.float64), aligned.label_column
    )


def partial_of(
    model: ModelAdapter,
    piece: Piece,
    rows: np.ndarray,
    keys: pd.Series | None,
    X: np.ndarray,
    values: np.ndarray,
    raw: np.ndarray,
    label: np.ndarray | None,
    rng: np.random.Generator,
    settings: TaskSettings,
) -> SummaryPartial:
    """Statistics of one chunk of explained rows."""
    n_features, n_outputs = values.shape[1], values.shape[2]
    histograms = [
        [
            Histogram2D.build(X[:, j], values[:, j, k], len(spec.categories or []))
            for k in range(n_outputs)
        ]
        for j, spec in enumerate(model.features)
    ]
    strata = _strata(model, label, rows.size)
    counts = strata.value_counts()
    strata_counts = {str(s): int(c) for s, c in counts.items()}
    priority = rng.random(rows.size)
    # Only the rows that can make the bottom k of their stratum are copied into the sample.
    k = quota(strata_counts, settings.sample_rows)
    labels = strata.to_numpy()
    take = np.sort(
        np.concatenate(
            [_smallest(np.flatnonzero(labels == s), priority, k) for s in strata_counts]
            or [np.zeros(0, np.int64)]
        )
    )
    sample: dict[str, object] = {"partition": np.full(take.size, piece.index, np.int32)}
    sample["row"] = rows[take]
    if keys is not None and settings.key is not None:
        sample[settings.key] = keys.to_numpy()[take]
    multi = n_outputs > 1
    for j, name in enumerate(model.feature_names):
        sample[f"value:{name}"] = X[take, j]
    for k_out, output in enumerate(model.output_names):
        for j, name in enumerate(model.feature_names):
            sample[shap_column(name, output, multi)] = values[take, j, k_out]
        sample[raw_column(output, multi)] = raw[take, k_out]
    if label is not None:
        numeric = pd.to_numeric(pd.Series(label[take]), errors="coerce")
        sample["label"] = numeric.to_numpy(np.float64)
    sample["_priority"] = priority[take]
    sample["_stratum"] = labels[take]
    frame = pd.DataFrame(sample)
    return SummaryPartial(
        n_rows=int(rows.size),
        abs_sum=np.abs(values).sum(axis=0, dtype=np.float64).reshape(n_features, n_outputs),
        shap_sum=values.sum(axis=0, dtype=np.float64).reshape(n_features, n_outputs),
        histograms=histograms,
        metric_sums=metric_sums(model, raw, label),
        strata_counts=strata_counts,
        sample=frame,
        sample_rows=settings.sample_rows,
    )


def _smallest(indices: np.ndarray, priority: np.ndarray, k: int) -> np.ndarray:
    if indices.size <= k:
        return indices
    return indices[np.argpartition(priority[indices], k - 1)[:k]]


def _strata(model: ModelAdapter, label: np.ndarray | None, n: int) -> pd.Series:
    """Label classes for classifiers (so rare classes get dots), one stratum otherwise."""
    if label is None or model.task is Task.REGRESSION:
        return pd.Series(np.full(n, "all", dtype=object))
    text = pd.Series(label).astype("string").fillna("missing")
    return text.astype(object)


def metric_sums(model: ModelAdapter, raw: np.ndarray, label: np.ndarray | None) -> dict[str, float]:
    """Sums whose ratios are accuracy / log-loss (classifiers) or MAE / RMSE (regression)."""
    if label is None:
        return {}
    y = pd.to_numeric(pd.Series(label), errors="coerce").to_numpy(np.float64)
    known = np.isfinite(y)
    if model.task is Task.REGRESSION:
        error = raw[known, 0] - y[known]
        return {
            "n": float(known.sum()),
            "abs": float(np.abs(error).sum()),
            "sq": float((error**2).sum()),
        }
    if model.unit is not Unit.LOG_ODDS:
        return {}
    probs = model.raw_to_prediction(raw[known])
    y = y[known]
    if model.task is Task.BINARY:
        p = np.clip(probs[:, 0], 1e-15, 1 - 1e-15)
        valid = (y == 0) | (y == 1)
        p, y = p[valid], y[valid]
        correct = (p >= 0.5) == (y == 1)
        loss = -(y * np.log(p) + (1 - y) * np.log(1 - p))
    else:
        valid = (y >= 0) & (y < probs.shape[1]) & (y == np.round(y))
        probs, y = probs[valid], y[valid].astype(np.int64)
        correct = probs.argmax(axis=1) == y
        loss = -np.log(np.clip(probs[np.arange(y.size), y], 1e-15, 1.0))
    return {"n": float(y.size), "correct": float(correct.sum()), "log_loss": float(loss.sum())}


def finish_metrics(
    model_task: Task, label: str | None, sums: dict[str, float]
) -> dict[str, object]:
    """Ratios from merged metric sums, or a note saying why there are none."""
    if label is None:
        return {"note": "no label column: give --label to get accuracy/log-loss or MAE"}
    n = sums.get("n", 0.0)
    if not n:
        return {"label": label, "note": f"label '{label}' has no usable numeric values"}
    if "abs" in sums:
        return {
            "label": label,
            "n": int(n),
            "mae": sums["abs"] / n,
            "rmse": float(np.sqrt(sums["sq"] / n)),
        }
    return {
        "label": label,
        "n": int(n),
        "accuracy": sums["correct"] / n,
        "log_loss": sums["log_loss"] / n,
    }
