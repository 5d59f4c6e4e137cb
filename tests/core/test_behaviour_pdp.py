"""Partial dependence and ICE: numbers against scikit-learn's partial_dependence on real data,
the grid, the streaming (running estimates, cancelling) and the plot-ready views."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from sklearn.datasets import load_breast_cancer, load_diabetes
from sklearn.ensemble import GradientBoostingClassifier, RandomForestRegressor
from sklearn.inspection import partial_dependence

from app.core.base.errors import Cancelled
from app.core.debugging.behaviour.grid import (
    BehaviourError,
    Grid,
    distribution,
    feature_index,
    make_grid,
)
from app.core.debugging.behaviour.pd_views import pd2_plot, pd_plot
from app.core.debugging.behaviour.pdp import drive, ice_sample, partial_dependence_steps
from app.core.debugging.behaviour.pdp2d import partial_dependence_2d_steps
from app.core.explain.models.base import FeatureSpec, display_output_name
from app.core.explain.models.serialized import adapter_for_object
from tests.core._adult import model_and_data


@pytest.fixture(scope="module")
def cancer():
    X, y = load_breast_cancer(return_X_y=True, as_frame=True)
    est = GradientBoostingClassifier(n_estimators=20, max_depth=3, random_state=0).fit(X, y)
    return est, X, adapter_for_object(Path("cancer.skops"), est)


def _sk_grid(result, i: int = 0) -> np.ndarray:
    return np.asarray(result["grid_values"][i], dtype=np.float64)


def test_pd_and_ice_match_sklearn_classifier(cancer) -> None:
    est, X, model = cancer
    j = 7  # "mean concave points", the model's strongest feature
    sk = partial_dependence(est, X, [j], method="brute", grid_resolution=25, kind="both")
    grid = Grid(X.columns[j], j, _sk_grid(sk), [], False)
    rows = np.arange(len(X))
    result = drive(partial_dependence_steps(model, X.to_numpy(float), grid, rows, ice_rows=rows))
    # scikit-learn averages predict_proba[:, 1]: our probability column
    np.testing.assert_allclose(result.average_prediction, sk["average"][0], atol=1e-12)
    np.testing.assert_allclose(result.ice_prediction, sk["individual"][0], atol=1e-12)
    assert result.average_prediction.max() - result.average_prediction.min() > 0.05  # a real effect
    # the raw average is the mean log-odds, not the log-odds of the mean probability
    logit = np.log(result.average_prediction / (1 - result.average_prediction))
    assert not np.allclose(result.average_raw, logit)


def test_pd_matches_sklearn_regressor() -> None:
    X, y = load_diabetes(return_X_y=True, as_frame=True)
    est = RandomForestRegressor(n_estimators=15, max_depth=5, random_state=0).fit(X, y)
    model = adapter_for_object(Path("diabetes.skops"), est)
    sk = partial_dependence(est, X, [2], method="brute", grid_resolution=20)
    grid = Grid("bmi", 2, _sk_grid(sk), [], False)
    rows = np.arange(len(X))
    result = drive(
        partial_dependence_steps(model, X.to_numpy(float), grid, rows, chunk_predictions=500)
    )
    np.testing.assert_allclose(result.average_prediction, sk["average"][0], rtol=1e-10)
    np.testing.assert_allclose(result.average_raw, result.average_prediction)  # target units


def test_two_feature_pd_matches_sklearn(cancer) -> None:
    est, X, model = cancer
    sk = partial_dependence(est, X, [(7, 27)], method="brute", grid_resolution=8)
    gx = Grid(X.columns[7], 7, _sk_grid(sk, 0), [], False)
    gy = Grid(X.columns[27], 27, _sk_grid(sk, 1), [], False)
    steps = partial_dependence_2d_steps(
        model, X.to_numpy(float), gx, gy, np.arange(len(X)), chunk_predictions=4000
    )
    result = drive(steps)
    np.testing.assert_allclose(result.average_prediction, sk["average"][0], atol=1e-12)
    view = pd2_plot(result, "raw")
    assert view.z.shape == (gx.values.size, gy.values.size)
    np.testing.assert_array_equal(view.z, result.average_raw)
    with pytest.raises(BehaviourError, match="two different features"):
        next(partial_dependence_2d_steps(model, X.to_numpy(float), gx, gx, np.arange(5)))


def test_numeric_grid_has_quantiles_and_the_observed_range() -> None:
    _, data = model_and_data()
    model, _ = model_and_data()
    j = feature_index(model.features, "capital_gain")
    column = data.X[:, j]
    grid = make_grid(column, model.features[j], j, 40)
    assert grid.values[0] == column.min() and grid.values[-1] == column.max()
    assert np.all(np.diff(grid.values) > 0) and 10 < grid.values.size <= 40
    # mostly zeros: pure quantiles would collapse to a handful of points; the spread keeps the tail
    assert (grid.values > 20_000).sum() >= 5
    assert grid.labels[-1] == "99999"  # whole numbers print as whole numbers
    with pytest.raises(BehaviourError, match="5 to 200"):
        make_grid(column, model.features[j], j, 3)


def test_few_distinct_values_are_the_grid_and_categorical_uses_labels() -> None:
    model, data = model_and_data()
    j = feature_index(model.features, "education_num")
    grid = make_grid(data.X[:, j], model.features[j], j, 50)
    np.testing.assert_array_equal(grid.values, np.unique(data.X[:, j]))
    k = feature_index(model.features, "workclass")
    cat = make_grid(data.X[:, k], model.features[k], k, 50)
    assert cat.categorical and cat.labels == model.features[k].categories
    np.testing.assert_array_equal(cat.values, np.arange(len(cat.labels)))
    dist = distribution(data.X[:, k], cat)
    assert dist.counts.sum() + dist.missing == data.n_rows
    assert dist.missing == int(np.isnan(data.X[:, k]).sum()) > 0
    with pytest.raises(BehaviourError, match="not a model feature"):
        feature_index(model.features, "salary")
    with pytest.raises(BehaviourError, match="no values"):
        make_grid(np.full(4, np.nan), FeatureSpec("x"), 0)


def test_adult_categorical_pd_is_the_mean_with_the_level_set() -> None:
    model, data = model_and_data()
    rows = np.arange(0, data.n_rows, 97)
    k = feature_index(model.features, "occupation")
    grid = make_grid(data.X[rows, k], model.features[k], k)
    ice = ice_sample(rows, 10, include=[194])
    result = drive(partial_dependence_steps(model, data.X, grid, rows, ice_rows=ice))
    for code in (0, 5, grid.values.size - 1):
        X = data.X[rows].copy()
        X[:, k] = code
        raw = model.predict_raw(X)[:, 0]
        assert result.average_raw[code] == pytest.approx(raw.mean(), abs=1e-9)
        assert result.average_prediction[code] == pytest.approx(
            (1 / (1 + np.exp(-raw))).mean(), abs=1e-9
        )
    assert 194 in result.ice_rows and result.ice_rows.size == 11
    view = pd_plot(result, "ice", selected_row=194)
    assert view.tick_labels == model.features[k].categories
    i = int(np.flatnonzero(result.ice_rows == 194)[0])
    own = int(data.X[194, k])
    assert view.selected_at == (float(own), float(result.ice_prediction[i, own]))


def test_streaming_estimates_refine_and_stop_when_cancelled(cancer) -> None:
    _, X, model = cancer
    grid = make_grid(X.iloc[:, 0].to_numpy(), FeatureSpec("r"), 0, 10)
    rows = np.arange(len(X))
    steps = partial_dependence_steps(model, X.to_numpy(float), grid, rows, chunk_predictions=1000)
    done = []
    result = drive(
        partial_dependence_steps(model, X.to_numpy(float), grid, rows, chunk_predictions=1000),
        on_progress=lambda d, t: done.append((d, t)),
    )
    # 100 rows a chunk, the first cut to 12 so the first estimate comes 8x sooner
    assert len(done) == int(np.ceil(len(X) / 100)) + 1 and done[0][0] == 12
    assert done[-1] == (len(X), len(X))
    assert [d for d, _ in done] == sorted(d for d, _ in done)
    first = next(steps)
    assert 0 < first.partial.n_rows < len(X) and not first.partial.complete
    assert np.all(np.abs(first.partial.average_prediction - result.average_prediction) < 0.2)
    # the same numbers whatever the chunk size (order of rows only changes rounding)
    whole = drive(
        partial_dependence_steps(model, X.to_numpy(float), grid, rows, chunk_predictions=10**7)
    )
    np.testing.assert_allclose(whole.average_raw, result.average_raw, atol=1e-12)
    calls = []
    with pytest.raises(Cancelled):
        drive(
            partial_dependence_steps(model, X.to_numpy(float), grid, rows, chunk_predictions=1000),
            on_progress=lambda d, t: calls.append(d),
            should_stop=lambda: len(calls) >= 2,
        )
    assert len(calls) == 2  # stopped after the second chunk, not run to the end


def test_views_scale_centre_and_refuse_bad_input(cancer) -> None:
    _, X, model = cancer
    grid = make_grid(X.iloc[:, 7].to_numpy(), FeatureSpec("c"), 7, 20)
    rows = np.arange(len(X))
    result = drive(
        partial_dependence_steps(model, X.to_numpy(float), grid, rows, ice_rows=rows[:20])
    )
    raw = pd_plot(result, "ice", "raw", centred=True)
    assert np.all(raw.lines[:, 0] == 0) and raw.average[0] == 0
    np.testing.assert_allclose(raw.lines, result.ice_raw - result.ice_raw[:, :1])
    assert "log-odds" in raw.y_label and "change from" in raw.y_label
    plain = pd_plot(result, "pdp")
    assert plain.lines.size == 0 and plain.y_label.startswith("P(")
    with pytest.raises(BehaviourError, match="scale"):
        pd_plot(result, "pdp", "odds")
    with pytest.raises(BehaviourError, match="No rows"):
        next(partial_dependence_steps(model, X.to_numpy(float), grid, rows[:0]))


def test_multiclass_pd_follows_the_chosen_class() -> None:
    from sklearn.datasets import load_wine

    X, y = load_wine(return_X_y=True, as_frame=True)
    est = GradientBoostingClassifier(n_estimators=10, max_depth=2, random_state=0).fit(X, y)
    model = adapter_for_object(Path("wine.skops"), est)
    j = list(X.columns).index("proline")
    rows = np.arange(len(X))
    for k in (0, 2):
        sk = partial_dependence(est, X, [j], method="brute", grid_resolution=15)
        grid = Grid("proline", j, _sk_grid(sk), [], False)
        result = drive(partial_dependence_steps(model, X.to_numpy(float), grid, rows, output=k))
        np.testing.assert_allclose(result.average_prediction, sk["average"][k], atol=1e-12)
        # the plot speaks the window's language: "class 2" for a bare class code
        assert pd_plot(result).y_label == f"P({display_output_name(model.output_names[k])})"


def test_blocks_stay_small_for_wide_data() -> None:
    from app.core.debugging.behaviour.pdp import BLOCK_BYTES, chunks

    narrow = chunks(10_000, 50, 200_000, 13)
    assert narrow[0] == (0, 4_000) and narrow[-1][1] == 10_000
    wide = chunks(10_000, 50, 200_000, 5_000)  # 5,000 features: bytes decide, not predictions
    rows = wide[0][1] - wide[0][0]
    assert rows * 50 * 5_000 * 8 <= BLOCK_BYTES and rows >= 1
    assert chunks(3, 500, 10, 10**9)[0] == (0, 1)  # always at least one row per call
