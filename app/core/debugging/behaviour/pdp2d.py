"""Two-feature partial dependence: the average prediction over a G1 x G2 grid, for a heatmap.

The same streaming as one-feature PD (app.core.debugging.behaviour.pdp): rows in a seeded random
order, every grid pair predicted for a chunk of rows in one call, running averages yielded.
"""

from __future__ import annotations

from collections.abc import Generator
from dataclasses import dataclass, replace

import numpy as np

from app.core.base.types import Task, Unit
from app.core.debugging.behaviour.grid import BehaviourError, Grid, feature_index, make_grid
from app.core.debugging.behaviour.pdp import (
    CHUNK_PREDICTIONS,
    Progress,
    RowsCovered,
    chunks,
    ramped,
)
from app.core.explain.models.base import ModelAdapter, display_output_name


@dataclass
class PartialDependence2D(RowsCovered):
    """average_*[a, b] is the mean output with feature x at x.values[a] and y at y.values[b]."""

    x: Grid
    y: Grid
    average_raw: np.ndarray  # (Gx, Gy)
    average_prediction: np.ndarray  # (Gx, Gy)
    n_rows: int
    rows_total: int
    task: Task
    unit: Unit
    output: int = 0
    output_name: str = ""


def partial_dependence_2d_steps(
    model: ModelAdapter,
    X: np.ndarray,
    x: Grid,
    y: Grid,
    rows: np.ndarray,
    output: int = 0,
    chunk_predictions: int = CHUNK_PREDICTIONS,
    seed: int = 0,
) -> Generator[Progress, None, PartialDependence2D]:
    """Yield Progress (partial = the running PartialDependence2D); return the final one."""
    if x.index == y.index:
        raise BehaviourError("Choose two different features for a two-feature plot.")
    rows = np.asarray(rows, dtype=np.int64)
    if rows.size == 0:
        raise BehaviourError("No rows to average over: the filter leaves none.")
    gx, gy = x.values.size, y.values.size
    pair_x = np.repeat(x.values, gy)
    pair_y = np.tile(y.values, gx)
    g = pair_x.size
    order = rows[np.random.default_rng(seed).permutation(rows.size)]
    sum_raw, sum_pred = np.zeros(g), np.zeros(g)
    result = PartialDependence2D(
        x, y, np.zeros((gx, gy)), np.zeros((gx, gy)), 0, int(rows.size), model.task, model.unit,
        output, display_output_name(model.output_names[output]) if model.n_outputs > 1 else "",
    )  # fmt: skip
    for start, stop in ramped(chunks(order.size, g, chunk_predictions, X.shape[1])):
        chunk = X[order[start:stop]]
        n = chunk.shape[0]
        block = np.repeat(chunk, g, axis=0)
        block[:, x.index] = np.tile(pair_x, n)
        block[:, y.index] = np.tile(pair_y, n)
        raw = model.predict_raw(block)
        pred = model.raw_to_prediction(raw)
        sum_raw += raw[:, output].reshape(n, g).sum(axis=0)
        sum_pred += pred[:, output].reshape(n, g).sum(axis=0)
        result = replace(
            result,
            average_raw=(sum_raw / stop).reshape(gx, gy),
            average_prediction=(sum_pred / stop).reshape(gx, gy),
            n_rows=stop,
        )
        yield Progress(stop, int(order.size), result)  # type: ignore[arg-type]
    return result


def partial_dependence_2d_for(
    model: ModelAdapter,
    X: np.ndarray,
    x_feature: str,
    y_feature: str,
    rows: np.ndarray,
    grid_size: int = 12,
    output: int = 0,
    chunk_predictions: int = CHUNK_PREDICTIONS,
) -> Generator[Progress, None, PartialDependence2D]:
    """Both grids and the streamed averages, by feature name (the window's job)."""
    rows = np.asarray(rows, dtype=np.int64)
    if rows.size == 0:
        raise BehaviourError("No rows to average over: the filter leaves none.")
    grids = []
    for name in (x_feature, y_feature):
        j = feature_index(model.features, name)
        grids.append(make_grid(X[rows, j], model.features[j], j, grid_size))
    return (
        yield from partial_dependence_2d_steps(
            model, X, grids[0], grids[1], rows, output, chunk_predictions
        )
    )
