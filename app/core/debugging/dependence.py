"""Dependence plot data: a feature's value against its SHAP value for every row, coloured by the
feature it interacts with most (shap's `approximate_interactions` heuristic, vectorised).

The heuristic: sort rows by the feature's value, cut them into blocks of ~50 rows, and in each
block correlate the feature's SHAP values with every other feature (and with that feature's
missingness). A feature whose value explains the vertical spread within blocks interacts.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from app.core.base.types import Unit
from app.core.explain.models.base import FeatureSpec

MAX_ROWS_FOR_INTERACTIONS = 10_000
JITTER = 0.3


def _block_abs_corr(a: np.ndarray, b: np.ndarray) -> float:
    """Sum over blocks (rows) of |corr(a_block, b_block)|, skipping blocks where either is
    constant or holds NaN — what shap does with np.corrcoef one block at a time."""
    if a.size == 0:
        return 0.0
    ac = a - a.mean(axis=1, keepdims=True)
    bc = b - b.mean(axis=1, keepdims=True)
    sa = np.sqrt((ac**2).sum(axis=1))
    sb = np.sqrt((bc**2).sum(axis=1))
    ok = np.isfinite(sa) & np.isfinite(sb) & (sa > 0) & (sb > 0)
    # population std > 0 test on the raw arrays, as shap does (not on rounded sums)
    ok &= (np.std(a, axis=1) > 0) & (np.std(b, axis=1) > 0)
    if not ok.any():
        return 0.0
    r = (ac[ok] * bc[ok]).sum(axis=1) / (sa[ok] * sb[ok])
    return float(np.abs(r).sum())


def _blocks(x: np.ndarray, inc: int) -> tuple[np.ndarray, np.ndarray]:
    full = (x.size // inc) * inc
    tail = x[full:].reshape(1, -1) if full < x.size else np.empty((0, 1))
    return x[:full].reshape(-1, inc), tail


def interaction_scores(
    index: int, shap_values: np.ndarray, X: np.ndarray, seed: int = 0
) -> np.ndarray:
    """Estimated interaction strength of every feature with feature `index` (0 for itself).

    shap_values and X are (n_rows, n_features); more than 10,000 rows are subsampled (seeded)."""
    n = X.shape[0]
    if n > MAX_ROWS_FOR_INTERACTIONS:
        rng = np.random.default_rng(seed)
        inds = rng.permutation(n)[:MAX_ROWS_FOR_INTERACTIONS]
    else:
        inds = np.arange(n)
    x = X[inds, index].astype(np.float64)
    srt = np.argsort(x, kind="quicksort")
    shap_ref = np.asarray(shap_values[inds, index], dtype=np.float64)[srt]
    inc = max(min(int(len(x) / 10.0), 50), 1)
    ref_full, ref_tail = _blocks(shap_ref, inc)
    scores = np.zeros(X.shape[1])
    for i in range(X.shape[1]):
        if i == index:
            continue
        other = X[inds, i].astype(np.float64)[srt]
        best = 0.0
        for candidate in (other, np.isnan(other).astype(np.float64)):
            if np.nansum(np.abs(candidate)) < 1e-8:
                continue
            full, tail = _blocks(candidate, inc)
            v = _block_abs_corr(ref_full, full) + _block_abs_corr(ref_tail, tail)
            best = max(best, v)
        scores[i] = best
    return scores


def approximate_interactions(
    index: int, shap_values: np.ndarray, X: np.ndarray, seed: int = 0
) -> np.ndarray:
    """Feature indices, strongest interaction with `index` first (shap's order, up to ties)."""
    return np.argsort(-interaction_scores(index, shap_values, X, seed), kind="stable")


@dataclass
class DependenceData:
    feature: str
    x: np.ndarray  # float64 x position: value, or category index + jitter
    shap: np.ndarray  # float32
    rows: np.ndarray  # int64 dataset row of each dot
    colour: np.ndarray  # float32 in [0, 1], NaN where the colouring feature is missing
    colour_feature: str | None
    unit: Unit
    categories: list[str] | None = None  # categorical x: tick i is categories[i]
    colour_categories: list[str] | None = None
    colour_range: tuple[float, float] | None = None
    interactions: list[str] | None = None  # other features, strongest interaction first
    missing_x: int = 0  # rows with a missing numeric value (not drawn)
    output_name: str = ""
    total: int = -1  # rows these dots stand for (more than len(rows) when subsampled)
    value_name: str = "SHAP"  # what y is: SHAP values, or a pair's interaction values
    heading: str = ""  # a title in place of the usual one (an interaction pair's)
    # The colouring feature's own value per dot (a category code when categorical), so hovering
    # a dot names its colour; `colour` is scaled and clipped for the palette.
    colour_values: np.ndarray | None = None

    def __post_init__(self) -> None:
        if self.total < 0:
            self.total = int(self.rows.size)

    @property
    def subsampled(self) -> bool:
        return self.total > self.rows.size

    @property
    def title(self) -> str:
        if self.heading:
            return self.heading
        by = f", coloured by {self.colour_feature}" if self.colour_feature else ""
        return f"{self.feature}: value vs {self.value_name} ({self.unit.value}){by}"


def stratified_sample(values: np.ndarray, size: int, seed: int = 0) -> np.ndarray:
    """Sorted positions of `size` of `values`: the values' rank order is cut into `size` equal
    blocks and one position is drawn (seeded) from each, so the sample keeps the shape of the
    distribution; the smallest and largest value are always in it (outliers stay visible)."""
    n = values.size
    if n <= size:
        return np.arange(n, dtype=np.int64)
    order = np.argsort(values, kind="stable")
    edges = np.linspace(0, n, size + 1)
    starts = edges[:-1].astype(np.int64)
    widths = np.maximum(edges[1:].astype(np.int64) - starts, 1)
    picks = starts + (np.random.default_rng(seed).random(size) * widths).astype(np.int64)
    picks[0], picks[-1] = 0, n - 1
    return np.sort(order[np.minimum(picks, n - 1)])


def _interaction_order(j: int, v: np.ndarray, X: np.ndarray, rows: np.ndarray, seed: int):
    """approximate_interactions over `rows` without copying every row's values first: the
    10,000-row subsample it would draw is drawn here (same seed, same order) and gathered."""
    if rows.size <= 1:
        return np.arange(0)
    if rows.size > MAX_ROWS_FOR_INTERACTIONS:
        rng = np.random.default_rng(seed)
        rows = rows[rng.permutation(rows.size)[:MAX_ROWS_FOR_INTERACTIONS]]
    return approximate_interactions(j, v[rows], X[rows], seed)


def _colour(column: np.ndarray, spec: FeatureSpec):
    if spec.is_categorical:
        n = max(len(spec.categories or []), 1)
        return (column / max(n - 1, 1)).astype(np.float32), list(spec.categories or []), None
    finite = column[np.isfinite(column)]
    if finite.size == 0:
        return np.full(column.shape, np.nan, np.float32), None, None
    lo, hi = np.percentile(finite, [5, 95])
    if hi <= lo:
        lo, hi = float(finite.min()), float(finite.max())
    scaled = (column - lo) / (hi - lo) if hi > lo else np.full(column.shape, 0.5)
    colour = np.clip(scaled, 0, 1).astype(np.float32)
    colour[~np.isfinite(column)] = np.nan
    return colour, None, (float(finite.min()), float(finite.max()))


def dependence(
    feature: str,
    values: np.ndarray,
    X: np.ndarray,
    features: list[FeatureSpec],
    unit: Unit,
    rows: np.ndarray | None = None,
    colour_by: str | None = "auto",
    output: int = 0,
    output_name: str = "",
    seed: int = 0,
    max_points: int | None = None,
) -> DependenceData:
    """Dots for `rows` (all by default). values is (n_rows, n_features, n_outputs) or
    (n_rows, n_features); colour_by is a feature name, "auto" (strongest interaction) or None.

    With `max_points`, more dots than that are cut to a stratified sample over the SHAP values
    (`stratified_sample`); `total` keeps how many rows they stand for."""
    names = [f.name for f in features]
    j = names.index(feature)
    v = values[:, :, output] if values.ndim == 3 else values
    rows = np.arange(X.shape[0], dtype=np.int64) if rows is None else np.asarray(rows, np.int64)
    spec = features[j]
    x_all = X[rows, j]
    shap = np.asarray(v[rows, j], dtype=np.float32)
    order = _interaction_order(j, v, X, rows, seed)
    interactions = [names[i] for i in order if i != j]
    if colour_by == "auto":
        colour_by = interactions[0] if interactions else None
    categories = None
    missing = ~np.isfinite(x_all)
    if spec.is_categorical:
        categories = list(spec.categories or [])
        if missing.any():
            categories.append("missing")
        codes = np.where(missing, len(categories) - 1, x_all)
        jitter = np.random.default_rng(seed).uniform(-JITTER, JITTER, rows.size)
        x = codes + jitter
        keep = np.ones(rows.size, dtype=bool)
    else:
        x = x_all
        keep = ~missing
    colour = np.full(rows.size, np.nan, np.float32)
    colour_categories = colour_range = colour_values = None
    if colour_by is not None:
        c = names.index(colour_by)
        colour_values = X[rows, c]
        colour, colour_categories, colour_range = _colour(colour_values, features[c])
    kept = np.flatnonzero(keep)
    total = int(kept.size)
    if max_points is not None and kept.size > max_points:
        kept = kept[stratified_sample(shap[kept], max_points, seed)]
    return DependenceData(
        feature,
        x[kept],
        shap[kept],
        rows[kept],
        colour[kept],
        colour_by,
        unit,
        categories,
        colour_categories,
        colour_range,
        interactions,
        int((~keep).sum()),
        output_name,
        total,
        colour_values=None if colour_values is None else colour_values[kept],
    )
