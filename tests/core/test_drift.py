"""Drift: PSI and test statistics by hand and against scipy; no drift on itself; a planted shift."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from app.core.data.model_io import load_model
from app.core.production.drift import (
    MISSING_LABEL,
    PSI_EPSILON,
    column_drift,
    drift_report,
    numeric_counts,
    psi,
    quantile_edges,
)


@pytest.fixture(scope="module")
def model(sample_model_path):
    return load_model(sample_model_path)


@pytest.fixture(scope="module")
def frame(sample_data_path) -> pd.DataFrame:
    full = pd.read_parquet(sample_data_path)
    return full.iloc[:3000].reset_index(drop=True)


def test_psi_matches_hand_computation() -> None:
    ref, cur = np.array([50, 30, 20]), np.array([30, 30, 40])
    p, q = ref / 100, cur / 100
    expected = sum((qi - pi) * math.log(qi / pi) for pi, qi in zip(p, q, strict=True))
    assert psi(ref, cur) == pytest.approx(expected)
    assert psi(ref, ref) == 0.0


def test_psi_floors_empty_bins_at_epsilon() -> None:
    # Bin 2 is empty in the reference: its share is floored at epsilon, not divided by zero.
    value = psi(np.array([50, 50, 0]), np.array([40, 40, 20]))
    p = np.array([0.5, 0.5, PSI_EPSILON])
    q = np.array([0.4, 0.4, 0.2])
    assert value == pytest.approx(float(np.sum((q - p) * np.log(q / p))))
    assert np.isfinite(value)


def test_numeric_bins_come_from_reference_quantiles_and_count_missing() -> None:
    ref = np.arange(1.0, 11.0)  # 1..10
    edges = quantile_edges(ref, n_bins=2)
    assert edges.tolist() == [5.5]
    counts = numeric_counts(np.array([1.0, 5.5, 6.0, np.nan, 100.0]), edges)
    assert counts.tolist() == [2, 2, 1]  # (-inf, 5.5], (5.5, inf), missing


def test_numeric_column_drift_uses_ks_from_scipy() -> None:
    rng = np.random.default_rng(1)
    ref, cur = rng.normal(0, 1, 400), rng.normal(0.5, 1, 300)
    drift = column_drift("x", pd.Series(ref), pd.Series(cur))
    expected = stats.ks_2samp(ref, cur)
    assert drift.test == "KS"
    assert drift.statistic == pytest.approx(expected.statistic)
    assert drift.p_value == pytest.approx(expected.pvalue)
    edges = quantile_edges(ref)
    assert drift.psi == pytest.approx(psi(numeric_counts(ref, edges), numeric_counts(cur, edges)))
    assert sum(drift.reference_share) == pytest.approx(1.0)


def test_categorical_column_drift_chi2_new_and_vanished_categories() -> None:
    ref = pd.Series(["a"] * 40 + ["b"] * 40 + ["c"] * 20)
    cur = pd.Series(["a"] * 30 + ["b"] * 50 + ["d"] * 10 + [None] * 10, dtype="string")
    drift = column_drift("cat", ref, cur)
    assert drift.kind == "categorical"
    assert drift.new_categories == ["d"]
    assert drift.vanished_categories == ["c"]
    assert drift.missing_reference == 0.0 and drift.missing_current == pytest.approx(0.1)
    assert drift.bin_labels == ["a", "b", "c", "d", MISSING_LABEL]
    table = np.array([[40, 40, 20, 0, 0], [30, 50, 0, 10, 10]])
    expected = stats.chi2_contingency(table, correction=False)
    assert drift.statistic == pytest.approx(expected.statistic)
    assert drift.p_value == pytest.approx(expected.pvalue)
    assert drift.psi == pytest.approx(psi(table[0], table[1]))


def test_dataset_compared_with_itself_shows_no_drift(model, frame) -> None:
    report = drift_report(model, frame, frame, shap_rows=300)
    assert len(report.features) == len(model.features)
    for feature in report.features:
        assert feature.psi == pytest.approx(0.0, abs=1e-12)
        assert feature.p_value == pytest.approx(1.0)
        assert not feature.new_categories and not feature.vanished_categories
        assert feature.shap_share_change == pytest.approx(0.0, abs=1e-9)
    assert report.prediction_psi == pytest.approx(0.0, abs=1e-12)
    shares = [f.shap_share_reference for f in report.features]
    assert sum(shares) == pytest.approx(1.0)


def test_planted_shift_is_found_and_ranked_first(model, frame) -> None:
    reference = frame.iloc[:1500].reset_index(drop=True)
    current = frame.iloc[1500:].reset_index(drop=True).copy()
    current["age"] = current["age"] + reference["age"].std()
    # Remove a category: rows with the most common relationship get another one.
    removed = reference["relationship"].value_counts().index[0]
    other = reference["relationship"].value_counts().index[1]
    current.loc[current["relationship"] == removed, "relationship"] = other
    report = drift_report(model, reference, current, shap_rows=300)
    names = [f.name for f in report.features]
    assert names[0] in ("age", "relationship")
    assert set(names[:2]) == {"age", "relationship"}
    by_name = {f.name: f for f in report.features}
    assert by_name["age"].psi > 0.25 and by_name["age"].p_value < 1e-6
    assert by_name["relationship"].vanished_categories == [removed]
    assert by_name["relationship"].psi > 0.25
    # Untouched features stay quiet compared with the planted ones.
    quiet = [f.psi for f in report.features if f.name not in ("age", "relationship")]
    assert max(quiet) < by_name["age"].psi / 5
    assert report.to_dict()["features"][0]["name"] == names[0]


def test_a_current_dataset_missing_a_feature_is_named(model, frame) -> None:
    from app.core.production.drift import DriftError

    with pytest.raises(DriftError, match=r"current dataset does not fit.*age"):
        drift_report(model, frame, frame.drop(columns=["age"]), shap_rows=50)
