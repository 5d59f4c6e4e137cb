"""A tree ensemble in the one shape the counterfactual search reads, whatever its framework.

Each framework compares a feature with a threshold in its own way (LightGBM `x <= t` in double
with its missing-value rules, XGBoost `float32(x) < t`, scikit-learn `float32(x) <= t`); a Split
records which, so that routing a candidate value here gives exactly the branch the model takes.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

# LightGBM's `kZeroThreshold` (1e-35f widened to double): smaller magnitudes read as 0.
ZERO_THRESHOLD = float(np.float32(1e-35))


def as_float32(x: float) -> float:
    """x as the model reads it in single precision (beyond its range: ±inf, silently)."""
    with np.errstate(over="ignore"):
        return float(np.float32(x))


@dataclass(frozen=True)
class Split:
    """One internal node's test on `feature`."""

    feature: int
    threshold: float = math.nan
    strict: bool = False  # True: left when x < t (XGBoost); False: left when x <= t
    float32: bool = False  # the model compares float32(x) (XGBoost, classic scikit-learn trees)
    default_left: bool = True  # where a missing value goes (when the model routes it)
    categories: frozenset[int] | None = None  # categorical: the codes in this set take `in_left`
    in_left: bool = True  # categorical: listed codes go left (LightGBM) or right (XGBoost)
    lightgbm: bool = False  # LightGBM's rules: tiny |x| is 0; missing type decides NaN/zero
    missing_type: int = 2  # LightGBM: 0 none (NaN is 0), 1 zero (0 is missing), 2 NaN

    @property
    def is_categorical(self) -> bool:
        return self.categories is not None

    def goes_left(self, x: float) -> bool:
        """The branch the model takes for value x of this node's feature."""
        if self.lightgbm:
            return self._lightgbm_left(x)
        if math.isnan(x):
            return self.default_left
        if self.categories is not None:
            listed = x >= 0 and int(x) == x and int(x) in self.categories
            return listed == self.in_left
        value = as_float32(x) if self.float32 else x
        return value < self.threshold if self.strict else value <= self.threshold

    def _lightgbm_left(self, x: float) -> bool:
        if -ZERO_THRESHOLD <= x <= ZERO_THRESHOLD:
            x = 0.0
        if self.categories is not None:
            if math.isnan(x) or x <= -1.0 or x >= 2147483648.0:
                return False
            return int(x) in self.categories
        if math.isnan(x):
            if self.missing_type == 2:
                return self.default_left
            x = 0.0
        if self.missing_type == 1 and x == 0.0:
            return self.default_left
        return x <= self.threshold


@dataclass
class Tree:
    """Node 0 is the root. A child >= 0 is an internal node, a child c < 0 is leaf ~c.

    A tree with no split has `splits == []` and its single leaf 0."""

    splits: list[Split]
    left: list[int]
    right: list[int]
    leaf_values: np.ndarray  # float64 (n_leaves, n_outputs): what each leaf adds to each output

    @property
    def n_leaves(self) -> int:
        return int(self.leaf_values.shape[0])

    def leaf_of(self, x: np.ndarray) -> int:
        if not self.splits:
            return 0
        node = 0
        while node >= 0:
            split = self.splits[node]
            node = self.left[node] if split.goes_left(float(x[split.feature])) else self.right[node]
        return ~node


@dataclass
class Ensemble:
    """The trees and a constant: raw output = offset + sum of the reached leaves' values."""

    trees: list[Tree]
    n_features: int
    n_outputs: int
    offset: np.ndarray  # (n_outputs,)
    _by_feature: dict[int, list[Split]] | None = field(default=None, repr=False)

    def raw(self, x: np.ndarray) -> np.ndarray:
        total = self.offset.astype(np.float64).copy()
        for tree in self.trees:
            total += tree.leaf_values[tree.leaf_of(x)]
        return total

    def splits_by_feature(self) -> dict[int, list[Split]]:
        """Every distinct split of every feature the model uses (computed once: each row's
        search asks for it)."""
        if self._by_feature is not None:
            return self._by_feature
        found: dict[int, dict[Split, None]] = {}
        for tree in self.trees:
            for split in tree.splits:
                found.setdefault(split.feature, {})[split] = None
        self._by_feature = {j: list(splits) for j, splits in sorted(found.items())}
        return self._by_feature


class Router:
    """Where one value of a feature goes at each of its splits, for many splits at once.

    The same rules as Split.goes_left, vectorised over the numeric splits (building a feature's
    candidate values asks this tens of thousands of times per row)."""

    def __init__(self, splits: list[Split]) -> None:
        self.splits = splits
        numeric = [i for i, s in enumerate(splits) if s.categories is None]
        self._numeric = np.array(numeric, dtype=np.int64)
        self._categorical = [i for i, s in enumerate(splits) if s.categories is not None]
        pick = [splits[i] for i in numeric]
        self._t = np.array([s.threshold for s in pick], dtype=np.float64)
        self._strict = np.array([s.strict for s in pick], dtype=bool)
        self._f32 = np.array([s.float32 for s in pick], dtype=bool)
        self._default = np.array([s.default_left for s in pick], dtype=bool)
        self._lgbm = np.array([s.lightgbm for s in pick], dtype=bool)
        self._missing = np.array([s.missing_type for s in pick], dtype=np.int64)

    def route(self, x: float) -> tuple[bool, ...]:
        out = np.zeros(len(self.splits), dtype=bool)
        if self._numeric.size:
            out[self._numeric] = self._numeric_left(x)
        for i in self._categorical:
            out[i] = self.splits[i].goes_left(x)
        return tuple(out.tolist())

    def _numeric_left(self, x: float) -> np.ndarray:
        if math.isnan(x):
            # LightGBM reads NaN as 0 unless its missing type is NaN
            zero = self._lgbm & (self._missing != 2)
            left = self._default.copy()
            left[zero] = np.where(
                self._missing[zero] == 1, self._default[zero], self._t[zero] >= 0.0
            )
            return left
        value = np.where(self._f32, as_float32(x), x)
        plain = np.where(self._strict, value < self._t, value <= self._t)
        if not self._lgbm.any():
            return plain
        lx = 0.0 if -ZERO_THRESHOLD <= x <= ZERO_THRESHOLD else x
        lgbm = np.where((self._missing == 1) & (lx == 0.0), self._default, lx <= self._t)
        return np.where(self._lgbm, lgbm, plain)
