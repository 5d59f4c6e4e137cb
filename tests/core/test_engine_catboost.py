"""CatBoost oblivious trees through ShapLens's engine: equal to CatBoost's ShapValues, additive on
every row, one-hot categorical splits included; models with CTR splits keep CatBoost's path and
say so."""

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
    assert model.engine._levels is not None  # the oblivious kernel, one table per tree
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


def _onehot_frame(n_levels: int = 4) -> tuple[pd.DataFrame, np.ndarray]:
    """Wine-derived data with two low-cardinality categorical columns (one numeric-looking),
    missing labels and NaN in a float feature."""
    rng = np.random.default_rng(SEED)
    X, y = load_diabetes(return_X_y=True)
    frame = pd.DataFrame(X[:, :4], columns=["age", "sex", "bmi", "bp"])
    frame.loc[rng.random(len(frame)) < 0.1, "bmi"] = np.nan
    kinds = np.array([f"kind {chr(97 + i)}" for i in range(n_levels)], dtype=object)
    frame["kind"] = kinds[rng.integers(0, n_levels, len(frame))]
    frame.loc[rng.random(len(frame)) < 0.08, "kind"] = "nan"  # CatBoost's missing label
    frame["grade"] = rng.integers(1, 4, len(frame))
    y = y + 40 * (frame["kind"] == "kind b") - 25 * (frame["grade"] == 2)
    return frame, y


def _onehot_model(
    frame: pd.DataFrame, y: np.ndarray, iterations: int, depth: int, **params: object
) -> CatBoostModel:
    est = catboost.CatBoostRegressor(
        iterations=iterations,
        depth=depth,
        verbose=0,
        random_seed=SEED,
        thread_count=1,
        one_hot_max_size=10,
        allow_writing_files=False,
        **params,
    )
    est.fit(frame, y, cat_features=["kind", "grade"])
    return CatBoostModel(Path("model.cbm"), est)


ONEHOT_CASES = {"forest": (30, 4), "single-tree": (1, 6), "depth-1": (20, 1)}


@pytest.mark.parametrize("case", list(ONEHOT_CASES))
def test_one_hot_categorical_splits_go_through_the_engine_exactly(case: str) -> None:
    from app.core.data.align import align

    frame, y = _onehot_frame()
    model = _onehot_model(frame, y, *ONEHOT_CASES[case])
    assert model.info.extra["explain_path"] == "engine", model.info.extra
    assert model.engine._levels is not None
    shown = frame.copy()
    shown["kind"] = shown["kind"].replace("nan", None)  # missing in the data: CatBoost's "nan"
    X = align(model, shown).X
    extra = X[:4].copy()
    extra[0, 4] = np.nan  # missing code
    extra[1, 4] = 99  # a code past the labels: read as missing, like CatBoost's own path
    extra[2, 5] = np.nan
    X = np.vstack([X, extra])
    values, base = model.contributions(X)
    theirs, their_base = catboost_own(model, X)
    scale = max(1.0, float(np.abs(theirs).max()))
    assert np.abs(values[:, 4:]).max() > 0  # the categorical features carry weight
    np.testing.assert_allclose(values, theirs, atol=1e-4 * scale)
    np.testing.assert_allclose(base, their_base, atol=1e-4 * scale)
    total = values.astype(np.float64).sum(axis=1) + base
    np.testing.assert_allclose(total, model.predict_raw(X), rtol=1e-5, atol=1e-4 * scale)
    one, _ = model.contributions_one(X[-3])
    np.testing.assert_allclose(one[0], values[-3], atol=1e-6 * scale)


def test_labels_met_after_loading_get_their_own_hash() -> None:
    """A label unseen in training goes CatBoost's "not equal" way; labels alignment appends
    later (new data) are hashed then, and earlier codes keep their meaning."""
    from app.core.data.align import align

    frame, y = _onehot_frame()
    model = _onehot_model(frame, y, 20, 3)
    first = align(model, frame.iloc[:50]).X
    later = frame.iloc[50:100].copy()
    later.loc[later.index[:5], "kind"] = "kind never seen"
    X = np.vstack([first, align(model, later).X])
    values, _ = model.contributions(X)
    theirs, _ = catboost_own(model, X)
    np.testing.assert_allclose(values, theirs, atol=1e-4 * max(1.0, np.abs(theirs).max()))


def test_ctr_splits_keep_catboost_and_name_the_reason() -> None:
    frame, y = _onehot_frame(n_levels=12)
    est = catboost.CatBoostRegressor(
        iterations=20,
        depth=4,
        verbose=0,
        random_seed=SEED,
        one_hot_max_size=2,
        allow_writing_files=False,
    )
    est.fit(frame, y, cat_features=["kind", "grade"])
    model = CatBoostModel(Path("model.cbm"), est)
    assert model.engine is None
    assert "CTR" in model.info.extra["engine_fallback"]


def test_per_tree_tables_equal_the_per_leaf_engine_and_refuse_other_trees() -> None:
    """The oblivious kernel against the engine's general per-leaf path on the same trees, and
    a forest whose level splits differ (not oblivious) keeps the general path."""
    import dataclasses

    from app.core.explain.engine import TreeShapEngine

    model, X = trained("wine", 15, 6)
    forest = model.engine.forest
    general = TreeShapEngine(dataclasses.replace(forest, extra={}))
    assert general._levels is None
    levels = model.engine._levels
    assert np.any(np.diff(levels.slot_offset) < levels.depth)  # a feature on several levels
    ours, base = model.engine.contributions(X)
    theirs, their_base = general.contributions(X)
    np.testing.assert_allclose(ours, theirs, atol=1e-5)
    np.testing.assert_allclose(base, their_base)
    tight = TreeShapEngine(forest, table_budget_bytes=levels.nbytes - 8)
    assert tight._levels is None  # over the budget: the per-leaf path, still exact
    np.testing.assert_allclose(tight.contributions(X)[0], ours, atol=1e-5)
    bent = dataclasses.replace(forest, threshold=forest.threshold.copy())
    bent.threshold[2] += 1.0  # the root's right child no longer splits like its sibling
    assert TreeShapEngine(bent)._levels is None
