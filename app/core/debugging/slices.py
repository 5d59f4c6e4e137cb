"""Error analysis: which slices of the data (one feature's bin or level, or a pair of them) the
model gets wrong most often. Each slice carries a filter expression, so clicking it can filter.

Binning: numeric columns by quantiles (missing values form their own slice); categorical and text
columns by level (the most frequent MAX_LEVELS levels; the rest are not sliced on their own).
Everything is one np.bincount per feature or pair, so all pairs of 13 features over 50k rows take
a fraction of a second.
"""

from __future__ import annotations

from dataclasses import dataclass
from itertools import combinations

import numpy as np
import pandas as pd

from app.core.base.formatting import feature_value
from app.core.debugging.filters import quote_column, quote_value

MAX_LEVELS = 30
MIN_RELIABLE = 30  # fewer rows than this and a slice's rate is flagged as unreliable
MAX_CI_WIDTH = 0.2  # a Wilson 95% interval wider than this is unreliable too
_Z = 1.959963984540054


@dataclass
class Binned:
    """One column cut into slices: codes[i] is row i's slice (-1: in no slice)."""

    column: str
    codes: np.ndarray  # int64
    descriptions: list[str]  # "age in [37, 48)", 'sex == "Female"', "workclass is missing"
    expressions: list[str]  # filter-grammar expressions for the same slices


@dataclass
class Slice:
    features: tuple[str, ...]
    description: str
    expression: str
    count: int
    errors: float  # number of mistakes (classification) or total error (regression)
    rate: float  # error rate, or mean error for regression
    lift: float  # rate / overall rate
    ci_low: float
    ci_high: float
    unreliable: bool


