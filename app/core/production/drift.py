"""Has the data moved? Reference vs current dataset, per model feature and for the explanations.

Per feature: the Population Stability Index (PSI) over bins fixed by the reference, a two-sample
test (Kolmogorov-Smirnov for numbers, chi-squared for categories), missing-value rates, categories
that appeared or vanished, and histograms to overlay. Then the model's view: the share of total
mean |SHAP| each feature carries on either dataset, and the prediction distribution on both.
Rows are sorted by PSI weighted by the feature's importance, so the first row is the one to
worry about: a large shift in a feature the model ignores matters less than a modest one in the
feature it leans on most.

PSI = Σ (cur_i − ref_i) · ln(cur_i / ref_i) over bins i, with ref_i/cur_i the share of rows in
bin i. A bin empty on one side would make the log infinite, so shares are floored at
PSI_EPSILON (1e-4, i.e. one row in ten thousand) before the sum; this caps one empty bin's
contribution near 0.001–0.1 instead of infinity. Rules of thumb: < 0.1 stable, 0.1–0.25 moderate,
> 0.25 a significant shift.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from types import ModuleType

import numpy as np
import pandas as pd

from app.core.base.errors import AlignmentError, Cancelled, ShapLensError
from app.core.data.align import align
from app.core.explain.models.base import ModelAdapter

PSI_EPSILON = 1e-4
NUMERIC_BINS = 10
OVERLAY_BINS = 30
SHAP_SAMPLE_ROWS = 2_000
MISSING_LABEL = "(missing)"


class DriftError(ShapLensError):
    """The two datasets cannot be compared (no rows, missing features)."""


def _stats() -> ModuleType:
    """scipy.stats, imported when a test runs: it takes a second or more to import, and the
    window imports this module (for DriftReport) at start-up."""
    from scipy import stats

    return stats


def psi(ref_counts: np.ndarray, cur_counts: np.ndarray, eps: float = PSI_EPSILON) -> float:
    """PSI between two count vectors over the same bins (see the module docstring)."""
    ref = np.asarray(ref_counts, dtype=np.float64)
    cur = np.asarray(cur_counts, dtype=np.float64)
    if ref.sum() <= 0 or cur.sum() <= 0:
        return 0.0
    p = np.maximum(ref / ref.sum(), eps)
    q = np.maximum(cur / cur.sum(), eps)
    return float(np.sum((q - p) * np.log(q / p)))


def quantile_edges(reference: np.ndarray, n_bins: int = NUMERIC_BINS) -> np.ndarray:
    """Inner bin edges at the reference's quantiles (duplicates dropped for discrete features).

    Edges come from finite values only (a quantile between inf and inf is NaN); infinite values
    still fall into the two open-ended bins."""
    values = reference[np.isfinite(reference)]
    if values.size == 0:
        return np.empty(0)
    qs = np.quantile(values, np.linspace(0, 1, n_bins + 1)[1:-1])
    return np.unique(qs)


def numeric_counts(values: np.ndarray, edges: np.ndarray) -> np.ndarray:
    """Counts per bin: (-inf, e0], (e0, e1], …, (e_last, inf), then one bin for missing."""
    finite = values[~np.isnan(values)]
    bins = np.searchsorted(edges, finite, side="left")
    counts = np.bincount(bins, minlength=edges.size + 1).astype(np.int64)
    return np.append(counts, np.isnan(values).sum())


@dataclass
class FeatureDrift:
    """Everything about one feature's move from reference to current."""

    name: str
    kind: str  # "numeric" | "categorical"
    psi: float
    test: str  # "KS" | "chi-squared"
    statistic: float
    p_value: float
    missing_reference: float  # share of rows
    missing_current: float
    new_categories: list[str] = field(default_factory=list)
    vanished_categories: list[str] = field(default_factory=list)
    bin_labels: list[str] = field(default_factory=list)  # the PSI bins, reference-defined
    reference_share: list[float] = field(default_factory=list)
    current_share: list[float] = field(default_factory=list)
    overlay_edges: list[float] = field(default_factory=list)  # numeric: equal-width edges
    overlay_reference: list[float] = field(default_factory=list)  # share of rows per bin
    overlay_current: list[float] = field(default_factory=list)
    shap_share_reference: float = 0.0  # share of total mean |SHAP| on each dataset
    shap_share_current: float = 0.0
    score: float = 0.0  # PSI × max(shap shares): the sort key

    @property
    def shap_share_change(self) -> float:
        return self.shap_share_current - self.shap_share_reference

    @property
    def level(self) -> str:
        return "significant" if self.psi > 0.25 else "moderate" if self.psi > 0.1 else "stable"


