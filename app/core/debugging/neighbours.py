"""Rows that look alike to the model: nearest neighbours in SHAP space, and row-vs-row diffs.

SHAP space (one vector of contributions per row) groups rows by *why* the model decided, so the
nearest correctly classified rows to a mistake show what tipped the balance for it.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from app.core.base.errors import ShapLensError


class NoNeighboursError(ShapLensError):
    """No row qualifies as a neighbour (filter too narrow, or no correct rows)."""


@dataclass
class FeatureDiff:
    feature: str
    value_a: object  # the row's value (display form)
    value_b: object  # the other row's value, or the neighbours' typical value
    shap_a: float
    shap_b: float

    @property
    def delta(self) -> float:
        return self.shap_a - self.shap_b


@dataclass
class Neighbours:
    row: int
    rows: np.ndarray  # nearest first
    distances: np.ndarray
    differences: list[FeatureDiff]  # largest |SHAP difference| first


def _typical(column: pd.Series) -> object:
    """Median for numbers, most frequent level otherwise — what 'the neighbours' have."""
    if pd.api.types.is_numeric_dtype(column.dtype) and not pd.api.types.is_bool_dtype(column.dtype):
        return float(column.median()) if column.notna().any() else None
    mode = column.mode(dropna=True)
    return mode.iloc[0] if len(mode) else None


def _diffs(
    features: list[str], frame: pd.DataFrame, row: int, other: object, sa: np.ndarray,
    sb: np.ndarray,
) -> list[FeatureDiff]:  # fmt: skip
    out = []
    for j, name in enumerate(features):
        a = frame[name].iloc[row] if name in frame.columns else None
        if isinstance(other, (int, np.integer)):
            b = frame[name].iloc[int(other)] if name in frame.columns else None
        else:
            b = _typical(frame[name].iloc[other]) if name in frame.columns else None  # type: ignore[index]
        out.append(FeatureDiff(name, a, b, float(sa[j]), float(sb[j])))
    out.sort(key=lambda d: -abs(d.delta))
    return out


def nearest_correct(
    row: int,
    values: np.ndarray,
    correct: np.ndarray,
    candidates: np.ndarray,
    frame: pd.DataFrame,
    features: list[str],
    k: int = 5,
    same_label: np.ndarray | None = None,
) -> Neighbours:
    """The k correctly classified rows among `candidates` (e.g. the visible rows) nearest to
    `row` in SHAP space (values: (n_rows, n_features) for one output), and how they differ.

    Pass `same_label` (the label per row) to keep only rows with the same label as `row`: those
    the model got right although their label matches this row's — the most telling contrast."""
    candidates = np.asarray(candidates, dtype=np.int64)
    pool = candidates[correct[candidates] & (candidates != row)]
    if same_label is not None:
        pool = pool[same_label[pool] == same_label[row]]
    if pool.size == 0:
        raise NoNeighboursError(
            "No correctly classified row with the same label in the current filter: widen it."
        )
    v = np.asarray(values, dtype=np.float64)
    d = np.sqrt(((v[pool] - v[row]) ** 2).sum(axis=1))
    take = min(k, pool.size)
    near = np.argpartition(d, take - 1)[:take] if take < pool.size else np.arange(pool.size)
    near = near[np.argsort(d[near], kind="stable")]
    rows = pool[near]
    mean_b = v[rows].mean(axis=0)
    diffs = _diffs(features, frame, row, rows, v[row], mean_b)
    return Neighbours(int(row), rows, d[near], diffs)


def compare_rows(
    a: int, b: int, values: np.ndarray, frame: pd.DataFrame, features: list[str]
) -> list[FeatureDiff]:
    """Feature by feature: both rows' values and SHAP values, largest |difference| first."""
    v = np.asarray(values, dtype=np.float64)
    return _diffs(features, frame, a, int(b), v[a], v[b])
