"""Interaction values against XGBoost's native pred_interactions and shap's TreeExplainer on
numeric models, and their defining identities on the categorical Adult LightGBM sample."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.datasets import load_breast_cancer, load_wine

from app.core.data.model_io import load_model
from app.core.explain.interactions import all_interactions, row_interactions
from tests.core import model_fixtures as fx
from tests.core._adult import model_and_data

ATOL = 1e-4


def _xgb_reference(booster, X: np.ndarray) -> np.ndarray:
    """XGBoost's (n, [K,] M+1, M+1) as ours (n, M, M, K), bias row and column dropped."""
    import xgboost as xgb

    ref = booster.predict(xgb.DMatrix(X), pred_interactions=True)
    if ref.ndim == 4:
        return ref[:, :, :-1, :-1].transpose(0, 2, 3, 1)
    return ref[:, :-1, :-1, None]


@pytest.mark.parametrize("kind", ["binary", "multiclass"])
def test_equal_to_xgboost_pred_interactions(tmp_path, kind) -> None:
    import xgboost as xgb

    X, y = (load_breast_cancer if kind == "binary" else load_wine)(return_X_y=True)
    model = xgb.XGBClassifier(n_estimators=25, max_depth=5, random_state=0, n_jobs=1)
    model.fit(X, y)
    path = tmp_path / "m.json"
    model.save_model(path)
    adapter = load_model(path)
    ours = all_interactions(adapter, X)
    expected = _xgb_reference(model.get_booster(), X)
    assert ours.shape == expected.shape
    assert np.abs(expected).max() > 0.1  # the comparison is not between near-zero arrays
    np.testing.assert_allclose(ours, expected, atol=ATOL)


def _shap_reference(estimator, X: np.ndarray) -> np.ndarray:
    import shap

    values = np.asarray(shap.TreeExplainer(estimator).shap_interaction_values(X))
    if values.ndim == 3:
        return values[..., None]
    return values.transpose(1, 2, 3, 0) if values.shape[0] != X.shape[0] else values


def test_equal_to_shap_on_numeric_lightgbm(tmp_path) -> None:
    import lightgbm as lgb

    X, y = load_breast_cancer(return_X_y=True)
    booster = lgb.train(
        {"objective": "binary", "num_leaves": 15, "verbose": -1, "seed": 0, "num_threads": 1},
        lgb.Dataset(X, y),
        num_boost_round=20,
    )
    path = tmp_path / "m.txt"
    booster.save_model(path)
    ours = all_interactions(load_model(path), X[:200])
    expected = _shap_reference(booster, X[:200])
    assert np.abs(expected).max() > 0.1
    np.testing.assert_allclose(ours, expected, atol=ATOL)


@pytest.mark.parametrize("kind", ["RandomForest", "GradientBoosting"])
def test_equal_to_shap_on_sklearn(kind) -> None:
    estimator = fx.sklearn_estimator(kind, "regression")
    X = fx.float_matrix(fx.numeric_data("regression")[0].iloc[:150])
    adapter = load_model(fx.sklearn_file(kind, "regression"))
    ours = all_interactions(adapter, X)
    expected = _shap_reference(estimator, X)
    scale = np.abs(expected).max()
    assert scale > 1.0
    # float32 results of regression values in the hundreds: 1e-4 relative to the largest
    np.testing.assert_allclose(ours, expected, atol=ATOL * max(scale, 1.0))


def test_adult_categorical_rows_sum_to_shap_and_total_to_output() -> None:
    model, data = model_and_data()
    X = data.X[:300]
    ix = all_interactions(model, X)
    shap_values, base = model.contributions(X)
    raw = model.predict_raw(X)
    assert np.abs(ix).max() > 0.01
    np.testing.assert_allclose(ix.sum(axis=2), shap_values, atol=1e-5)
    np.testing.assert_allclose(ix.sum(axis=(1, 2), dtype=np.float64) + base, raw, atol=1e-4)
    np.testing.assert_array_equal(ix, ix.transpose(0, 2, 1, 3))
    off = ix.copy()
    idx = np.arange(ix.shape[1])
    off[:, idx, idx] = 0
    assert np.abs(off).max() > 1e-3  # real interactions, not only main effects


def test_one_row_matches_the_bulk_rows() -> None:
    model, data = model_and_data()
    rows = np.array([5, 17, 200])
    bulk = all_interactions(model, data.X, rows)
    for at, row in enumerate(rows):  # the click path has no tables: same values, other sums
        np.testing.assert_allclose(row_interactions(model, data.X, int(row)), bulk[at], atol=1e-6)


def _aligned(model, task: str, n: int) -> np.ndarray:
    from app.core.data.align import align

    frame, label = fx.dataset(fx.datasets.TASK_DATASET[task])
    return align(model, frame.iloc[:n].reset_index(drop=True), label=label).X


def test_multiclass_shape_and_additivity() -> None:
    model = load_model(fx.xgboost_file("multiclass"))
    X = _aligned(model, "multiclass", 60)
    ix = all_interactions(model, X)
    m = len(model.features)
    assert ix.shape == (60, m, m, 3) and ix.dtype == np.float32
    shap_values, _ = model.contributions(X)
    np.testing.assert_allclose(ix.sum(axis=2), shap_values, atol=1e-5)


@pytest.mark.parametrize("loader", ["catboost", "pipeline"])
def test_other_families_rows_sum_to_shap(tmp_path, loader) -> None:
    from app.core.data.align import align

    if loader == "catboost":  # numeric oblivious trees: the engine's CatBoost path
        import catboost

        X, y = load_breast_cancer(return_X_y=True)
        cb = catboost.CatBoostClassifier(
            iterations=10, depth=4, random_seed=0, verbose=0, thread_count=1,
            allow_writing_files=False,
        )  # fmt: skip
        cb.fit(X, y)
        cb.save_model(str(tmp_path / "m.cbm"))
        model = load_model(tmp_path / "m.cbm")
        X = X[:80]
    else:
        model = load_model(fx.pipeline_file())
        X = align(model, fx.pipeline_frame().iloc[:80].reset_index(drop=True)).X
    ix = all_interactions(model, X)
    shap_values, _ = model.contributions(X)
    np.testing.assert_allclose(ix.sum(axis=2), shap_values, atol=1e-5)
    np.testing.assert_allclose(ix, ix.transpose(0, 2, 1, 3), atol=1e-6)


def test_a_model_outside_the_engine_is_refused_with_the_reason() -> None:
    from app.core.explain.interactions import InteractionsUnavailable, iter_interactions

    model = load_model(fx.catboost_file("binary"))  # categorical CatBoost: library path
    X = _aligned(model, "binary", 5)
    with pytest.raises(InteractionsUnavailable, match="CatBoost"):
        iter_interactions(model, X)  # at the call, before any chunk is asked for
    with pytest.raises(InteractionsUnavailable, match="engine"):
        row_interactions(model, X, 0)


def test_pattern_tables_and_per_row_polynomials_agree() -> None:
    """Deep leaves skip the tables; both paths must give the same values on every leaf."""
    from app.core.explain.engine.interaction_engine import InteractionKernel

    model, data = model_and_data()
    X = data.X[:120]
    tables = InteractionKernel(model.engine)  # default: tables up to depth 10, all of Adult's
    per_row = InteractionKernel(model.engine, max_table_depth=0)
    assert tables.table_leaves > 0 and per_row.table_leaves == 0
    np.testing.assert_allclose(per_row.values(X), tables.values(X), atol=1e-6)
