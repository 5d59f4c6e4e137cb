"""XGBoost through ShapLens's engine: equal to XGBoost's pred_contribs, additive on every row."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import xgboost as xgb
from sklearn.datasets import load_breast_cancer, load_diabetes, load_wine

from app.core.explain.engine import ENGINE_NAME
from app.core.explain.models.xgboost_model import XGBoostModel, load_xgboost_json

SEED = 5
LOADERS = {"cancer": load_breast_cancer, "wine": load_wine, "diabetes": load_diabetes}


def dataset(name: str, nan: float, cat: bool) -> tuple[np.ndarray, np.ndarray, list[str]]:
    rng = np.random.default_rng(SEED)
    X, y = LOADERS[name](return_X_y=True)
    X = X[:, :8].copy()
    types = ["float"] * X.shape[1]
    if cat:
        codes = rng.integers(0, 12, len(X)).astype(np.float64)
        if name == "diabetes":
            y = y + np.isin(codes, [1, 4, 7]) * y.std()
        else:
            flip = np.isin(codes, [1, 4, 7]) & (rng.random(len(X)) < 0.5)
            y = np.where(flip, (y + 1) % (y.max() + 1), y)
        X = np.column_stack([X, codes])
        types.append("c")
    if nan:
        X[rng.random(X.shape) < nan] = np.nan
    return X, y, types


def train(name: str, params: dict, rounds: int, nan: float = 0.1, cat: bool = False):
    X, y, types = dataset(name, nan, cat)
    names = [f"f{i}" for i in range(X.shape[1])]
    matrix = xgb.DMatrix(X, y, feature_names=names, feature_types=types, enable_categorical=cat)
    params = {"tree_method": "hist", "max_cat_to_onehot": 1, "nthread": 1, "seed": SEED, **params}
    booster = xgb.train(params, matrix, rounds)
    if cat:  # codes XGBoost never saw, negative, not whole, missing
        X[:5, -1] = [12, 400, -1, 2.5, np.nan]
    return booster, X


def own_shap(model: XGBoostModel, X: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """XGBoost's pred_contribs in the adapter's layout (rows, features, outputs)."""
    contrib = model.booster.predict(model._matrix(X), pred_contribs=True)
    blocks = np.asarray(contrib, np.float64).reshape(X.shape[0], model.n_outputs, -1)
    return blocks[:, :, :-1].transpose(0, 2, 1), blocks[0, :, -1]


def check(model: XGBoostModel, X: np.ndarray) -> None:
    assert model.info.explainer == ENGINE_NAME
    assert model.info.extra["explain_path"] == "engine"
    values, base = model.contributions(X)
    theirs, their_base = own_shap(model, X)
    scale = max(1.0, float(np.abs(theirs).max()))
    np.testing.assert_allclose(values, theirs, atol=1e-4 * scale)
    np.testing.assert_allclose(base, their_base, atol=1e-4 * scale)
    raw = model.predict_raw(X)
    total = values.astype(np.float64).sum(axis=1) + base
    np.testing.assert_allclose(total, raw, rtol=1e-5, atol=1e-4 * scale)
    one, _ = model.contributions_one(X[7])
    np.testing.assert_allclose(one[0], values[7], atol=1e-6 * scale)


CASES = {
    "binary-nan": ("cancer", {"objective": "binary:logistic", "max_depth": 4}, 20, False),
    "binary-categorical": ("cancer", {"objective": "binary:logistic", "max_depth": 4}, 20, True),
    "multiclass": (
        "wine",
        {"objective": "multi:softprob", "num_class": 3, "max_depth": 3},
        8,
        False,
    ),
    "multiclass-categorical": (
        "wine",
        {"objective": "multi:softmax", "num_class": 3, "max_depth": 3},
        8,
        True,
    ),
    "regression-categorical": (
        "diabetes",
        {"objective": "reg:squarederror", "max_depth": 5},
        25,
        True,
    ),
    "one-hot-categorical": (
        "diabetes",
        {"objective": "reg:squarederror", "max_depth": 4, "max_cat_to_onehot": 16},
        15,
        True,
    ),
    "poisson": ("diabetes", {"objective": "count:poisson", "max_depth": 3}, 10, False),
    "dart": ("diabetes", {"booster": "dart", "rate_drop": 0.3, "max_depth": 3}, 10, False),
    "single-tree": ("diabetes", {"objective": "reg:squarederror", "max_depth": 6}, 1, False),
    "stump": ("cancer", {"objective": "binary:logistic", "max_depth": 1}, 1, False),
}


@pytest.mark.parametrize("case", list(CASES))
def test_engine_equals_pred_contribs_and_adds_up(case: str) -> None:
    name, params, rounds, cat = CASES[case]
    booster, X = train(name, params, rounds, cat=cat)
    check(XGBoostModel(Path("model.json"), booster), X)


def test_a_255_leaf_tree() -> None:
    params = {
        "objective": "reg:squarederror",
        "max_depth": 0,
        "max_leaves": 255,
        "grow_policy": "lossguide",
        "min_child_weight": 0,
        "lambda": 0,
    }
    booster, X = train("diabetes", params, 1, nan=0.05)
    model = XGBoostModel(Path("model.json"), booster)
    assert model.engine.forest.leaf_offset[-1] == 255
    check(model, X)


def test_saved_json_file_loads_onto_the_engine(tmp_path: Path) -> None:
    booster, X = train("cancer", {"objective": "binary:logistic", "max_depth": 3}, 5, cat=True)
    path = tmp_path / "model.json"
    booster.save_model(str(path))
    check(load_xgboost_json(path, path.read_bytes()), X)


def test_a_base_score_the_engine_misreads_falls_back_and_says_so(monkeypatch) -> None:
    from app.core.explain.engine import from_xgboost

    monkeypatch.setattr(from_xgboost, "base_margin", lambda learner, n: np.full(n, 3.0))
    booster, X = train("cancer", {"objective": "binary:logistic", "max_depth": 3}, 5)
    model = XGBoostModel(Path("model.json"), booster)
    assert model.engine is None
    assert model.info.explainer == "exact TreeSHAP (XGBoost pred_contribs)"
    assert "base score" in model.info.extra["engine_fallback"]
    values, base = model.contributions(X)
    np.testing.assert_allclose(values.sum(axis=1) + base, model.predict_raw(X), atol=1e-4)


def test_a_linear_booster_keeps_xgboost_and_says_why() -> None:
    X, y, _ = dataset("diabetes", 0.0, False)
    booster = xgb.train({"booster": "gblinear", "nthread": 1}, xgb.DMatrix(X, y), 3)
    model = XGBoostModel(Path("model.json"), booster)
    assert model.engine is None
    assert "gblinear" in model.info.extra["engine_fallback"]
