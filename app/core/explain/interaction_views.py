"""Plot-ready data for the Interactions view: the heatmap of mean |interaction| over all rows,
one row's strongest pairs, and the dots of one pair's dependence plot.

A pair's interaction is counted whole, Φij + Φji (the engine splits it equally between the two
cells, as shap does), so the numbers here are what the pair adds to a prediction; shap's own
interaction plots double the off-diagonal cell for the same reason. The main effects (the
diagonal) are kept apart: they are usually much larger than any pair and would leave every
pair the same pale colour on a shared scale.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Generator, Iterator
from dataclasses import dataclass, replace
from typing import Any

import numpy as np

from app.core.base.types import Unit
from app.core.debugging.dependence import DependenceData, dependence
from app.core.explain.models.base import FeatureSpec, ModelAdapter

TOP_PAIRS = 5  # pairs listed for the selected row
PAIR_ROWS = 2_000  # rows a pair plot computes: ~10 s at 200 rows/s on a loaded 2-core machine
PAIR_SEED = 0
PAIR_CHUNK_ROWS = 512  # progress for a pair plot every engine step
HEADING_NAME_CHARS = 36  # a name in a pair plot's title (axis, legend and tooltips say it whole)


@dataclass
class HeatmapData:
    """Mean |interaction| of every pair over the explained rows, features in importance order."""

    features: list[str]  # most important first
    index: np.ndarray  # int64: each feature's column in the model
    pairs: np.ndarray  # (M, M) float64 mean |Φij + Φji| in `features` order; NaN on the diagonal
    main: np.ndarray  # (M,) float64 mean |Φii|, the main effects
    unit: Unit
    n_rows: int
    output_name: str = ""
    scope: str = ""  # "in the filter" when the rows are the current filter's

    @property
    def title(self) -> str:
        out = f" — {self.output_name}" if self.output_name else ""
        # Says "all" when it is every row: an exported figure must tell which rows it covers.
        rows = f"{self.n_rows:,} rows {self.scope}" if self.scope else f"all {self.n_rows:,} rows"
        return f"Mean |SHAP interaction| ({self.unit.value}) over {rows}{out}"


@dataclass(frozen=True)
class PairValue:
    first: str
    second: str
    value: float  # Φij + Φji for this row, in the model's unit

    def text(self) -> str:
        sign = "+" if self.value >= 0 else "−"
        return f"{self.first} × {self.second}: {sign}{abs(self.value):.3g}"


def pair_matrix(mean_abs: np.ndarray, output: int = 0) -> np.ndarray:
    """(M, M) mean |Φij + Φji| from the summary's mean |Φij| (M, M, n_outputs); NaN diagonal.

    The engine's Φij equals Φji, so |Φij + Φji| = |Φij| + |Φji| row by row."""
    m = np.asarray(mean_abs, dtype=np.float64)
    m = m[:, :, output] if m.ndim == 3 else m
    pairs = m + m.T
    np.fill_diagonal(pairs, np.nan)
    return pairs


def heatmap(
    mean_abs: np.ndarray,
    names: list[str],
    unit: Unit,
    n_rows: int,
    output: int = 0,
    output_name: str = "",
    importance: np.ndarray | None = None,
    scope: str = "",
) -> HeatmapData:
    """The heatmap's data; features ordered by `importance` (mean |SHAP| (M,) or (M, n_outputs)),
    or without it by their total interaction (main effect plus every pair)."""
    m = np.asarray(mean_abs, dtype=np.float64)
    m = m[:, :, output] if m.ndim == 3 else m
    if m.shape != (len(names), len(names)):
        raise ValueError(f"interaction summary is {m.shape}, the model has {len(names)} features")
    pairs = pair_matrix(m)
    main = np.diag(m).copy()
    if importance is not None:
        score = np.asarray(importance, dtype=np.float64)
        score = score[:, min(output, score.shape[1] - 1)] if score.ndim == 2 else score
    else:
        score = main + np.nansum(pairs, axis=1)
    order = np.argsort(-score, kind="stable").astype(np.int64)
    return HeatmapData(
        [names[i] for i in order],
        order,
        pairs[np.ix_(order, order)],
        main[order],
        unit,
        int(n_rows),
        output_name,
        scope,
    )


