"""Chunked SHAP computation: a plain generator that yields progress and can stop between chunks.

The GUI runs it in a worker (app/workers.py) and the CLI runs it in a loop; neither knows the
engine. The first chunk is a small random sample of rows so that a global importance estimate can
be drawn within moments; the remaining rows follow in order in larger chunks.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Generator
from dataclasses import dataclass

import numpy as np

from app.core.base.errors import Cancelled, ExplainError
from app.core.base.types import Explanation
from app.core.explain.models.base import ModelAdapter

FIRST_CHUNK_ROWS = 2_000
CHUNK_ROWS = 20_000


@dataclass
class ExplainProgress:
    """One finished chunk: which rows, their values, and how far along the whole job is."""

    rows: np.ndarray  # dataset row positions of this chunk
    values: np.ndarray  # float32 (len(rows), n_features, n_outputs)
    raw_output: np.ndarray  # float64 (len(rows), n_outputs)
    done: int
    total: int


def chunk_order(n_rows: int, first: int, size: int, seed: int = 0) -> list[np.ndarray]:
    """Row positions per chunk: a random sample first, then the rest in dataset order."""
    if n_rows <= first:
        return [np.arange(n_rows, dtype=np.int64)] if n_rows else []
    rng = np.random.default_rng(seed)
    sample = np.sort(rng.choice(n_rows, size=first, replace=False))
    taken = np.zeros(n_rows, dtype=bool)
    taken[sample] = True
    rest = np.flatnonzero(~taken)
    return [sample] + [rest[i : i + size] for i in range(0, rest.size, size)]


class ExplanationBuilder:
    """Collects chunks into full-size arrays and answers questions about the partial result."""

    def __init__(self, model: ModelAdapter, n_rows: int) -> None:
        self.model = model
        n_features, k = len(model.features), model.n_outputs
        self.values = np.zeros((n_rows, n_features, k), dtype=np.float32)
        self.raw_output = np.zeros((n_rows, k), dtype=np.float64)
        self.covered = np.zeros(n_rows, dtype=bool)
        self.base_values = np.zeros(k, dtype=np.float64)
        # (sum of |values| per feature and output, rows added), replaced in one assignment
        self._totals = (np.zeros((n_features, k), dtype=np.float64), 0)
        self._publish = threading.Lock()
        self._closed = False

    def add(self, progress: ExplainProgress) -> bool:
        """File one chunk; False if the builder was closed first (the chunk is not counted).

        One thread adds while others may read: a row is marked covered only after its values
        are written, and the running totals change in a single assignment, so a reader never
        sees a half-written row or a sum that does not match its count.
        """
        self.values[progress.rows] = progress.values
        self.raw_output[progress.rows] = progress.raw_output
        chunk_sum = np.abs(progress.values).sum(axis=0, dtype=np.float64)
        with self._publish:  # held for microseconds: close() never waits on a copy
            if self._closed:
                return False
            self.covered[progress.rows] = True
            abs_sum, done = self._totals
            self._totals = (abs_sum + chunk_sum, done + progress.rows.size)
        return True

    def close(self) -> None:
        """Accept no more chunks: once this returns, a cancelled run's worker, still finishing
        the chunk in hand, cannot change what the views show."""
        with self._publish:
            self._closed = True

    @property
    def done(self) -> int:
        """Rows filed so far."""
        return self._totals[1]

    def mean_abs(self) -> np.ndarray:
        """Mean |SHAP| per feature and output over the rows explained so far."""
        abs_sum, done = self._totals
        return abs_sum / max(done, 1)

    def finish(self, base_values: np.ndarray) -> Explanation:
        self.base_values = np.asarray(base_values, dtype=np.float64)
        complete = bool(self.covered.all())
        rows = np.arange(self.covered.size) if complete else np.flatnonzero(self.covered)
        values = self.values if complete else self.values[rows]
        raw = self.raw_output if complete else self.raw_output[rows]
        return Explanation(
            values=values,
            base_values=self.base_values,
            raw_output=raw,
            feature_names=self.model.feature_names,
            output_names=list(self.model.output_names),
            unit=self.model.unit,
            exact=self.model.info.exact,
            rows=rows.astype(np.int64),
            complete=complete,
            engine=self.model.info.explainer,
        )


def iter_explanation(
    model: ModelAdapter,
    X: np.ndarray,
    first_chunk: int = FIRST_CHUNK_ROWS,
    chunk_rows: int = CHUNK_ROWS,
) -> Generator[ExplainProgress, None, np.ndarray]:
    """Yield one ExplainProgress per chunk; the generator's return value is the base values.

    Stopping iteration early is how a caller cancels: no work continues after the last yield.
    """
    total = X.shape[0]
    done = 0
    base = np.zeros(model.n_outputs)
    for rows in chunk_order(total, first_chunk, chunk_rows):
        try:
            chunk = X[rows]
            values, base = model.contributions(chunk)
            if model.info.exact:
                # exact TreeSHAP is additive by construction; this skips a second model pass
                raw = values.sum(axis=1, dtype=np.float64) + base[None, :]
            else:
                # a sampled explainer is only approximately additive: keep the model's own
                # output so Explanation.additivity_error() reports the real gap
                raw = model.predict_raw(chunk)
        except MemoryError as error:
            raise ExplainError(
                "Ran out of memory while explaining; try a smaller dataset or a sample."
            ) from error
        done += rows.size
        yield ExplainProgress(rows, values, raw, done, total)
    return base


def filed_into(
    builder: ExplanationBuilder, chunks: Generator[ExplainProgress, None, np.ndarray]
) -> Generator[ExplainProgress, None, np.ndarray]:
    """Pass `chunks` through, filing each into `builder` before it is yielded.

    The GUI runs this in the worker, so the GUI thread never copies a chunk's values: at a
    million rows the first chunk's scattered writes fault in pages across the whole result
    array, which took 0.6 s on the GUI thread with the engine busy on both cores.
    """
    while True:
        try:
            progress = next(chunks)
        except StopIteration as stop:
            return stop.value
        builder.add(progress)
        yield progress


def explain_all(
    model: ModelAdapter,
    X: np.ndarray,
    on_progress: Callable[[int, int], None] | None = None,
    should_stop: Callable[[], bool] | None = None,
) -> Explanation:
    """Run iter_explanation to the end (for the CLI and tests)."""
    builder = ExplanationBuilder(model, X.shape[0])
    generator = iter_explanation(model, X)
    while True:
        try:
            progress = next(generator)
        except StopIteration as stop:
            base = stop.value if stop.value is not None else np.zeros(model.n_outputs)
            return builder.finish(base)
        builder.add(progress)
        if on_progress is not None:
            on_progress(progress.done, progress.total)
        if should_stop is not None and should_stop():
            raise Cancelled()