@dataclass
class DriftReport:
    features: list[FeatureDrift]  # sorted: the one to worry about first
    n_reference: int
    n_current: int
    prediction_name: str
    prediction_edges: list[float]
    prediction_reference: list[float]  # share of rows per bin
    prediction_current: list[float]
    prediction_psi: float
    prediction_ks: float
    prediction_p_value: float
    mean_prediction_reference: float
    mean_prediction_current: float
    shap_rows: int
    epsilon: float = PSI_EPSILON

    def table(self) -> pd.DataFrame:
        """One row per feature, in report order, with the columns a reader scans first."""
        return pd.DataFrame(
            {
                "feature": [f.name for f in self.features],
                "kind": [f.kind for f in self.features],
                "psi": [f.psi for f in self.features],
                "test": [f.test for f in self.features],
                "p_value": [f.p_value for f in self.features],
                "missing_ref": [f.missing_reference for f in self.features],
                "missing_cur": [f.missing_current for f in self.features],
                "shap_share_ref": [f.shap_share_reference for f in self.features],
                "shap_share_cur": [f.shap_share_current for f in self.features],
                "score": [f.score for f in self.features],
            }
        )

    def explanation_movers(self, n: int = 5) -> list[FeatureDrift]:
        """Features whose share of attribution moved most (either way)."""
        return sorted(self.features, key=lambda f: -abs(f.shap_share_change))[:n]

    def to_dict(self) -> dict[str, object]:
        out = asdict(self)
        for item, feature in zip(out["features"], self.features, strict=True):
            item["shap_share_change"] = feature.shap_share_change
            item["level"] = feature.level
        return out


def _as_text(column: pd.Series) -> pd.Series:
    return column.astype("string")


def _categorical_drift(name: str, ref: pd.Series, cur: pd.Series) -> FeatureDrift:
    ref_t, cur_t = _as_text(ref), _as_text(cur)
    ref_counts = ref_t.value_counts(dropna=True)
    cur_counts = cur_t.value_counts(dropna=True)
    labels = [str(v) for v in ref_counts.index]
    new = sorted(str(v) for v in cur_counts.index if v not in ref_counts.index)
    vanished = sorted(str(v) for v in ref_counts.index if v not in cur_counts.index)
    # Bins: reference categories, then one for categories only current has, then missing.
    all_labels = [*labels, *new]
    ref_vec = np.array([ref_counts.get(v, 0) for v in all_labels] + [ref_t.isna().sum()])
    cur_vec = np.array([cur_counts.get(v, 0) for v in all_labels] + [cur_t.isna().sum()])
    bin_labels = [*all_labels, MISSING_LABEL]
    keep = (ref_vec + cur_vec) > 0
    table = np.vstack([ref_vec[keep], cur_vec[keep]])
    if table.shape[1] < 2:
        statistic, p_value = 0.0, 1.0
    else:
        result = _stats().chi2_contingency(table, correction=False)
        statistic, p_value = float(result.statistic), float(result.pvalue)
    ref_share = ref_vec / max(ref_vec.sum(), 1)
    cur_share = cur_vec / max(cur_vec.sum(), 1)
    return FeatureDrift(
        name=name,
        kind="categorical",
        psi=psi(ref_vec, cur_vec),
        test="chi-squared",
        statistic=statistic,
        p_value=p_value,
        missing_reference=float(ref_t.isna().mean()),
        missing_current=float(cur_t.isna().mean()),
        new_categories=new,
        vanished_categories=vanished,
        bin_labels=bin_labels,
        reference_share=ref_share.tolist(),
        current_share=cur_share.tolist(),
    )


