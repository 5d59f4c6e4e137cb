"""Partial dependence and ICE with the model's own batch prediction, streamed in chunks.

For a grid of G values and R rows the model predicts G x R rows (tens of millions for a big
dataset), so the work is a generator: rows are visited in a seeded random order, a chunk of rows
is repeated once per grid value and predicted in one call, and the running averages are yielded
after each chunk. The first yield is already an unbiased estimate over a random sample of rows,
so the window draws the curve at once and refines it; stopping between yields cancels the work.

ICE lines are computed first, for a seeded sample of rows (plus any rows asked for by name, such
as the selected one), so they are complete with the first yield.
"""

from __future__ import annotations

from collections.abc import Callable, Generator, Sequence
from dataclasses import dataclass, replace
from typing import Any, TypeVar

import numpy as np

from app.core.base.errors import Cancelled
from app.core.base.types import Task, Unit
from app.core.debugging.behaviour.grid import (
    BehaviourError,
    Distribution,
    Grid,
    distribution,
    feature_index,
    make_grid,
)
from app.core.explain.models.base import ModelAdapter, display_output_name

CHUNK_PREDICTIONS = 200_000  # model rows per predict call: ~20 MB of float64 at 13 features
BLOCK_BYTES = 64 << 20  # and never a bigger block than this, however wide the data
DEFAULT_ICE = 100


class RowsCovered:
    """What a partial-dependence result says about itself (shared by the 1-D and 2-D kinds)."""

    n_rows: int
    rows_total: int
    task: Task
    unit: Unit

    @property
    def complete(self) -> bool:
        return self.n_rows == self.rows_total

    @property
    def probability(self) -> bool:
        """Predictions are probabilities (so log-odds can be offered beside them)."""
        return self.task is not Task.REGRESSION and self.unit is not Unit.TARGET


@dataclass
class PartialDependence(RowsCovered):
    """The averages over `n_rows` rows (of `rows_total` asked for) at each grid value."""

    grid: Grid
    average_raw: np.ndarray  # (G,) mean raw output (log-odds, margin or value)
    average_prediction: np.ndarray  # (G,) mean probability (classifiers) or value
    n_rows: int
    rows_total: int
    ice_rows: np.ndarray  # (K,) dataset rows with an ICE line
    ice_raw: np.ndarray  # (K, G)
    ice_prediction: np.ndarray  # (K, G)
    ice_actual: np.ndarray  # (K,) each ICE row's own value of the feature (NaN: missing)
    distribution: Distribution
    task: Task
    unit: Unit
    output: int = 0
    output_name: str = ""


@dataclass
class Progress:
    """What a step yields: rows averaged so far and the estimate over them."""

    done: int
    total: int
    partial: Any = None  # the running estimate (PartialDependence or its 2-D kin)


def ice_sample(rows: np.ndarray, k: int, seed: int = 0, include: Sequence[int] = ()) -> np.ndarray:
    """Up to `k` rows drawn (seeded) from `rows`, plus `include` (e.g. the selected row)."""
    rows = np.asarray(rows, dtype=np.int64)
    k = min(max(int(k), 0), rows.size)
    picked = np.random.default_rng(seed).choice(rows, size=k, replace=False) if k else rows[:0]
    extra = np.asarray([r for r in include if r is not None], dtype=np.int64)
    return np.unique(np.concatenate([picked, extra]))


def _predict_block(
    model: ModelAdapter, X_rows: np.ndarray, j: int, values: np.ndarray, k: int
) -> tuple[np.ndarray, np.ndarray]:
    """Raw output and prediction (n_rows, G) of output k with column j set to each value."""
    n, g = X_rows.shape[0], values.size
    block = np.repeat(X_rows, g, axis=0)
    block[:, j] = np.tile(values, n)
    raw = model.predict_raw(block)
    prediction = model.raw_to_prediction(raw)
    return raw[:, k].reshape(n, g), prediction[:, k].reshape(n, g)


