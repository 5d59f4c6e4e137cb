"""A brute-force path-dependent TreeSHAP, independent of the engine: for tests only.

For one tree and one row, E[f | S] follows the row where the split's feature is in S and
averages the children by cover otherwise; Shapley values then come from every subset of the
tree's features (so only trees with a handful of features are affordable).
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable

import numpy as np


def tree_shap(
    left: np.ndarray,
    right: np.ndarray,
    feature: np.ndarray,
    cover: np.ndarray,
    value: np.ndarray,
    goes_left: Callable[[int], bool],
    n_features: int,
) -> np.ndarray:
    """phi per feature for one row; goes_left(node) is the library's own routing of the row."""

    def expect(node: int, known: frozenset[int]) -> float:
        if left[node] < 0:
            return float(value[node])
        if int(feature[node]) in known:
            return expect(int(left[node] if goes_left(node) else right[node]), known)
        a, b = int(left[node]), int(right[node])
        return (cover[a] * expect(a, known) + cover[b] * expect(b, known)) / cover[node]

    used = sorted({int(f) for f, lf in zip(feature, left, strict=True) if lf >= 0})
    m = len(used)
    phi = np.zeros(n_features)
    memo: dict[frozenset[int], float] = {}

    def e(known: frozenset[int]) -> float:
        if known not in memo:
            memo[known] = expect(0, known)
        return memo[known]

    for i in used:
        others = [f for f in used if f != i]
        for size in range(m):
            weight = math.factorial(size) * math.factorial(m - size - 1) / math.factorial(m)
            for subset in itertools.combinations(others, size):
                s = frozenset(subset)
                phi[i] += weight * (e(s | {i}) - e(s))
    return phi
