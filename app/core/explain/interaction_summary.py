"""A summary of interaction values streamed chunk by chunk: nothing of size n x M x M is kept.

- mean |interaction| per ordered pair and output (M, M, n_outputs), over every row added;
- per kept pair (i, j, output) a 2-D histogram for the interaction dependence plot:
  x = feature i's value in X_BINS bins plus one last bin for missing values, y = the interaction
  value Phi_ij in 2 * Y_BINS_PER_SIDE linear bins over [-R, R], and per cell the sum of feature
  j's colour position (0..1, its bin over its own x bins; 0.5 when missing) so a plot can colour
  cells by the mean of j.

Bounded layout. x edges are fixed up front from the whole X (one bin per distinct value when a
feature has at most X_BINS of them, e.g. categorical codes; quantile edges otherwise). R is a
power of two, the smallest covering max |Phi_ij| seen so far; when a chunk exceeds it, R doubles
and neighbouring bins merge exactly, so the final histogram is the one a second pass at the
final R would give, whatever the chunk order. Histograms are kept for every ordered pair
(including the diagonal: x = feature i, y = its main effect) when M * M * outputs <= max_pairs;
otherwise for the max_pairs pairs with the largest mean |interaction| in the FIRST chunk added
(iter_interactions makes it a random sample of rows), which the summary records in `pairs`.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass

import numpy as np
from numba import njit

from app.core.base.types import Unit
from app.core.explain.interactions import InteractionProgress
from app.core.explain.models.base import ModelAdapter

X_BINS = 32
Y_BINS_PER_SIDE = 32
# 2,500 ordered pairs (50 features, one output) x 33 x 64 cells: 21 MB of counts + colours.
MAX_PAIRS = 2_500


@dataclass
class PairHistogram:
    """Plot-ready 2-D histogram of one pair: counts[x_bin, y_bin], last x bin = missing."""

    x_edges: np.ndarray  # (n_x + 1,) feature i's bin edges; bin n_x holds missing values
    y_edges: np.ndarray  # (2 * Y_BINS_PER_SIDE + 1,) interaction value edges
    counts: np.ndarray  # int64 (n_x + 1, 2 * Y_BINS_PER_SIDE)
    mean_colour: np.ndarray  # float64 same shape, mean of feature j's position 0..1, NaN if empty


@dataclass
class InteractionSummary:
    """Mean |interaction| over the rows added, and the kept pairs' dependence histograms."""

    mean_abs: np.ndarray  # float64 (M, M, n_outputs)
    n_rows: int
    feature_names: list[str]
    output_names: list[str]
    unit: Unit
    pairs: np.ndarray  # int64 (P, 3): feature i, feature j, output k of each kept histogram
    x_edges: list[np.ndarray]  # per feature, its x bin edges
    y_range: np.ndarray  # float64 (P,): R of each kept pair, y edges linspace(-R, R)
    counts: np.ndarray  # int64 (P, X_BINS + 1, 2 * Y_BINS_PER_SIDE), fewer x bins unused
    colour_sum: np.ndarray  # float64 like counts

    def main_effects(self) -> np.ndarray:
        """The diagonal (M, n_outputs): mean |main effect| of each feature."""
        idx = np.arange(self.mean_abs.shape[0])
        return self.mean_abs[idx, idx]

    def histogram(self, i: int, j: int, k: int = 0) -> PairHistogram | None:
        """The pair's histogram, or None when the pair was not kept (see module docstring)."""
        hit = np.flatnonzero(
            (self.pairs[:, 0] == i) & (self.pairs[:, 1] == j) & (self.pairs[:, 2] == k)
        )
        if hit.size == 0:
            return None
        p = int(hit[0])
        n_x = self.x_edges[i].size - 1
        counts = np.concatenate([self.counts[p, :n_x], self.counts[p, X_BINS : X_BINS + 1]])
        colour = np.concatenate([self.colour_sum[p, :n_x], self.colour_sum[p, X_BINS : X_BINS + 1]])
        with np.errstate(invalid="ignore", divide="ignore"):
            mean_colour = np.where(counts > 0, colour / np.maximum(counts, 1), np.nan)
        r = float(self.y_range[p])
        return PairHistogram(
            x_edges=self.x_edges[i].copy(),
            y_edges=np.linspace(-r, r, 2 * Y_BINS_PER_SIDE + 1),
            counts=counts.astype(np.int64),
            mean_colour=mean_colour,
        )


