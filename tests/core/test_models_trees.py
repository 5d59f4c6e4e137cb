"""Every tree framework and task: additivity per row, and agreement with shap's reference."""

from __future__ import annotations

import numpy as np
import pytest

from app.core.base.types import Task, Unit
from app.core.data.align import align
from app.core.data.model_io import load_model
from tests.core import model_fixtures as F

TASKS = ("binary", "multiclass", "regression")
N = 60


def additivity(model, X: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    values, base = model.contributions(X)
    raw = model.predict_raw(X)
    assert values.dtype == np.float32
    assert values.shape == (X.shape[0], len(model.features), model.n_outputs)
    total = values.sum(axis=1, dtype=np.float64) + base[None, :]
    scale = max(1.0, float(np.abs(raw).max()))
    np.testing.assert_allclose(total, raw, atol=2e-5 * scale)
    return values, base, raw


@pytest.mark.parametrize("task", TASKS)
def test_xgboost_json_exact_and_matches_shap(task: str) -> None:
    shap = pytest.importorskip("shap")
    model = load_model(F.xgboost_file(task))
    X_frame, _ = F.task_data(task)
    data = align(model, F.rows(X_frame, N))
    values, _, _ = additivity(model, data.X)
    expected_task = {"binary": Task.BINARY, "multiclass": Task.MULTICLASS}.get(
        task, Task.REGRESSION
    )
    assert model.task is expected_task
    assert model.unit is (Unit.TARGET if task == "regression" else Unit.LOG_ODDS)
    reference = shap.TreeExplainer(model.booster).shap_values(model._matrix(data.X))
    reference = np.asarray(reference).reshape(values.shape[0], values.shape[1], -1)
    np.testing.assert_allclose(values, reference, atol=1e-4 * max(1.0, np.abs(reference).max()))


def test_xgboost_categorical_labels_come_from_the_model() -> None:
    model = load_model(F.xgboost_file("binary"))
    workclass = next(f for f in model.features if f.name == "workclass")
    assert workclass.is_categorical and "Private" in (workclass.categories or [])
    assert model.info.extra["categorical"] is True


def test_xgboost_ubj_is_probed_then_loaded() -> None:
    model = load_model(F.xgboost_file("binary", "ubj"))
    X_frame, _ = F.task_data("binary")
    additivity(model, align(model, F.rows(X_frame, 20)).X)


@pytest.mark.parametrize("task", TASKS)
def test_catboost_exact_and_labels_from_data(task: str) -> None:
    model = load_model(F.catboost_file(task))
    X_frame, _ = F.task_data(task)
    data = align(model, F.rows(X_frame, N))
    values, _, _ = additivity(model, data.X)
    cat_features = [f for f in model.features if f.is_categorical]
    if task != "multiclass":  # wine's one category, cellar, is noise a model may skip
        assert cat_features and data.report.labels_from_data
    # CatBoost's own reference on the same rows, through its own Pool of labels
    reference = model.model.get_feature_importance(model._pool(data.X), type="ShapValues")
    reference = np.asarray(reference).reshape(data.X.shape[0], -1, len(model.features) + 1)
    np.testing.assert_allclose(values, reference[:, :, :-1].transpose(0, 2, 1), atol=1e-4)


@pytest.mark.parametrize("kind", F.SKLEARN_KINDS)
@pytest.mark.parametrize("task", TASKS)
def test_sklearn_skops_additive(kind: str, task: str) -> None:
    model = load_model(F.sklearn_file(kind, task))
    X_frame, _ = F.numeric_data(task)
    if kind != "HistGradientBoosting":
        X_frame = X_frame.fillna(X_frame.median())
    data = align(model, F.rows(X_frame, N))
    additivity(model, data.X)
    assert model.info.framework == "scikit-learn" and model.info.exact
    forest_unit = {
        "RandomForest": Unit.PROBABILITY,
        "ExtraTrees": Unit.PROBABILITY,
        "DecisionTree": Unit.PROBABILITY,
    }.get(kind, Unit.LOG_ODDS)
    assert model.unit is (Unit.TARGET if task == "regression" else forest_unit)


@pytest.mark.parametrize("kind", ["RandomForest", "GradientBoosting", "HistGradientBoosting"])
@pytest.mark.parametrize("task", ["binary", "regression"])
def test_sklearn_agrees_with_shap_reference(kind: str, task: str) -> None:
    shap = pytest.importorskip("shap")
    model = load_model(F.sklearn_file(kind, task))
    X_frame, _ = F.numeric_data(task)
    X_frame = X_frame.fillna(X_frame.median())  # shap sends NaN left in sklearn trees
    X = align(model, F.rows(X_frame, N)).X
    values, _ = model.contributions(X)
    reference = shap.TreeExplainer(model.estimator).shap_values(X_frame.iloc[:N])
    reference = np.asarray(reference)
    if reference.ndim == 3:  # classifier forests: take the positive class
        reference = reference[:, :, 1]
    np.testing.assert_allclose(
        values[:, :, 0], reference, atol=1e-4 * max(1, np.abs(reference).max())
    )


def test_hist_gradient_boosting_routes_missing_values_like_sklearn() -> None:
    model = load_model(F.sklearn_file("HistGradientBoosting", "regression"))
    X_frame, _ = F.numeric_data("regression")
    data = align(model, F.rows(X_frame, 300))
    assert data.report.nan_counts, "the diabetes data has missing blood pressures"
    additivity(model, data.X)


def test_pickled_sklearn_model_loads_when_trusted() -> None:
    model = load_model(F.sklearn_file("RandomForest", "multiclass", "joblib"), trust_pickle=True)
    X_frame, _ = F.numeric_data("multiclass")
    values, _, _ = additivity(model, align(model, F.rows(X_frame.fillna(0), 20)).X)
    assert model.output_names == ["1", "2", "3"] and values.shape[2] == 3


@pytest.mark.parametrize("task", TASKS)
def test_lightgbm_sklearn_wrapper_unwraps_to_booster(task: str) -> None:
    model = load_model(F.lgbm_pickle(task), trust_pickle=True)
    assert model.info.framework == "LightGBM"
    X_frame, _ = F.task_data(task)
    additivity(model, align(model, F.rows(X_frame, N)).X)
