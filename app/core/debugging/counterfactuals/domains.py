"""The values a feature may take in a counterfactual: one per region the trees can tell apart.

Only the model's own thresholds matter: between two consecutive thresholds every value routes
through every tree the same way. So each feature gets the original value plus, per interval (or
per category group with the same routing), the one plausible value nearest the original:
inside the observed range (or the user's), an integer if the column only holds integers, a
category seen in the data, rounded to the fewest digits that stay in the interval. Its cost is
the distance from the original in units of the column's median absolute deviation.
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass, field

import numpy as np

from app.core.debugging.counterfactuals.trees import Router, Split

MAX_DIGITS = 12


@dataclass
class Domain:
    """Candidate values of one feature; index 0 is always the row's original value."""

    feature: int
    values: list[float]
    costs: list[float]  # 0 for the original; normalised distance otherwise
    routes: list[tuple[bool, ...]]  # per value: goes_left of each of `splits`
    splits: list[Split] = field(default_factory=list)

    @property
    def fixed(self) -> bool:
        return len(self.values) == 1


def robust_scale(column: np.ndarray) -> float:
    """Median absolute deviation; falls back to mean absolute deviation, then 1, when a column
    is mostly one value (capital gain is 0 for most people: its MAD is 0)."""
    finite = column[np.isfinite(column)]
    if finite.size == 0:
        return 1.0
    median = float(np.median(finite))
    deviation = np.abs(finite - median)
    for scale in (float(np.median(deviation)), float(deviation.mean())):
        if scale > 0:
            return scale
    return 1.0


def is_integer_column(column: np.ndarray) -> bool:
    finite = column[np.isfinite(column)]
    return bool(finite.size) and bool(np.all(finite == np.round(finite)))


@dataclass
class FeatureStats:
    """What the search needs to know of one column, computed once per dataset."""

    scale: float  # robust spread: the unit of distance
    integer: bool
    bounds: tuple[float, float] | None  # finite min and max; None when the column has none
    codes: list[float]  # categorical: observed codes, most common first


def feature_stats(X: np.ndarray, categorical: list[bool]) -> list[FeatureStats]:
    """One FeatureStats per column of X (a pass over the data: do it once per dataset)."""
    stats = []
    for j, is_cat in enumerate(categorical):
        column = X[:, j]
        finite = column[np.isfinite(column)]
        bounds = (float(finite.min()), float(finite.max())) if finite.size else None
        codes: list[float] = []
        if is_cat and finite.size:
            values, counts = np.unique(finite, return_counts=True)
            codes = values[np.argsort(-counts, kind="stable")].tolist()
        stats.append(FeatureStats(robust_scale(finite), is_integer_column(finite), bounds, codes))
    return stats


def _nearest_in(
    target: tuple[bool, ...], low: float, high: float, integer: bool, router: Router,
    anchor: float, upward: bool, scale: float,
) -> float | None:  # fmt: skip
    """The value with routing `target` nearest the interval's edge `anchor` (approached from
    below when `upward`), with as few decimals as will do: the original lies beyond that edge,
    so this is the value nearest the original too. Decimals start where a step is at most a
    hundredth of the column's spread, so rounding never adds more than that to the distance."""
    first = max(0, math.ceil(-math.log10(scale / 100))) if scale > 0 else 0
    digits = range(1) if integer else range(min(first, MAX_DIGITS), MAX_DIGITS + 1)
    for d in digits:
        step = 10.0**-d
        base = (math.ceil(anchor / step) if upward else math.floor(anchor / step)) * step
        tries = (base, base + step) if upward else (base, base - step)
        for v in tries:
            v = round(v, d)
            if low <= v <= high and router.route(v) == target:
                return v
    if integer:
        return None
    with np.errstate(over="ignore"):
        v = float(np.nextafter(np.float32(anchor), np.float32(np.inf if upward else -np.inf)))
    return v if low <= v <= high and router.route(v) == target else None


def numeric_domain(
    j: int, x0: float, splits: list[Split], stats: FeatureStats, bounds: tuple[float, float],
    direction: int = 0,
) -> Domain:  # fmt: skip
    """Original value first, then one value per interval between the feature's thresholds.

    `direction` +1 allows only increases, -1 only decreases, 0 both."""
    low, high = bounds
    integer, scale = stats.integer, stats.scale
    router = Router(splits)
    domain = Domain(j, [x0], [0.0], [router.route(x0)], list(splits))
    thresholds = sorted({s.threshold for s in splits if not math.isnan(s.threshold)})
    edges = [-math.inf, *thresholds, math.inf]
    seen = {domain.routes[0]}
    for a, b in itertools.pairwise(edges):
        lo_i, hi_i = max(a, low), min(b, high)
        if lo_i > hi_i:
            continue
        mid = (lo_i + hi_i) / 2
        target = router.route(mid)
        if target in seen:
            continue
        upward = math.isnan(x0) or x0 < mid
        anchor = lo_i if upward else hi_i
        value = _nearest_in(target, low, high, integer, router, anchor, upward, scale)
        if value is None or (direction > 0 and value < x0) or (direction < 0 and value > x0):
            continue
        seen.add(target)
        domain.values.append(value)
        domain.costs.append(1.0 if math.isnan(x0) else abs(value - x0) / scale)
        domain.routes.append(target)
    return domain


def fixed_domain(j: int, x0: float, splits: list[Split]) -> Domain:
    """A locked feature: its original value only."""
    return Domain(j, [x0], [0.0], [Router(splits).route(x0)], list(splits))


def categorical_domain(
    j: int, x0: float, splits: list[Split], stats: FeatureStats, n_labels: int | None
) -> Domain:
    """Original category first, then the most common observed category of each routing."""
    router = Router(splits)
    domain = Domain(j, [x0], [0.0], [router.route(x0)], list(splits))
    seen = {domain.routes[0]}
    for code in stats.codes:
        if code < 0 or code != int(code) or (n_labels and code >= n_labels):
            continue
        route = router.route(float(code))
        if route in seen:
            continue
        seen.add(route)
        domain.values.append(float(code))
        domain.costs.append(1.0)
        domain.routes.append(route)
    return domain