def feature_edges(column: np.ndarray, n_bins: int = X_BINS) -> np.ndarray:
    """Bin edges for one feature: one bin per distinct value if few, else quantile bins."""
    finite = column[np.isfinite(column)]
    if finite.size == 0:
        return np.array([0.0, 1.0])
    distinct = np.unique(finite)
    if distinct.size <= n_bins:
        mids = (distinct[1:] + distinct[:-1]) / 2
        return np.concatenate([[distinct[0] - 0.5], mids, [distinct[-1] + 0.5]])
    edges = np.unique(np.quantile(finite, np.linspace(0, 1, n_bins + 1)))
    return edges if edges.size >= 2 else np.array([distinct[0], distinct[-1]])


def _x_bins(X: np.ndarray, edges: list[np.ndarray]) -> np.ndarray:
    """(n, M) int64 bin of each value; missing values in bin X_BINS."""
    out = np.empty(X.shape, np.int64)
    for f, e in enumerate(edges):
        col = X[:, f]
        b = np.clip(np.searchsorted(e, col, side="right") - 1, 0, e.size - 2)
        out[:, f] = np.where(np.isnan(col), X_BINS, b)
    return out


@njit(nogil=True, cache=True)
def _add_histograms(values, pairs, xbin, n_xbins, counts, colour, y_range, per_side):
    """Add a chunk to each kept pair's histogram, doubling the pair's R (merging bins) first
    when the chunk holds a larger |value|."""
    n = values.shape[0]
    missing = counts.shape[1] - 1
    for p in range(pairs.shape[0]):
        i, j, k = pairs[p, 0], pairs[p, 1], pairs[p, 2]
        top = 0.0
        for r in range(n):
            top = max(top, abs(values[r, i, j, k]))
        r_old = y_range[p]
        if top >= r_old and top > 0.0:
            # R stays a power of two strictly above every |value|: then halving the scale maps
            # bin b to b >> 1 exactly, and the final bins do not depend on the chunk order
            r_new = r_old if r_old > 0 else 2.0 ** np.floor(np.log2(top))
            while r_new <= top:
                r_new *= 2.0
            if r_old > 0:
                shift = int(np.round(np.log2(r_new / r_old)))
                for xb in range(counts.shape[1]):
                    merged_c = np.zeros(2 * per_side, np.int64)
                    merged_s = np.zeros(2 * per_side)
                    for b in range(per_side):
                        nb = b >> shift
                        merged_c[per_side + nb] += counts[p, xb, per_side + b]
                        merged_s[per_side + nb] += colour[p, xb, per_side + b]
                        merged_c[per_side - 1 - nb] += counts[p, xb, per_side - 1 - b]
                        merged_s[per_side - 1 - nb] += colour[p, xb, per_side - 1 - b]
                    counts[p, xb] = merged_c
                    colour[p, xb] = merged_s
            y_range[p] = r_new
        scale = per_side / y_range[p] if y_range[p] > 0 else 0.0
        for r in range(n):
            v = values[r, i, j, k]
            b = min(int(abs(v) * scale), per_side - 1)
            yb = per_side + b if v >= 0 else per_side - 1 - b
            xj = xbin[r, j]
            c = 0.5 if xj == missing else (xj + 0.5) / n_xbins[j]
            counts[p, xbin[r, i], yb] += 1
            colour[p, xbin[r, i], yb] += c