def _overlay(ref: np.ndarray, cur: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Equal-width histograms over the central 99% of both samples, as shares of all rows."""
    both = np.concatenate([ref[np.isfinite(ref)], cur[np.isfinite(cur)]])  # inf: clipped in
    if both.size == 0:
        return np.empty(0), np.empty(0), np.empty(0)
    lo, hi = np.quantile(both, [0.005, 0.995])
    if hi <= lo:
        lo, hi = float(both.min()), float(both.max())
    if hi <= lo:
        hi = lo + 1.0
    edges = np.linspace(lo, hi, OVERLAY_BINS + 1)
    ref_h = np.histogram(np.clip(ref, lo, hi), edges)[0] / max(ref.size, 1)
    cur_h = np.histogram(np.clip(cur, lo, hi), edges)[0] / max(cur.size, 1)
    return edges, ref_h, cur_h


def _numeric_drift(name: str, ref: np.ndarray, cur: np.ndarray, n_bins: int) -> FeatureDrift:
    edges = quantile_edges(ref, n_bins)
    ref_counts, cur_counts = numeric_counts(ref, edges), numeric_counts(cur, edges)
    ref_ok, cur_ok = ref[~np.isnan(ref)], cur[~np.isnan(cur)]
    if ref_ok.size and cur_ok.size:
        result = _stats().ks_2samp(ref_ok, cur_ok)
        statistic, p_value = float(result.statistic), float(result.pvalue)
    else:
        statistic, p_value = 0.0, 1.0
    bounds = [-np.inf, *edges.tolist(), np.inf]
    labels = [f"({bounds[i]:.4g}, {bounds[i + 1]:.4g}]" for i in range(len(bounds) - 1)]
    o_edges, o_ref, o_cur = _overlay(ref, cur)
    return FeatureDrift(
        name=name,
        kind="numeric",
        psi=psi(ref_counts, cur_counts),
        test="KS",
        statistic=statistic,
        p_value=p_value,
        missing_reference=float(np.isnan(ref).mean()) if ref.size else 0.0,
        missing_current=float(np.isnan(cur).mean()) if cur.size else 0.0,
        bin_labels=[*labels, MISSING_LABEL],
        reference_share=(ref_counts / max(ref.size, 1)).tolist(),
        current_share=(cur_counts / max(cur.size, 1)).tolist(),
        overlay_edges=o_edges.tolist(),
        overlay_reference=o_ref.tolist(),
        overlay_current=o_cur.tolist(),
    )


def column_drift(
    name: str, reference: pd.Series, current: pd.Series, categorical: bool | None = None
) -> FeatureDrift:
    """Drift of one column; `categorical` None decides by dtype (text/category/bool)."""
    if categorical is None:
        categorical = not pd.api.types.is_numeric_dtype(reference) or pd.api.types.is_bool_dtype(
            reference
        )
    if categorical:
        return _categorical_drift(name, reference, current)
    ref = pd.to_numeric(reference, errors="coerce").to_numpy(np.float64, na_value=np.nan)
    cur = pd.to_numeric(current, errors="coerce").to_numpy(np.float64, na_value=np.nan)
    return _numeric_drift(name, ref, cur, NUMERIC_BINS)


def _sample(n: int, size: int, seed: int) -> np.ndarray:
    if n <= size:
        return np.arange(n)
    return np.sort(np.random.default_rng(seed).choice(n, size=size, replace=False))


def mean_abs_shap(model: ModelAdapter, X: np.ndarray) -> np.ndarray:
    """Mean |SHAP| per feature, summed over outputs (n_features,)."""
    if X.shape[0] == 0:
        return np.zeros(len(model.features))
    values, _ = model.contributions(X)
    return np.abs(values).mean(axis=0, dtype=np.float64).sum(axis=1)


def _prediction_summary(model: ModelAdapter, X_ref: np.ndarray, X_cur: np.ndarray) -> dict:
    """Histogram, PSI and KS of the first output's prediction on both datasets."""
    k = 0 if model.n_outputs == 1 else model.n_outputs - 1
    ref = model.raw_to_prediction(model.predict_raw(X_ref))[:, k]
    cur = model.raw_to_prediction(model.predict_raw(X_cur))[:, k]
    edges = quantile_edges(ref, NUMERIC_BINS)
    o_edges, o_ref, o_cur = _overlay(ref, cur)
    ks = _stats().ks_2samp(ref, cur)
    return {
        "prediction_name": model.output_names[k],
        "prediction_edges": o_edges.tolist(),
        "prediction_reference": o_ref.tolist(),
        "prediction_current": o_cur.tolist(),
        "prediction_psi": psi(numeric_counts(ref, edges), numeric_counts(cur, edges)),
        "prediction_ks": float(ks.statistic),
        "prediction_p_value": float(ks.pvalue),
        "mean_prediction_reference": float(ref.mean()),
        "mean_prediction_current": float(cur.mean()),
    }


def drift_report(
    model: ModelAdapter,
    reference: pd.DataFrame,
    current: pd.DataFrame,
    *,
    shap_rows: int = SHAP_SAMPLE_ROWS,
    seed: int = 0,
    on_progress: Callable[[int, int], None] | None = None,
    should_stop: Callable[[], bool] | None = None,
) -> DriftReport:
    """Compare `current` with `reference` for every model feature (see the module docstring).

    SHAP values are computed on a random sample of up to `shap_rows` rows of each dataset (the
    same seed for both), which is enough for the shares to settle to a percent or so.
    """
    if len(reference) == 0 or len(current) == 0:
        raise DriftError("Both the reference and the current dataset need at least one row.")
    aligned = []
    for which, frame in (("reference", reference), ("current", current)):
        try:
            aligned.append(align(model, frame))
        except AlignmentError as error:  # say which of the two files does not fit
            raise DriftError(f"The {which} dataset does not fit the model: {error}") from error
    ref_aligned, cur_aligned = aligned
    n_features = len(model.features)
    total_steps = n_features + 3
    step = 0

    def tick() -> None:
        nonlocal step
        step += 1
        if on_progress is not None:
            on_progress(step, total_steps)
        if should_stop is not None and should_stop():
            raise Cancelled()

    features = []
    for spec in model.features:
        features.append(
            column_drift(spec.name, reference[spec.name], current[spec.name], spec.is_categorical)
        )
        tick()
    X_ref = ref_aligned.X[_sample(len(reference), shap_rows, seed)]
    X_cur = cur_aligned.X[_sample(len(current), shap_rows, seed)]
    shap_ref = mean_abs_shap(model, X_ref)
    tick()
    shap_cur = mean_abs_shap(model, X_cur)
    tick()
    share_ref = shap_ref / max(shap_ref.sum(), 1e-300)
    share_cur = shap_cur / max(shap_cur.sum(), 1e-300)
    for j, feature in enumerate(features):
        feature.shap_share_reference = float(share_ref[j])
        feature.shap_share_current = float(share_cur[j])
        feature.score = feature.psi * max(feature.shap_share_reference, feature.shap_share_current)
    features.sort(key=lambda f: (-f.score, -f.psi, f.name))
    summary = _prediction_summary(model, ref_aligned.X, cur_aligned.X)
    tick()
    return DriftReport(
        features=features,
        n_reference=len(reference),
        n_current=len(current),
        shap_rows=int(max(X_ref.shape[0], X_cur.shape[0])),
        **summary,
    )