def top_pairs(
    matrix: np.ndarray, names: list[str], output: int = 0, n: int = TOP_PAIRS
) -> list[PairValue]:
    """One row's `n` strongest pairs (largest |Φij + Φji| first) from its (M, M[, n_outputs])
    interaction matrix; pairs that add nothing are left out."""
    m = np.asarray(matrix, dtype=np.float64)
    m = m[:, :, output] if m.ndim == 3 else m
    i, j = np.triu_indices(m.shape[0], k=1)
    values = m[i, j] + m[j, i]
    order = np.argsort(-np.abs(values), kind="stable")[:n]
    return [
        PairValue(names[i[k]], names[j[k]], float(values[k])) for k in order if values[k] != 0.0
    ]


def pair_sample(rows: np.ndarray, size: int = PAIR_ROWS, seed: int = PAIR_SEED) -> np.ndarray:
    """The rows (sorted dataset positions) whose interactions a pair plot computes: all of
    `rows` up to `size`, else a seeded random sample of them."""
    rows = np.asarray(rows, dtype=np.int64)
    if rows.size <= size:
        return rows
    return np.sort(np.random.default_rng(seed).choice(rows, size, replace=False))


def _short(name: str, limit: int = HEADING_NAME_CHARS) -> str:
    """A long name cut in the middle, so two of them leave a title of a line or two."""
    if len(name) <= limit:
        return name
    half = (limit - 1) // 2
    return name[:half] + "…" + name[-(limit - 1 - half) :]


Chunks = Callable[..., Iterator[Any]]


def pair_dependence(
    iterate: Chunks,
    model: ModelAdapter,
    X: np.ndarray,
    features: list[FeatureSpec],
    unit: Unit,
    rows: np.ndarray,
    first: int,
    second: int,
    output: int = 0,
    output_name: str = "",
    total: int | None = None,
    cancel: threading.Event | None = None,
    display: list[str] | None = None,
) -> Generator[float, None, DependenceData]:
    """Worker: the dependence plot of a pair: x = `first`'s value, y = Φij + Φji (Φii for a main
    effect), colour = `second`'s value, one dot per row of `rows` (dataset positions, sorted).

    `iterate` is the engine's chunked interaction run (`iter_interactions`); this yields the
    fraction done between chunks, so cancelling stops it there. `total` is how many rows the
    sample stands for (the filter's size), shown as "N of M rows drawn"; `cancel` stops the
    run within one engine step; `display` names the features as the heatmap does (glossary)."""
    rows = np.asarray(rows, dtype=np.int64)
    y = np.zeros(rows.size, dtype=np.float32)
    for chunk in iterate(model, X, rows=rows, cancel=cancel, chunk_rows=PAIR_CHUNK_ROWS):
        at = np.searchsorted(rows, np.asarray(chunk.rows, dtype=np.int64))
        v = np.asarray(chunk.values)
        if first == second:
            y[at] = v[:, first, first, output]
        else:
            y[at] = v[:, first, second, output] + v[:, second, first, output]
        yield float(getattr(chunk, "fraction", 0.0))
    values = np.zeros((rows.size, len(features)), dtype=np.float32)
    values[:, first] = y
    names = [f.name for f in features]
    colour = names[second] if second != first else None
    data = dependence(names[first], values, X[rows], features, unit, colour_by=colour)
    label = display if display is not None else names
    a, b = _short(label[first]), _short(label[second])
    heading = (
        f"{a}: main effect ({unit.value})"
        if first == second
        else f"{a} × {b}: interaction ({unit.value}), coloured by {b}"
    )
    shown = total if total is not None and total > rows.size else data.total
    return replace(
        data,
        feature=label[first],
        colour_feature=label[second] if data.colour_feature is not None else None,
        rows=rows[data.rows],
        interactions=None,
        output_name=output_name,
        value_name="interaction",
        heading=heading,
        total=int(shown),
    )
