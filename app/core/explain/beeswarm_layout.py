"""Beeswarm layout and colouring: where each dot of a per-row SHAP plot goes and its colour.

Qt-free and plot-ready: lanes carry x positions, vertical offsets, a numeric colour scale or,
for categorical features, palette groups and the legend that names them.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from app.core.base.types import Unit
from app.core.explain.models.base import FeatureSpec

# A categorical lane colours its most frequent categories from a qualitative palette; the rest
# share one "other" colour. Group codes per row: 0..MAX_CATEGORY_COLOURS-1, GROUP_OTHER, GROUP_MISSING.
MAX_CATEGORY_COLOURS = 7
GROUP_OTHER = -2
GROUP_MISSING = -1


@dataclass
class CategoryEntry:
    """One legend entry of a categorical lane: which rows it covers and which way they push."""

    label: str  # the category, "other (n)" or "missing"
    group: int  # palette slot 0..MAX_CATEGORY_COLOURS-1 (0 = most frequent), GROUP_OTHER/MISSING
    rows: int
    mean_shap: float  # NaN when no row has it


@dataclass
class BeeswarmLane:
    feature: str
    shap: np.ndarray  # float32 x positions
    offset: np.ndarray  # float32 vertical offsets within the lane, in [-0.4, 0.4]
    # Numeric lanes: float32 in [0, 1] (low → high value), NaN for missing. Categorical lanes:
    # all NaN, since categories have no order; their colour comes from `group`.
    colour: np.ndarray
    categories: list[str] | None = None  # categorical features: every label, in code order
    value_range: tuple[float, float] | None = None  # numeric features: raw min and max
    group: np.ndarray | None = None  # categorical: int8 legend group of each row (see above)
    legend: list[CategoryEntry] | None = None  # categorical: by mean SHAP, then other, missing
    # Numeric: the values at the scale's low and high ends (5th and 95th percentile), so a
    # dot's colour can be read back as a value when hovered.
    colour_scale: tuple[float, float] | None = None

    @property
    def is_categorical(self) -> bool:
        return self.group is not None

    @property
    def n_missing(self) -> int:
        if self.group is not None:
            return int(np.count_nonzero(self.group == GROUP_MISSING))
        return int(np.count_nonzero(~np.isfinite(self.colour)))


@dataclass
class BeeswarmData:
    lanes: list[BeeswarmLane]  # top lane first (most important)
    unit: Unit
    rows_total: int
    output_name: str = ""
    rows: np.ndarray | None = None  # dataset row of each point (index i in every lane); None: i

    @property
    def n_points(self) -> int:
        return int(self.lanes[0].shap.size) if self.lanes else 0

    def row_of(self, i: int) -> int:
        return int(self.rows[i]) if self.rows is not None else int(i)

    @property
    def title(self) -> str:
        n = self.n_points
        if n < self.rows_total:
            return f"SHAP values per row — estimate from {n:,} of {self.rows_total:,} rows"
        return f"SHAP values per row, {n:,} rows"


def _swarm_offsets(x: np.ndarray, bins: int = 120, width: float = 0.4) -> np.ndarray:
    """Spread points vertically by how crowded their x bin is (shap's layout, vectorised)."""
    n = x.size
    if n == 0:
        return np.zeros(0, np.float32)
    lo, hi = float(np.nanmin(x)), float(np.nanmax(x))
    span = hi - lo if hi > lo else 1.0
    bin_of = np.clip(((x - lo) / span * bins).astype(np.int64), 0, bins - 1)
    # A stable sort of 16-bit keys is a radix sort: ~10x faster than on int64 at 1M rows.
    order = np.argsort(bin_of.astype(np.int16), kind="stable")
    counts = np.bincount(bin_of, minlength=bins)
    starts = np.concatenate(([0], np.cumsum(counts)[:-1]))
    rank = np.empty(n, np.int64)
    rank[order] = np.arange(n) - starts[bin_of[order]]
    # 0, +1, -1, +2, -2 ... so each bin grows symmetrically around the lane's centre line
    signed = np.where(rank % 2 == 1, (rank + 1) // 2, -(rank // 2)).astype(np.float64)
    peak = max(int(counts.max()) // 2, 1)
    return (signed / peak * width).astype(np.float32)


def _category_groups(
    codes: np.ndarray, labels: list[str], shap: np.ndarray
) -> tuple[np.ndarray, list[CategoryEntry]]:
    """Colour groups for a categorical lane: up to 8 categories get a colour each; with more,
    the 7 most frequent do and the rest share "other".

    Legend entries are ordered by mean SHAP (most negative first), so reading the legend left
    to right follows the lane from "pushes down" to "pushes up"; "other" and "missing" close it.
    """
    n_labels = len(labels)
    known = np.isfinite(codes) & (codes >= 0)
    code = np.where(known, codes, -1).astype(np.int64)
    known &= code < n_labels  # a code without a label cannot be named: count it as other
    counts = np.bincount(code[known], minlength=n_labels)
    by_count = [int(c) for c in np.argsort(-counts, kind="stable") if counts[c] > 0]
    if n_labels <= MAX_CATEGORY_COLOURS + 1:
        # Few enough for a colour each (one left over gets one rather than an "other" of one):
        # colour by code, so a category keeps its colour as a partial explanation grows.
        own = list(range(n_labels))
    else:  # the most frequent get colours; ties broken by code order
        own = by_count[:MAX_CATEGORY_COLOURS]
    slot_of = np.full(n_labels + 1, GROUP_OTHER, np.int8)  # index n_labels: unlabelled codes
    for slot, c in enumerate(own):
        slot_of[c] = slot
    group = np.full(codes.shape, GROUP_MISSING, np.int8)
    labelled = np.where(known, code, n_labels)
    finite = np.isfinite(codes)
    group[finite] = slot_of[labelled[finite]]
    # Rows and SHAP sums per group in two passes (not one boolean mask per group: 1M rows).
    shifted = group.astype(np.int64) - GROUP_OTHER  # GROUP_OTHER → 0, GROUP_MISSING → 1, ...
    n_groups = len(own) - GROUP_OTHER
    rows = np.bincount(shifted, minlength=n_groups)
    sums = np.bincount(shifted, weights=shap.astype(np.float64), minlength=n_groups)

    def entry(label: str, g: int) -> CategoryEntry:
        n = int(rows[g - GROUP_OTHER])
        return CategoryEntry(label, g, n, float(sums[g - GROUP_OTHER] / n) if n else float("nan"))

    named = [entry(labels[c], s) for s, c in enumerate(own) if counts[c] > 0]
    legend = sorted(named, key=lambda e: e.mean_shap)
    rest = len(by_count) - len(named)
    if rest or np.count_nonzero(finite & ~known):
        legend.append(entry(f"other ({rest})" if rest else "other", GROUP_OTHER))
    if not finite.all():
        legend.append(entry("missing", GROUP_MISSING))
    return group, legend


Bounds = tuple[float, float]


def _colour_scale(values: np.ndarray) -> tuple[np.ndarray, Bounds | None, Bounds | None]:
    """(colour in 0..1, raw min and max, the values at the scale's ends) of a numeric column."""
    finite = values[np.isfinite(values)]
    if finite.size == 0:
        return np.full(values.shape, np.nan, np.float32), None, None
    # Percentiles, not min/max, so one outlier does not wash the colour out (as shap does).
    lo, hi = np.percentile(finite, [5, 95])  # finite already: no need for the slow nan variant
    if hi <= lo:
        lo, hi = float(finite.min()), float(finite.max())
    scaled = (values - lo) / (hi - lo) if hi > lo else np.full(values.shape, 0.5)
    colour = np.clip(scaled, 0, 1).astype(np.float32)
    colour[~np.isfinite(values)] = np.nan
    return colour, (float(finite.min()), float(finite.max())), (float(lo), float(hi))


def beeswarm(
    values: np.ndarray,
    X: np.ndarray,
    features: list[FeatureSpec],
    frame: pd.DataFrame | None,
    unit: Unit,
    order: list[str],
    max_lanes: int = 15,
    output: int = 0,
    output_name: str = "",
    rows: np.ndarray | None = None,
    rows_total: int | None = None,
) -> BeeswarmData:
    """One lane per feature (in `order`, typically importance order), one dot per row.

    `values` and `X` hold the same rows; `rows` says which dataset rows they are (a partial
    explanation's `Explanation.rows`) and `rows_total` how many the dataset has.
    """
    index = {spec.name: j for j, spec in enumerate(features)}
    lanes = []
    for name in order[:max_lanes]:
        j = index[name]
        x = np.ascontiguousarray(values[:, j, output], dtype=np.float32)
        spec, offset = features[j], _swarm_offsets(x)
        if spec.is_categorical:
            labels = list(spec.categories or [])
            group, legend = _category_groups(X[:, j], labels, x)
            nan = np.full(x.shape, np.nan, np.float32)
            lanes.append(BeeswarmLane(name, x, offset, nan, labels, None, group, legend))
        else:
            colour, value_range, scale = _colour_scale(X[:, j])
            lanes.append(
                BeeswarmLane(name, x, offset, colour, None, value_range, colour_scale=scale)
            )
    total = int(values.shape[0]) if rows_total is None else int(rows_total)
    kept = None if rows is None else np.asarray(rows, dtype=np.int64)
    return BeeswarmData(lanes, unit, total, output_name, kept)