class InteractionAccumulator:
    """Builds an InteractionSummary from InteractionProgress chunks (`add`), any order.

    One thread adds while another may call `summary()`: both take a short lock and summary()
    returns copies.
    """

    def __init__(self, model: ModelAdapter, X: np.ndarray, max_pairs: int = MAX_PAIRS) -> None:
        self.feature_names = list(model.feature_names)
        self.output_names = list(model.output_names)
        self.unit = model.unit
        self._X = X
        m, k = len(self.feature_names), len(self.output_names)
        self._abs_sum = np.zeros((m, m, k))
        self._n = 0
        self._edges = [feature_edges(np.asarray(X[:, f], np.float64)) for f in range(m)]
        self._n_xbins = np.array([e.size - 1 for e in self._edges], np.int64)
        self._max_pairs = max_pairs
        self._pairs: np.ndarray | None = None
        if m * m * k <= max_pairs:
            grid = np.indices((m, m, k)).reshape(3, -1).T
            self._set_pairs(grid.astype(np.int64))
        self._lock = threading.Lock()

    def _set_pairs(self, pairs: np.ndarray) -> None:
        self._pairs = np.ascontiguousarray(pairs, np.int64)
        shape = (pairs.shape[0], X_BINS + 1, 2 * Y_BINS_PER_SIDE)
        self._counts = np.zeros(shape, np.int64)
        self._colour = np.zeros(shape)
        self._y_range = np.zeros(pairs.shape[0])

    def _choose_pairs(self, values: np.ndarray) -> None:
        """Top max_pairs (i, j, k) by this chunk's mean |value|; diagonal and both orders count."""
        mean = np.abs(values).mean(axis=0, dtype=np.float64)
        flat = np.argsort(-mean.reshape(-1), kind="stable")[: self._max_pairs]
        self._set_pairs(np.stack(np.unravel_index(flat, mean.shape), axis=1))

    def add(self, progress: InteractionProgress) -> None:
        values = np.ascontiguousarray(progress.values, dtype=np.float32)
        chunk_sum = np.abs(values).sum(axis=0, dtype=np.float64)
        xbin = _x_bins(np.asarray(self._X[progress.rows], np.float64), self._edges)
        with self._lock:
            if self._pairs is None:
                self._choose_pairs(values)
            _add_histograms(
                values,
                self._pairs,
                xbin,
                self._n_xbins,
                self._counts,
                self._colour,
                self._y_range,
                Y_BINS_PER_SIDE,
            )
            self._abs_sum += chunk_sum
            self._n += progress.rows.size

    def summary(self) -> InteractionSummary:
        with self._lock:
            empty = np.zeros((0, X_BINS + 1, 2 * Y_BINS_PER_SIDE))
            have = self._pairs is not None
            return InteractionSummary(
                mean_abs=self._abs_sum / max(self._n, 1),
                n_rows=self._n,
                feature_names=list(self.feature_names),
                output_names=list(self.output_names),
                unit=self.unit,
                pairs=self._pairs.copy() if have else np.zeros((0, 3), np.int64),
                x_edges=[e.copy() for e in self._edges],
                y_range=self._y_range.copy() if have else np.zeros(0),
                counts=self._counts.copy() if have else empty.astype(np.int64),
                colour_sum=self._colour.copy() if have else empty,
            )


def summarise_interactions(
    model: ModelAdapter,
    X: np.ndarray,
    rows: np.ndarray | None = None,
    cancel: threading.Event | None = None,
    max_pairs: int = MAX_PAIRS,
) -> InteractionSummary:
    """Run iter_interactions over `rows` (default all) into one summary (CLI, tests)."""
    from app.core.explain.interactions import iter_interactions

    acc = InteractionAccumulator(model, X, max_pairs)
    for progress in iter_interactions(model, X, rows, cancel):
        acc.add(progress)
    return acc.summary()