def wilson_interval(successes: np.ndarray, n: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """95% Wilson score interval for a proportion (vectorised; n == 0 gives [0, 1])."""
    s = np.asarray(successes, dtype=np.float64)
    n = np.asarray(n, dtype=np.float64)
    safe = np.maximum(n, 1)
    p = s / safe
    denom = 1 + _Z**2 / safe
    centre = (p + _Z**2 / (2 * safe)) / denom
    half = _Z * np.sqrt(p * (1 - p) / safe + _Z**2 / (4 * safe**2)) / denom
    low = np.where(n > 0, centre - half, 0.0)
    high = np.where(n > 0, centre + half, 1.0)
    return np.clip(low, 0, 1), np.clip(high, 0, 1)


def bin_column(series: pd.Series, bins: int = 5, name: str | None = None) -> Binned:
    """Cut a column into quantile bins (numeric) or levels (everything else)."""
    column = str(name if name is not None else series.name)
    q = quote_column(column)
    missing = series.isna().to_numpy()
    numeric = pd.api.types.is_numeric_dtype(series.dtype) and not pd.api.types.is_bool_dtype(
        series.dtype
    )
    descriptions: list[str] = []
    expressions: list[str] = []
    codes = np.full(len(series), -1, dtype=np.int64)
    values = series.to_numpy(np.float64, na_value=np.nan) if numeric else None
    distinct = np.unique(values[~missing]) if values is not None else None
    if values is not None and distinct is not None and distinct.size > bins:
        edges = np.unique(np.nanquantile(values[~missing], np.linspace(0, 1, bins + 1)))
        # searchsorted on interior edges: bin i is [edges[i], edges[i+1]), the last one closed.
        inner = edges[1:-1]
        codes[~missing] = np.searchsorted(inner, values[~missing], side="right")
        for i in range(edges.size - 1):
            lo, hi = edges[i], edges[i + 1]
            last = i == edges.size - 2
            close = "]" if last else ")"
            descriptions.append(
                f"{column} in [{feature_value(float(lo))}, {feature_value(float(hi))}{close}"
            )
            upper = "<=" if last else "<"
            expressions.append(f"{q} >= {quote_value(lo)} and {q} {upper} {quote_value(hi)}")
    else:
        # factorize is vectorised for Arrow strings too (Series.map is a Python loop there).
        raw, uniques = pd.factorize(series, use_na_sentinel=True)
        counts = np.bincount(raw[raw >= 0], minlength=len(uniques))
        ranked = np.argsort(-counts, kind="stable")[:MAX_LEVELS]
        lookup = np.full(len(uniques) + 1, -1, dtype=np.int64)
        lookup[ranked] = np.arange(ranked.size)
        codes = lookup[np.where(raw >= 0, raw, len(uniques))]
        for level in (uniques[i] for i in ranked):
            shown = level if values is None else feature_value(float(level))
            text = str(shown)
            descriptions.append(
                f'{column} == "{text}"' if values is None else f"{column} == {text}"
            )
            expressions.append(f"{q} == {quote_value(level)}")
    if missing.any():
        codes[missing] = len(descriptions)
        descriptions.append(f"{column} is missing")
        expressions.append(f"{q} is missing")
    return Binned(column, codes, descriptions, expressions)


@dataclass
class _Candidates:
    """Slices of one feature or pair as arrays; text is only built for the ones reported."""

    binned: tuple[Binned, ...]
    codes: np.ndarray  # combined code of each candidate
    count: np.ndarray
    total: np.ndarray
    low: np.ndarray
    high: np.ndarray
    unreliable: np.ndarray

    def make(self, j: int, overall: float) -> Slice:
        code = int(self.codes[j])
        if len(self.binned) == 1:
            b = self.binned[0]
            description, expression = b.descriptions[code], b.expressions[code]
        else:
            a, b = self.binned
            ca, cb = divmod(code, len(b.descriptions))
            description = f"{a.descriptions[ca]} and {b.descriptions[cb]}"
            ea, eb = a.expressions[ca], b.expressions[cb]
            paren = " and " in ea + eb
            expression = f"({ea}) and ({eb})" if paren else f"{ea} and {eb}"
        n = int(self.count[j])
        rate = float(self.total[j] / n)
        return Slice(
            tuple(x.column for x in self.binned),
            description,
            expression,
            n,
            float(self.total[j]),
            rate,
            rate / overall if overall > 0 else float("nan"),
            float(self.low[j]),
            float(self.high[j]),
            bool(self.unreliable[j]),
        )


def _candidates(
    binned: tuple[Binned, ...],
    codes: np.ndarray,
    n_codes: int,
    error: np.ndarray,
    binary: bool,
    overall: float,
    min_rows: int,
) -> _Candidates:
    valid = codes >= 0
    count = np.bincount(codes[valid], minlength=n_codes)
    total = np.bincount(codes[valid], weights=error[valid], minlength=n_codes)
    keep = np.flatnonzero(count >= min_rows)
    n = count[keep]
    rate = total[keep] / np.maximum(n, 1)
    if binary:
        low, high = wilson_interval(total[keep], n)
    else:
        sq = np.bincount(codes[valid], weights=error[valid] ** 2, minlength=n_codes)[keep]
        half = _Z * np.sqrt(np.maximum(sq / np.maximum(n, 1) - rate**2, 0)) / np.sqrt(n)
        low, high = rate - half, rate + half
    # For regression the width is judged relative to the overall mean error.
    limit = MAX_CI_WIDTH if binary else MAX_CI_WIDTH * 2 * max(overall, 1e-12)
    unreliable = (n < MIN_RELIABLE) | ((high - low) > limit)
    return _Candidates(binned, keep, n, total[keep], low, high, unreliable)


def error_slices(
    frame: pd.DataFrame,
    columns: list[str],
    error: np.ndarray,
    rows: np.ndarray | None = None,
    binary: bool = True,
    bins: int = 5,
    pairs: bool = True,
    min_rows: int = 5,
    top: int | None = 20,
) -> list[Slice]:
    """The worst slices of `rows` (all rows by default), worst first, reliable ones first.

    `error` has one value per row of `frame`: 1/0 for mistakes when `binary` (rate = error
    rate), otherwise a per-row error such as |y - ŷ| (rate = mean error). Rows with a NaN error
    (no label) are left out. A slice's lift is its rate over the rate of all rows considered.
    """
    error = np.asarray(error, dtype=np.float64)
    use = ~np.isnan(error)
    if rows is not None:
        keep = np.zeros(len(frame), dtype=bool)
        keep[np.asarray(rows, dtype=np.int64)] = True
        use &= keep
    if not use.any():
        return []
    sub = frame[columns].iloc[np.flatnonzero(use)].reset_index(drop=True)
    err = error[use]
    overall = float(err.mean())
    binned = [bin_column(sub[c], bins, c) for c in columns]
    found: list[_Candidates] = []
    for b in binned:
        found.append(
            _candidates((b,), b.codes, len(b.descriptions), err, binary, overall, min_rows)
        )
    if pairs:
        for a, b in combinations(binned, 2):
            nb = len(b.descriptions)
            codes = np.where((a.codes >= 0) & (b.codes >= 0), a.codes * nb + b.codes, -1)
            size = len(a.descriptions) * nb
            found.append(_candidates((a, b), codes, size, err, binary, overall, min_rows))
    which = np.concatenate([np.full(c.count.size, i) for i, c in enumerate(found)])
    index = np.concatenate([np.arange(c.count.size) for c in found])
    unreliable = np.concatenate([c.unreliable for c in found])
    count = np.concatenate([c.count for c in found])
    rate = np.concatenate([c.total / np.maximum(c.count, 1) for c in found])
    # Reliable slices first, then the highest rate, then the biggest slice.
    order = np.lexsort((-count, -rate, unreliable))
    if top is not None:
        order = order[:top]
    return [found[which[j]].make(int(index[j]), overall) for j in order]
