"""Performance curves against scikit-learn on the Adult sample, per group, and the threshold
marked on them / picked from them."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.calibration import calibration_curve
from sklearn.datasets import load_diabetes
from sklearn.metrics import (
    average_precision_score,
    brier_score_loss,
    precision_recall_curve,
    roc_auc_score,
    roc_curve,
)

from app.core.debugging.behaviour.curve_views import (
    curve_plot,
    fit_plot,
    lift_at,
    without_threshold,
)
from app.core.debugging.behaviour.curves import (
    BehaviourError,
    group_curves,
    performance_curves,
    rates_at,
    threshold_at,
)
from app.core.debugging.fairness import group_codes
from tests.core._adult import evaluation, model_and_data


@pytest.fixture(scope="module")
def labelled() -> tuple[np.ndarray, np.ndarray]:
    ev = evaluation()
    return ev.y_true, ev.score


def test_roc_pr_calibration_match_sklearn(labelled) -> None:
    y, score = labelled
    g = group_curves("all", y, score)
    fpr, tpr, thr = roc_curve(y, score)
    np.testing.assert_array_equal(g.roc.x, fpr)
    np.testing.assert_array_equal(g.roc.y, tpr)
    np.testing.assert_array_equal(g.roc.thresholds, thr)
    assert g.auc == pytest.approx(roc_auc_score(y, score), abs=1e-12)
    assert 0.9 < g.auc < 0.97
    precision, recall, pthr = precision_recall_curve(y, score)
    np.testing.assert_allclose(g.pr.y, precision, atol=1e-15)
    np.testing.assert_allclose(g.pr.x, recall, atol=1e-15)
    np.testing.assert_array_equal(g.pr.thresholds[:-1], pthr)
    assert g.average_precision == pytest.approx(average_precision_score(y, score), abs=1e-12)
    true, predicted = calibration_curve(y, score, n_bins=10)
    np.testing.assert_allclose(g.calibration.fraction_positive, true, atol=1e-12)
    np.testing.assert_allclose(g.calibration.mean_predicted, predicted, atol=1e-12)
    assert g.calibration.counts.sum() == y.size
    assert g.calibration.brier == pytest.approx(brier_score_loss(y, score), abs=1e-12)


def test_gain_and_lift(labelled) -> None:
    y, score = labelled
    g = group_curves("all", y, score)
    assert g.gain.x[0] == 0 and g.gain.y[0] == 0 and g.gain.x[-1] == 1 and g.gain.y[-1] == 1
    top = np.argsort(-score)[: y.size // 10]
    expected = (y[top].mean()) / y.mean()  # positives rate in the top decile vs overall
    assert lift_at(g, 0.1) == pytest.approx(expected, rel=0.01)
    view = curve_plot([g], "lift", 0.5)
    lift = view.strip.lines[0]
    assert lift.marker is not None and view.draggable
    plain = without_threshold(curve_plot([g], "lift", 0.5))
    assert plain.strip.lines[0].marker is None and plain.lines[0].marker is None
    assert not plain.draggable and plain.title == "Cumulative gain and lift"
    assert lift.y[-1] == pytest.approx(1.0) and lift.y.max() == pytest.approx(
        1 / y.mean(), rel=0.05
    )


def test_per_group_curves_are_the_group_alone(labelled) -> None:
    y, score = labelled
    _, data = model_and_data()
    codes, names = group_codes(data.frame["sex"])
    rows = np.arange(y.size)
    groups = {name: rows[codes == i] for i, name in enumerate(names)}
    groups["nobody"] = rows[:0]
    curves = performance_curves(y, score, groups)
    assert [c.name for c in curves] == names  # the empty group is left out
    for c, name in zip(curves, names, strict=True):
        mine = groups[name]
        assert c.n_rows == mine.size and c.auc == pytest.approx(roc_auc_score(y[mine], score[mine]))
    assert curve_plot(curves, "pr", 0.5).reference is None  # chance differs per group
    one = curve_plot(curves[:1], "pr", 0.5).reference
    assert one == ((0.0, curves[0].base_rate), (1.0, curves[0].base_rate))
    view = curve_plot(curves, "roc", 0.5)
    assert len(view.lines) == 2 and all("AUC" in line.stat for line in view.lines)
    assert [line.name for line in view.lines] == names
    with pytest.raises(BehaviourError, match="label"):
        performance_curves(np.full(4, np.nan), np.zeros(4), {"all": np.arange(4)})


@pytest.mark.parametrize("threshold", [0.05, 0.3, 0.5, 0.77, 0.999])
def test_marked_point_is_the_rates_at_the_threshold(labelled, threshold) -> None:
    y, score = labelled
    g = group_curves("all", y, score)
    fast, slow = g.rates(threshold), rates_at(y, score, threshold)
    assert (fast.fpr, fast.tpr, fast.precision, fast.selected) == pytest.approx(
        (slow.fpr, slow.tpr, slow.precision, slow.selected)
    )
    roc = curve_plot([g], "roc", threshold).lines[0]
    assert roc.marker == pytest.approx((slow.fpr, slow.tpr))
    pr = curve_plot([g], "pr", threshold).lines[0]
    assert pr.marker == pytest.approx((slow.tpr, slow.precision))


def test_a_point_on_the_curve_gives_back_its_threshold(labelled) -> None:
    y, score = labelled
    g = group_curves("all", y, score)
    i = int(np.argmin(np.abs(g.roc.x - 0.1)))  # the ROC vertex near FPR 0.1
    t = threshold_at(g.roc, g.roc.x[i] + 1e-4, g.roc.y[i] - 1e-4)
    assert t == pytest.approx(g.roc.thresholds[i])
    r = rates_at(y, score, t)  # the app predicts positive when P >= t: exactly that vertex
    assert (r.fpr, r.tpr) == pytest.approx((g.roc.x[i], g.roc.y[i]))
    assert threshold_at(g.roc, 0.0, 0.0) == 1.0  # the (0, 0) end: nothing positive


def test_regression_fit_and_residuals() -> None:
    _, y = load_diabetes(return_X_y=True)
    predicted = y * 0.8 + 20
    rows = np.arange(y.size)
    fit = fit_plot(y, predicted, rows, "fit", max_points=100)
    assert fit.rows.size == 100 and np.all(np.diff(fit.rows) > 0)
    np.testing.assert_array_equal(fit.x, y[fit.rows])
    assert "100 of 442" in fit.title
    res = fit_plot(y, predicted, rows, "residuals")
    np.testing.assert_allclose(res.y, y - predicted)
    with pytest.raises(BehaviourError, match="label"):
        fit_plot(np.full(3, np.nan), np.zeros(3), np.arange(3))


def test_rows_by_group_keeps_the_largest_groups() -> None:
    from app.core.debugging.behaviour.curves import rows_by_group

    _, data = model_and_data()
    rows = np.arange(0, data.n_rows, 2)
    groups = rows_by_group(rows, data.frame["native_country"], max_groups=3)
    assert len(groups) == 3 and "United-States" in groups
    sizes = data.frame["native_country"].iloc[rows].value_counts(dropna=False)  # missing: a group
    assert sorted(g.size for g in groups.values()) == sorted(sizes.iloc[:3].tolist())
    ages = rows_by_group(rows, data.frame["age"])  # numeric: quartile bins
    assert len(ages) == 4 and sum(g.size for g in ages.values()) == rows.size