def chunks(n: int, g: int, chunk_predictions: int, n_features: int) -> list[tuple[int, int]]:
    """Row ranges whose block (rows x g grid values x features, float64) stays small: a wide
    dataset gets fewer predictions per call, never a block of gigabytes."""
    per_call = min(chunk_predictions, max(1, BLOCK_BYTES // (8 * max(n_features, 1))))
    size = max(1, per_call // max(g, 1))
    return [(start, min(start + size, n)) for start in range(0, n, size)]


def ramped(ranges: list[tuple[int, int]], first: int = 8) -> list[tuple[int, int]]:
    """The first range cut to 1/`first` of its rows: the first estimate is drawn that much
    sooner (a rough curve at once, then the full-size chunks refine it)."""
    if len(ranges) < 2:
        return ranges
    start, stop = ranges[0]
    cut = start + max(1, (stop - start) // first)
    return [(start, cut), (cut, stop), *ranges[1:]] if cut < stop else ranges


def partial_dependence_steps(
    model: ModelAdapter,
    X: np.ndarray,
    grid: Grid,
    rows: np.ndarray,
    ice_rows: np.ndarray | None = None,
    output: int = 0,
    chunk_predictions: int = CHUNK_PREDICTIONS,
    seed: int = 0,
) -> Generator[Progress, None, PartialDependence]:
    """Yield Progress after each chunk; return the PartialDependence over every row in `rows`."""
    rows = np.asarray(rows, dtype=np.int64)
    if rows.size == 0:
        raise BehaviourError("No rows to average over: the filter leaves none.")
    j, g = grid.index, grid.values.size
    ice = np.asarray(ice_rows if ice_rows is not None else rows[:0], dtype=np.int64)
    ice_raw = np.empty((ice.size, g))
    ice_pred = np.empty((ice.size, g))
    for start, stop in chunks(ice.size, g, chunk_predictions, X.shape[1]):
        ice_raw[start:stop], ice_pred[start:stop] = _predict_block(
            model, X[ice[start:stop]], j, grid.values, output
        )
    order = rows[np.random.default_rng(seed).permutation(rows.size)]
    sum_raw, sum_pred = np.zeros(g), np.zeros(g)
    result = PartialDependence(
        grid=grid,
        average_raw=sum_raw.copy(),
        average_prediction=sum_pred.copy(),
        n_rows=0,
        rows_total=int(rows.size),
        ice_rows=ice,
        ice_raw=ice_raw,
        ice_prediction=ice_pred,
        ice_actual=X[ice, j].astype(np.float64),
        distribution=distribution(X[rows, j], grid),
        task=model.task,
        unit=model.unit,
        output=output,
        output_name=display_output_name(model.output_names[output]) if model.n_outputs > 1 else "",
    )
    done = 0
    for start, stop in ramped(chunks(order.size, g, chunk_predictions, X.shape[1])):
        raw, pred = _predict_block(model, X[order[start:stop]], j, grid.values, output)
        sum_raw += raw.sum(axis=0)
        sum_pred += pred.sum(axis=0)
        done = stop
        result = replace(
            result, average_raw=sum_raw / done, average_prediction=sum_pred / done, n_rows=done
        )
        yield Progress(done, int(order.size), result)
    return result


T = TypeVar("T")


def drive(
    steps: Generator[Any, None, T],
    on_progress: Callable[[int, int], None] | None = None,
    should_stop: Callable[[], bool] | None = None,
) -> T:
    """Run a step generator to the end (the CLI's loop); raise Cancelled when told to stop."""
    while True:
        try:
            progress = next(steps)
        except StopIteration as finished:
            return finished.value
        if on_progress is not None:
            on_progress(progress.done, progress.total)
        if should_stop is not None and should_stop():
            steps.close()
            raise Cancelled("Partial dependence was cancelled.")


def ice_lines(
    model: ModelAdapter, X: np.ndarray, grid: Grid, rows: np.ndarray, output: int = 0
) -> tuple[np.ndarray, np.ndarray]:
    """Raw and prediction ICE lines (len(rows), G) for a few rows (e.g. a newly selected one)."""
    rows = np.asarray(rows, dtype=np.int64)
    return _predict_block(model, X[rows], grid.index, grid.values, output)


def with_ice_rows(
    result: PartialDependence,
    rows: np.ndarray,
    raw: np.ndarray,
    prediction: np.ndarray,
    X: np.ndarray,
) -> PartialDependence:
    """The result with more ICE lines (rows already present are not repeated)."""
    rows = np.asarray(rows, dtype=np.int64)
    new = ~np.isin(rows, result.ice_rows)
    return replace(
        result,
        ice_rows=np.concatenate([result.ice_rows, rows[new]]),
        ice_raw=np.vstack([result.ice_raw, raw[new]]),
        ice_prediction=np.vstack([result.ice_prediction, prediction[new]]),
        ice_actual=np.concatenate([result.ice_actual, X[rows[new], result.grid.index]]),
    )


def partial_dependence_for(
    model: ModelAdapter,
    X: np.ndarray,
    feature: str,
    rows: np.ndarray,
    grid_size: int = 30,
    ice: int = DEFAULT_ICE,
    include: Sequence[int] = (),
    output: int = 0,
    chunk_predictions: int = CHUNK_PREDICTIONS,
) -> Generator[Progress, None, PartialDependence]:
    """Grid, ICE sample and the streamed average for one feature by name (the window's job:
    building the grid is O(rows) too, so it belongs off the GUI thread)."""
    j = feature_index(model.features, feature)
    rows = np.asarray(rows, dtype=np.int64)
    if rows.size == 0:
        raise BehaviourError("No rows to average over: the filter leaves none.")
    grid = make_grid(X[rows, j], model.features[j], j, grid_size)
    sample = ice_sample(rows, ice, include=include)
    return (
        yield from partial_dependence_steps(model, X, grid, rows, sample, output, chunk_predictions)
    )
