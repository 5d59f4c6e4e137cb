"""Exact SHAP interaction values, chunked with progress and cancel like SHAP values (chunked.py).

Per row an M x M matrix per output (Lundberg et al. 2020, path-dependent): symmetric, the main
effects on the diagonal, each row of the matrix summing to that feature's SHAP value, the whole
matrix to the model's raw output minus its base value. Computed by ShapLens's engine
(engine/interaction_kernels), so only models the engine explains have them; any other model
raises InteractionsUnavailable with the reason.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Generator
from dataclasses import dataclass

import numpy as np

from app.core.base.errors import Cancelled, ExplainError
from app.core.explain.chunked import chunk_order
from app.core.explain.models.base import ModelAdapter, explainer_text

FIRST_CHUNK_ROWS = 2_000
# A chunk's values are len(rows) x M x M x outputs float32: keep one chunk near 64 MB.
CHUNK_BYTES = 64 * 1024**2
# Rows per engine call inside a chunk: cancel is checked between them, so it answers within
# a fraction of a second even on large models.
STEP_ROWS = 512


class InteractionsUnavailable(ExplainError):
    """The model is not explained by ShapLens's engine, which alone computes interactions."""


@dataclass
class InteractionProgress:
    """One finished chunk: which rows, their interaction values, and how far along the job is."""

    rows: np.ndarray  # int64 dataset row positions of this chunk
    values: np.ndarray  # float32 (len(rows), M, M, n_outputs)
    done: int
    total: int

    @property
    def fraction(self) -> float:
        return self.done / self.total if self.total else 1.0


def interaction_function(
    model: ModelAdapter, tables: bool = True
) -> Callable[[np.ndarray, int | None], np.ndarray]:
    """values(X, n_threads) -> (n, M, M, n_outputs) float32 in the model's own feature order.

    A scikit-learn pipeline's trees see transformed columns; their interactions are summed back
    over the input columns each came from (both axes), which keeps every row summing to the
    input column's SHAP value. tables=False: the clicked-row kernel (nothing to build first).
    """
    from app.core.explain.engine.interaction_engine import interaction_kernel

    engine = getattr(model, "engine", None)
    if engine is None:
        raise InteractionsUnavailable(
            "Interaction values need ShapLens's exact tree engine; this model is explained by "
            f"{explainer_text(model.info)}."
        )
    kernel = interaction_kernel(engine, tables)
    mapping = getattr(model, "mapping", None)
    transform = getattr(model, "transform", None)
    if mapping is None or transform is None:
        return kernel.values

    def grouped(X: np.ndarray, n_threads: int | None = None) -> np.ndarray:
        values = kernel.values(transform(X), n_threads)
        summed = np.einsum("rabk,ai,bj->rijk", values, mapping, mapping, optimize=True)
        return summed.astype(np.float32)

    return grouped


def default_chunk_rows(model: ModelAdapter) -> int:
    m = len(model.features)
    return max(STEP_ROWS, CHUNK_BYTES // max(1, m * m * model.n_outputs * 4))


def _positions(X: np.ndarray, rows: np.ndarray | None) -> np.ndarray:
    if rows is None:
        return np.arange(X.shape[0], dtype=np.int64)
    rows = np.asarray(rows, dtype=np.int64).reshape(-1)
    if rows.size and (rows.min() < 0 or rows.max() >= X.shape[0]):
        raise ExplainError(f"Row positions must lie in 0..{X.shape[0] - 1}.")
    return rows


def iter_interactions(
    model: ModelAdapter,
    X: np.ndarray,
    rows: np.ndarray | None = None,
    cancel: threading.Event | None = None,
    chunk_rows: int | None = None,
    first_chunk: int = FIRST_CHUNK_ROWS,
) -> Generator[InteractionProgress, None, None]:
    """Yield one InteractionProgress per chunk of `rows` (default: every row of X).

    The first chunk is a random sample of `first_chunk` rows (0: every chunk in row order), so a
    summary is drawable early; chunks then follow in order. Raises Cancelled, between engine
    calls of at most STEP_ROWS rows, once `cancel` is set; InteractionsUnavailable at once for
    a model the engine does not explain.
    """
    values_of = interaction_function(model)  # refuses a model at once, not at the first next()
    positions = _positions(X, rows)
    size = max(1, chunk_rows or default_chunk_rows(model))
    return _chunks(model, X, values_of, positions, cancel, size, first_chunk)


def _chunks(
    model: ModelAdapter,
    X: np.ndarray,
    values_of: Callable[[np.ndarray, int | None], np.ndarray],
    positions: np.ndarray,
    cancel: threading.Event | None,
    size: int,
    first_chunk: int,
) -> Generator[InteractionProgress, None, None]:
    if first_chunk > 0:
        order = [positions[c] for c in chunk_order(positions.size, first_chunk, size)]
    else:
        order = [positions[i : i + size] for i in range(0, positions.size, size)]
    m, k = len(model.features), model.n_outputs
    done = 0
    for chunk in order:
        values = np.empty((chunk.size, m, m, k), np.float32)
        for start in range(0, chunk.size, STEP_ROWS):
            if cancel is not None and cancel.is_set():
                raise Cancelled()
            part = chunk[start : start + STEP_ROWS]
            try:
                values[start : start + part.size] = values_of(X[part], None)
            except MemoryError as error:
                raise ExplainError(
                    "Ran out of memory while computing interaction values; use fewer rows."
                ) from error
        done += chunk.size
        yield InteractionProgress(chunk.astype(np.int64), values, done, positions.size)


def row_interactions(model: ModelAdapter, X: np.ndarray, row: int) -> np.ndarray:
    """One row's interaction matrix (M, M, n_outputs) float32, computed inline on the calling
    thread (a few ms; no pattern tables to build, so the first click is as quick)."""
    values_of = interaction_function(model, tables=False)
    if not 0 <= row < X.shape[0]:
        raise ExplainError(f"Row {row} is outside the data (0..{X.shape[0] - 1}).")
    return values_of(X[row : row + 1], 1)[0]


def all_interactions(
    model: ModelAdapter, X: np.ndarray, rows: np.ndarray | None = None
) -> np.ndarray:
    """Every requested row's matrices at once, in the order of `rows` (tests, small jobs)."""
    positions = _positions(X, rows)
    out = np.empty(
        (positions.size, len(model.features), len(model.features), model.n_outputs), np.float32
    )
    at = 0
    for progress in iter_interactions(model, X, positions, first_chunk=0):  # in row order
        out[at : at + progress.rows.size] = progress.values
        at += progress.rows.size
    return out
