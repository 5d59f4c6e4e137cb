"""Small real models for the counterfactual tests, saved and reloaded through load_model (the
path the app takes), trained once per test process on data inside the repository."""

from __future__ import annotations

import functools
import tempfile
from pathlib import Path

import numpy as np
import pandas as pd

from app.core.data.align import AlignedData, align
from app.core.data.model_io import load_model
from app.core.explain.models.base import ModelAdapter
from tests.conftest import SAMPLE_DATA

SEED = 0


@functools.cache
def _workdir() -> Path:
    return Path(tempfile.mkdtemp(prefix="shaplens-cf-"))


@functools.cache
def adult_frame(n: int = 3000) -> tuple[pd.DataFrame, pd.Series]:
    """Adult sample rows with text columns as pandas categories (what LightGBM/XGBoost take)."""
    frame = pd.read_parquet(SAMPLE_DATA).sample(n=n, random_state=SEED).reset_index(drop=True)
    y = frame.pop("income_gt_50k").astype(int)
    frame = frame.drop(columns=["fnlwgt", "split"])
    for column in frame.columns:
        if not pd.api.types.is_numeric_dtype(frame[column]):
            frame[column] = frame[column].astype("category")
    return frame, y


def _loaded(path: Path, frame: pd.DataFrame) -> tuple[ModelAdapter, AlignedData]:
    model = load_model(path, trust_pickle=True)
    return model, align(model, frame)


@functools.cache
def xgboost_adult() -> tuple[ModelAdapter, AlignedData]:
    import xgboost as xgb

    X, y = adult_frame()
    model = xgb.XGBClassifier(
        n_estimators=40, max_depth=4, enable_categorical=True, tree_method="hist",
        random_state=SEED, n_jobs=1,
    )  # fmt: skip
    model.fit(X, y)
    path = _workdir() / "xgb_adult.json"
    model.save_model(path)
    return _loaded(path, X)


def _skops(estimator: object, name: str, frame: pd.DataFrame) -> tuple[ModelAdapter, AlignedData]:
    import skops.io as sio

    path = _workdir() / f"{name}.skops"
    sio.dump(estimator, path)
    return _loaded(path, frame)


@functools.cache
def sklearn_forest(dataset: str) -> tuple[ModelAdapter, AlignedData]:
    """A random forest on a scikit-learn bundled dataset (no download)."""
    from sklearn import datasets
    from sklearn.ensemble import RandomForestClassifier, RandomForestRegressor

    loader = {
        "breast_cancer": datasets.load_breast_cancer,
        "wine": datasets.load_wine,
        "diabetes": datasets.load_diabetes,
    }[dataset]
    bunch = loader(as_frame=True)
    X, y = bunch.data, bunch.target
    cls = RandomForestRegressor if dataset == "diabetes" else RandomForestClassifier
    estimator = cls(n_estimators=25, max_depth=5, random_state=SEED, n_jobs=1).fit(X, y)
    return _skops(estimator, f"rf_{dataset}", X)


@functools.cache
def tiny_model(kind: str, seed: int) -> tuple[ModelAdapter, AlignedData]:
    """A few shallow trees over four features: small enough to search by brute force."""
    rng = np.random.default_rng(seed)
    n = 300
    X = pd.DataFrame(
        {
            "a": rng.integers(0, 20, n),
            "b": rng.normal(0, 1, n).round(2),
            "c": rng.integers(0, 5, n),
            "d": rng.uniform(-3, 3, n).round(3),
        }
    )
    score = X["a"] / 10 - X["b"] + (X["c"] == 2) * 1.5 - np.abs(X["d"]) + rng.normal(0, 0.5, n)
    y = (score > 0.3).astype(int)
    if kind == "lightgbm":
        import lightgbm as lgb

        booster = lgb.train(
            {"objective": "binary", "num_leaves": 4, "min_data_in_leaf": 10, "verbose": -1,
             "seed": seed, "num_threads": 1},
            lgb.Dataset(X, y), num_boost_round=4,
        )  # fmt: skip
        path = _workdir() / f"tiny_lgbm_{seed}.txt"
        booster.save_model(str(path))
        return _loaded(path, X)
    if kind == "xgboost":
        import xgboost as xgb

        model = xgb.XGBClassifier(n_estimators=4, max_depth=2, random_state=seed, n_jobs=1)
        model.fit(X, y)
        path = _workdir() / f"tiny_xgb_{seed}.json"
        model.save_model(path)
        return _loaded(path, X)
    from sklearn.ensemble import RandomForestClassifier

    forest = RandomForestClassifier(n_estimators=4, max_depth=3, random_state=seed, n_jobs=1)
    return _skops(forest.fit(X, y), f"tiny_rf_{seed}", X)
