"""Fairness per group on Adult, checked against direct numpy/scikit-learn computations."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sklearn.metrics import accuracy_score, recall_score

from app.core.debugging.fairness import (
    fairness_report,
    group_codes,
    group_mean_shap,
    suggest_sensitive,
)
from tests.core import _adult


def test_adult_by_sex() -> None:
    _, data = _adult.model_and_data()
    ev = _adult.evaluation(0.5)
    report = fairness_report(data.frame["sex"], ev.y_true, ev.predicted, ev.score)
    groups = {g.group: g for g in report.groups}
    assert set(groups) == {"Female", "Male"}
    assert groups["Female"].base_rate == pytest.approx(0.109, abs=5e-4)
    assert groups["Male"].base_rate == pytest.approx(0.304, abs=5e-4)
    y, pred = ev.y_true.astype(int), ev.predicted
    for name, g in groups.items():
        rows = (data.frame["sex"] == name).to_numpy()
        assert g.count == rows.sum()
        assert g.selection_rate == pytest.approx(pred[rows].mean())
        assert g.accuracy == pytest.approx(accuracy_score(y[rows], pred[rows]))
        assert g.tpr == pytest.approx(recall_score(y[rows], pred[rows]))
        assert g.fpr == pytest.approx(1 - recall_score(y[rows], pred[rows], pos_label=0))
        assert g.mean_prediction == pytest.approx(ev.score[rows].mean())
    f, m = groups["Female"], groups["Male"]
    assert report.demographic_parity_difference == pytest.approx(
        m.selection_rate - f.selection_rate
    )
    gaps = (abs(m.tpr - f.tpr), abs(m.fpr - f.fpr))
    assert report.equalized_odds_difference == pytest.approx(max(gaps))
    assert report.four_fifths_ratio == pytest.approx(f.selection_rate / m.selection_rate)
    assert not report.passes_four_fifths  # the model selects women at a third of men's rate
    assert report.warnings == []


def test_numeric_sensitive_column_is_binned() -> None:
    _, data = _adult.model_and_data()
    ev = _adult.evaluation(0.5)
    report = fairness_report(data.frame["age"], ev.y_true, ev.predicted, ev.score, bins=4)
    assert len(report.groups) == 4
    assert sum(g.count for g in report.groups) == data.n_rows
    assert report.groups[0].group.startswith("[17,")
    assert report.groups[-1].group.endswith("90]")


def test_small_groups_warned_and_left_out_of_gaps() -> None:
    n = 400
    sensitive = pd.Series(["a"] * 200 + ["b"] * 190 + ["c"] * 10, name="grp")
    y = np.tile([0.0, 1.0], n // 2)
    pred = np.r_[np.ones(200), np.zeros(190), np.ones(10)].astype(int)
    report = fairness_report(sensitive, y, pred, pred.astype(float))
    small = [g for g in report.groups if g.small]
    assert [g.group for g in small] == ["c"]
    assert any("only 10 rows" in w for w in report.warnings)
    assert report.demographic_parity_difference == pytest.approx(1.0)  # a vs b only
    assert report.to_dict()["groups"][0]["group"] == "a"


def test_suggestions_match_whole_words() -> None:
    columns = ["age", "wage", "percentage", "Sex", "race", "native_country", "AgeGroup", "income"]
    assert suggest_sensitive(columns) == ["age", "Sex", "race", "native_country", "AgeGroup"]


def test_group_mean_shap_by_hand() -> None:
    values = np.array([[1.0, 0.0], [3.0, 2.0], [5.0, 4.0], [7.0, 6.0]])
    codes, names = group_codes(pd.Series(["x", "y", "x", None], name="g"))
    assert names == ["x", "y", "missing"]
    means = group_mean_shap(values, codes, len(names))
    assert means.tolist() == [[3.0, 2.0], [3.0, 2.0], [7.0, 6.0]]
    only = group_mean_shap(values, codes, len(names), rows=np.array([0, 1]))
    assert only[0].tolist() == [1.0, 0.0]


def test_one_uncertainty_rule_flags_and_leaves_out_both_small_groups() -> None:
    # The case seen in a review: a 31-row group was not flagged yet set the four-fifths ratio,
    # while an 11-row one was flagged and left out. Both are too uncertain to compare.
    from app.core.debugging.fairness import MAX_HALF_WIDTH, RULE, wilson_half_width

    rng = np.random.default_rng(0)
    sizes = {"big_a": 600, "big_b": 500, "mid": 31, "tiny": 11}
    sensitive = pd.Series(np.repeat(list(sizes), list(sizes.values())), name="grp")
    y = rng.integers(0, 2, len(sensitive)).astype(float)
    pred = (rng.random(len(sensitive)) < 0.5).astype(int)
    mid = sensitive.to_numpy() == "mid"
    pred[mid] = np.arange(mid.sum()) % 4 == 0  # ~25% selected: an interval of about ±15 points
    report = fairness_report(sensitive, y, pred, pred.astype(float))
    flagged = {g.group for g in report.groups if g.small}
    assert flagged == {"mid", "tiny"}
    for g in report.groups:  # the rule is the interval, whatever the count
        assert g.small == (wilson_half_width(g.selection_rate, g.count) > MAX_HALF_WIDTH)
    reliable = [g.selection_rate for g in report.groups if not g.small]
    assert report.four_fifths_ratio == pytest.approx(min(reliable) / max(reliable))
    assert "±10 points" in RULE
    # The rule is about certainty, not size: 31 rows none of which is selected pin the rate
    # down to 0-11%, which may fairly set the ratio.
    pred[mid] = 0
    again = fairness_report(sensitive, y, pred, pred.astype(float))
    assert {g.group for g in again.groups if g.small} == {"tiny"}


def test_wilson_half_width_by_hand() -> None:
    from app.core.debugging.fairness import wilson_half_width

    # 95% Wilson interval of 5/10: [0.2366, 0.7634]
    assert wilson_half_width(0.5, 10) == pytest.approx((0.7634 - 0.2366) / 2, abs=1e-3)
    assert wilson_half_width(0.5, 0) == float("inf")
