"""The values a feature is set to for partial dependence, and its distribution for the rug.

Numeric features get quantiles (where the data is) joined with evenly spaced points over the
observed range (so a long tail such as capital gain is not collapsed into one point); a feature
with few distinct values gets exactly those. Categorical features get every level, by label.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from app.core.base.errors import ShapLensError
from app.core.explain.models.base import FeatureSpec

MIN_GRID, MAX_GRID = 5, 200
HIST_BINS = 40


class BehaviourError(ShapLensError):
    """A behaviour view cannot be computed for these inputs (said in words for the user)."""


@dataclass
class Grid:
    """Where a feature is set: `values` as the model reads them (numbers or category codes)."""

    feature: str
    index: int  # column in the model's X
    values: np.ndarray  # float64
    labels: list[str]  # what a user reads for each value
    categorical: bool


@dataclass
class Distribution:
    """The feature's values in the averaged rows: histogram (numeric) or counts per level."""

    edges: np.ndarray  # numeric: bin edges (len = counts + 1); categorical: empty
    counts: np.ndarray  # int64
    missing: int


def feature_index(features: list[FeatureSpec], name: str) -> int:
    names = [f.name for f in features]
    if name not in names:
        raise BehaviourError(
            f"'{name}' is not a model feature; the features are {', '.join(names)}."
        )
    return names.index(name)


def _label(value: float, integer: bool) -> str:
    return str(int(value)) if integer else f"{value:.6g}"


def make_grid(column: np.ndarray, spec: FeatureSpec, index: int, size: int = 50) -> Grid:
    """The grid for one feature from its column (codes for a categorical feature)."""
    if spec.is_categorical:
        labels = list(spec.categories or [])
        if not labels:
            raise BehaviourError(f"'{spec.name}' has no known categories to vary.")
        return Grid(spec.name, index, np.arange(len(labels), dtype=np.float64), labels, True)
    if not MIN_GRID <= size <= MAX_GRID:
        raise BehaviourError(f"The grid must have {MIN_GRID} to {MAX_GRID} points, not {size}.")
    finite = column[np.isfinite(column)]
    if finite.size == 0:
        raise BehaviourError(f"'{spec.name}' has no values in these rows to build a grid from.")
    integer = bool(np.all(finite == np.round(finite)))
    distinct = np.unique(finite)
    if distinct.size <= size:
        values = distinct
    else:
        n_quantiles = (size + 1) // 2
        quantiles = np.quantile(finite, np.linspace(0.0, 1.0, n_quantiles))
        spread = np.linspace(distinct[0], distinct[-1], size - n_quantiles + 2)
        values = np.concatenate([quantiles, spread])
        if integer:
            values = np.round(values)
        values = np.unique(values)
    values = values.astype(np.float64)
    return Grid(spec.name, index, values, [_label(v, integer) for v in values], False)


def distribution(column: np.ndarray, grid: Grid, bins: int = HIST_BINS) -> Distribution:
    """How the averaged rows spread over the feature, so extrapolation is visible."""
    present = column[~np.isnan(column)]
    missing = int(column.size - present.size)
    if grid.categorical:
        codes = present[(present >= 0) & (present < grid.values.size)].astype(np.int64)
        counts = np.bincount(codes, minlength=grid.values.size).astype(np.int64)
        return Distribution(np.empty(0), counts, missing)
    finite = present[np.isfinite(present)]
    lo, hi = float(grid.values[0]), float(grid.values[-1])
    if hi <= lo:
        hi = lo + 1.0
    counts, edges = np.histogram(np.clip(finite, lo, hi), bins=bins, range=(lo, hi))
    return Distribution(edges, counts.astype(np.int64), missing)
