"""Exact, mergeable 2-D histograms of (feature value, SHAP value) without a first pass.

Each partition bins its own rows on a grid whose bin width is a power of two and whose edges sit
on multiples of that width. Two such grids always nest: merging doubles the finer width until
both agree and adds counts bin for bin, so the merged histogram over all partitions is exactly
the histogram one machine would have built on the merged grid — no data is seen twice and
no quantile sketch approximates anything. Rows whose feature value is missing (NaN or ±inf) are
counted in a separate SHAP-only histogram so they stay visible.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

MAX_BINS = 64
# Keep bin indices below 2**50 so they are exact in float64 and never overflow int64.
_INDEX_BITS = 50


def _floor_scaled(value: float, exp: int) -> int:
    """floor(value / 2**exp), exact for tiny negative values that scale to -0.0."""
    scaled = math.floor(math.ldexp(value, -exp))
    return -1 if value < 0 and scaled >= 0 else scaled


@dataclass(frozen=True)
class Axis:
    """Bins [ (start + i) * 2**exp, (start + i + 1) * 2**exp ) for i in range(n)."""

    exp: int
    start: int
    n: int
    max_bins: int = MAX_BINS

    @staticmethod
    def fit(lo: float, hi: float, max_bins: int = MAX_BINS) -> Axis:
        """The finest power-of-two grid covering [lo, hi] with at most max_bins bins."""
        magnitude = max(abs(lo), abs(hi))
        floor_exp = (math.frexp(magnitude)[1] - _INDEX_BITS) if magnitude > 0 else -60
        span = hi - lo
        # floor(log2(span / max_bins)) without dividing: the division underflows to 0 for
        # subnormal spans, which would pick a far too coarse grid for this partition only.
        bins_log2 = (max_bins - 1).bit_length()
        exp = math.frexp(span)[1] - 1 - bins_log2 if span > 0 else floor_exp
        exp = max(exp, floor_exp, -1060)
        while True:
            start = _floor_scaled(lo, exp)
            stop = _floor_scaled(hi, exp)
            if stop - start + 1 <= max_bins:
                return Axis(exp, start, stop - start + 1, max_bins)
            exp += 1

    @staticmethod
    def codes(n_categories: int) -> Axis:
        """One bin per category code; never coarsened, so categories are never merged."""
        return Axis(0, 0, max(n_categories, 1), max(n_categories, 1))

    def index(self, x: np.ndarray) -> np.ndarray:
        """Bin of each (finite) x, relative to this axis' first bin."""
        scaled = np.floor(np.ldexp(x, -self.exp))
        # A tiny negative x can round to -0.0 when scaled, but it lies below 0: bin -1 or lower.
        scaled[(x < 0) & (scaled >= 0)] = -1.0
        return scaled.astype(np.int64) - self.start

    def edges(self) -> np.ndarray:
        return np.ldexp(np.arange(self.start, self.start + self.n + 1, dtype=np.float64), self.exp)

    def union(self, other: Axis) -> Axis:
        exp = max(self.exp, other.exp)
        start = min(self.start >> (exp - self.exp), other.start >> (exp - other.exp))
        stop = max(
            (self.start + self.n - 1) >> (exp - self.exp),
            (other.start + other.n - 1) >> (exp - other.exp),
        )
        max_bins = max(self.max_bins, other.max_bins)
        while stop - start + 1 > max_bins:
            exp, start, stop = exp + 1, start >> 1, stop >> 1
        return Axis(exp, start, stop - start + 1, max_bins)

    def mapping_to(self, target: Axis) -> np.ndarray:
        """For each of this axis' bins, the target bin it falls in (target is coarser or equal)."""
        shift = target.exp - self.exp
        return (np.arange(self.start, self.start + self.n, dtype=np.int64) >> shift) - target.start


@dataclass
class Histogram2D:
    """Counts of (value, shap) pairs; `missing` counts SHAP values of rows with no value."""

    x: Axis
    y: Axis
    counts: np.ndarray  # int64 (x.n, y.n)
    missing: np.ndarray  # int64 (y.n,)

    @staticmethod
    def build(
        value: np.ndarray, shap: np.ndarray, n_categories: int = 0, max_bins: int = MAX_BINS
    ) -> Histogram2D:
        shap = np.asarray(shap, dtype=np.float64)
        present = np.isfinite(value)
        if n_categories:
            present &= (value >= 0) & (value < n_categories)
        y = (
            Axis.fit(float(shap.min()), float(shap.max()), max_bins)
            if shap.size
            else Axis.fit(0.0, 0.0, max_bins)
        )
        if n_categories:
            x = Axis.codes(n_categories)
        elif present.any():
            xs = value[present]
            x = Axis.fit(float(xs.min()), float(xs.max()), max_bins)
        else:
            x = Axis.fit(0.0, 0.0, max_bins)
        iy = y.index(shap)
        ix = x.index(value[present])
        flat = np.bincount(ix * y.n + iy[present], minlength=x.n * y.n)
        missing = np.bincount(iy[~present], minlength=y.n)
        return Histogram2D(x, y, flat.reshape(x.n, y.n).astype(np.int64), missing.astype(np.int64))

    def regrid(self, x: Axis, y: Axis) -> Histogram2D:
        mx, my = self.x.mapping_to(x), self.y.mapping_to(y)
        counts = np.zeros((x.n, y.n), dtype=np.int64)
        np.add.at(counts, (mx[:, None], my[None, :]), self.counts)
        missing = np.zeros(y.n, dtype=np.int64)
        np.add.at(missing, my, self.missing)
        return Histogram2D(x, y, counts, missing)

    def merge(self, other: Histogram2D) -> Histogram2D:
        x, y = self.x.union(other.x), self.y.union(other.y)
        a, b = self.regrid(x, y), other.regrid(x, y)
        return Histogram2D(x, y, a.counts + b.counts, a.missing + b.missing)

    @property
    def total(self) -> int:
        return int(self.counts.sum() + self.missing.sum())
