"""Partial dependence: the streamed grid x rows predictions against one plain predict call.

Model (c) (the Adult-like categorical model), 10k rows x a 30-point grid = 300k predictions,
in the window's chunks (20k predictions per call). The reference predicts the same 300k rows in
one call of the model's own batch prediction: the ratio says what the chunking, the running
averages and the ICE lines cost (1.0 = nothing). The time to the first estimate is what a user
waits before the curve appears.
"""

from __future__ import annotations

import time

import numpy as np

from app.core.data.model_io import load_model
from app.core.debugging.behaviour.pdp import partial_dependence_for
from benchmarks.common import Row
from benchmarks.data import categorical_matrix, model

ROWS, GRID, WINDOW_CHUNK = 10_000, 30, 20_000


def run() -> list[Row]:
    adapter = load_model(model("c"))
    X = categorical_matrix(ROWS, seed=7)[0]
    rows = np.arange(ROWS)
    feature = adapter.feature_names[0]  # numeric: a full 30-point grid
    start = time.perf_counter()
    first = None
    steps = partial_dependence_for(adapter, X, feature, rows, GRID, 100, (), 0, WINDOW_CHUNK)
    while True:
        try:
            next(steps)
        except StopIteration as done:
            result = done.value
            break
        if first is None:
            first = time.perf_counter() - start
    ours = time.perf_counter() - start
    n = result.grid.values.size * ROWS
    block = np.repeat(X, result.grid.values.size, axis=0)
    start = time.perf_counter()
    adapter.predict_raw(block)
    reference = time.perf_counter() - start
    return [
        Row(
            f"partial dependence, {n:,} predictions (model c)",
            f"{n / ours:,.0f} pred/s",
            f"{n / reference:,.0f} pred/s (one predict call)",
            reference / ours,
            "~1x: chunking costs nothing",
        ),
        Row(
            "partial dependence, first estimate",
            f"{first * 1e3:,.0f} ms",
            f"{ours * 1e3:,.0f} ms (whole run)",
            ours / first,
            "curve shown early",
        ),
    ]
