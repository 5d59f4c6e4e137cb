"""CatBoost oblivious trees through ShapLens's engine: equal to CatBoost's ShapValues, additive on
every row; models with categorical features keep CatBoost's path and say so."""

from __future__ import annotations

from pathlib import Path

import catboost
import numpy as np
import pandas as pd
import pytest
from sklearn.datasets import load_breast_cancer, load_diabetes, load_wine

from app.core.explain.engine import ENGINE_NAME
from app.core.explain.models.catboost_model import CatBoostModel

SEED = 9
LOADERS = {"cancer": load_breast_cancer, "wine": load_wine, "diabetes": load_diabetes}


def trained(
    name: str, iterations: int, depth: int, **params: object
) -> tuple[CatBoostModel, np.ndarray]:
    rng = np.random.default_rng(SEED)
    X, y = LOADERS[name](return_X_y=True)
    X = X.copy()
    X[rng.random(X.shape) < 0.1] = np.nan
    kind = catboost.CatBoostRegressor if name == "diabetes" else catboost.CatBoostClassifier
    est = kind(
        iterations=iterations,
        depth=depth,
        verbose=0,
        random_seed=SEED,
        thread_count=1,
        allow_writing_files=False,
        **params,
    )
    est.fit(X, y)
    return CatBoostModel(Path("model.cbm"), est), X


def catboost_own(model: CatBoostModel, X: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    engine, model.engine = model.engine, None
    try:
        return model.contributions(X)
    finally:
        model.engine = engine


CASES = {
    "binary": ("cancer", 30, 6, {}),
    "multiclass": ("wine", 20, 4, {}),
    "regression": ("diabetes", 30, 5, {}),
    "nan-as-max": ("diabetes", 20, 4, {"nan_mode": "Max"}),
    "single-tree": ("diabetes", 1, 6, {}),
    "stump": ("cancer", 1, 1, {}),
    "depth-8": ("diabetes", 3, 8, {}),
}


@pytest.mark.parametrize("case", list(CASES))
def test_engine_equals_shap_values_and_adds_up(case: str) -> None:
    name, iterations, depth, params = CASES[case]
    model, X = trained(name, iterations, depth, **params)
    assert model.info.explainer == ENGINE_NAME
    assert model.info.extra["explain_path"] == "engine"
    values, base = model.contributions(X)
    theirs, their_base = catboost_own(model, X)
    scale = max(1.0, float(np.abs(theirs).max()))
    assert np.abs(values).max() > 0
    np.testing.assert_allclose(values, theirs, atol=1e-4 * scale)
    np.testing.assert_allclose(base, their_base, atol=1e-4 * scale)
    total = values.astype(np.float64).sum(axis=1) + base
    np.testing.assert_allclose(total, model.predict_raw(X), rtol=1e-5, atol=1e-4 * scale)
    one, _ = model.contributions_one(X[4])
    np.testing.assert_allclose(one[0], values[4], atol=1e-6 * scale)


def test_categorical_features_keep_catboost_and_say_why() -> None:
    rng = np.random.default_rng(SEED)
    X, y = load_diabetes(return_X_y=True)
    frame = pd.DataFrame(X[:, :4], columns=["a", "b", "c", "d"])
    frame["kind"] = rng.choice(["x", "y", "z"], len(frame))
    est = catboost.CatBoostRegressor(
        iterations=5, depth=3, verbose=0, random_seed=SEED, allow_writing_files=False
    )
    est.fit(frame, y, cat_features=["kind"])
    model = CatBoostModel(Path("model.cbm"), est)
    assert model.engine is None
    assert model.info.explainer == "exact TreeSHAP (CatBoost ShapValues, Regular mode)"
    assert "categorical" in model.info.extra["engine_fallback"]
