"""The rows of a running bulk explanation as an Explanation, and mean |SHAP| of finished values.

Both run in workers (the GUI thread must never copy 100+ MB); the workspace also calls
`partial_snapshot` itself while a partial explanation is small (app.core.workspace.explained).
"""

from __future__ import annotations

import time

import numpy as np

from app.core.base.types import Explanation
from app.core.explain.chunked import ExplanationBuilder


def partial_snapshot(
    builder: ExplanationBuilder,
    base: np.ndarray,
    block_rows: int | None = None,
    pause_s: float = 0.0,
) -> Explanation:
    """The rows explained so far as an Explanation, without touching the builder (worker-safe).

    The builder keeps filling other rows while this runs: a row is marked covered only after its
    values are written, so every row read here is complete. With `block_rows`, the values are
    copied a block at a time with a pause between blocks: one 180 MB copy at full speed took
    the memory bandwidth the GUI thread needed (its redraws slowed by half while it ran).
    """
    rows = np.flatnonzero(builder.covered)
    model = builder.model
    if block_rows is None:
        values = builder.values[rows]
    else:
        values = np.empty((rows.size, *builder.values.shape[1:]), dtype=builder.values.dtype)
        for start in range(0, rows.size, block_rows):
            stop = min(start + block_rows, rows.size)
            np.take(builder.values, rows[start:stop], axis=0, out=values[start:stop])
            if pause_s and stop < rows.size:
                time.sleep(pause_s)
    return Explanation(
        values=values,
        base_values=np.asarray(base, dtype=np.float64),
        raw_output=builder.raw_output[rows],
        feature_names=model.feature_names,
        output_names=list(model.output_names),
        unit=model.unit,
        exact=model.info.exact,
        rows=rows.astype(np.int64),
        complete=rows.size == builder.covered.size,
        engine=model.info.explainer,
    )


def mean_abs_of(values: np.ndarray, block: int = 100_000) -> np.ndarray:
    """Mean |SHAP| (n_features, n_outputs) of an explanation's values, in blocks (worker use)."""
    total = np.zeros(values.shape[1:], dtype=np.float64)
    for start in range(0, values.shape[0], block):
        total += np.abs(values[start : start + block]).sum(axis=0, dtype=np.float64)
    return total / max(values.shape[0], 1)
