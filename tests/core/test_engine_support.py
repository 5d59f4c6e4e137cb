"""Small LightGBM models trained in the test session (fixed seeds) for the engine tests."""

from __future__ import annotations

from functools import cache

import lightgbm as lgb
import numpy as np
import pandas as pd

from tests import datasets

SEED = 7


def _codes(frame: pd.DataFrame) -> np.ndarray:
    """Category columns to their codes (missing → NaN), as LightGBM sees a DataFrame."""
    out = frame.copy()
    for column in out.columns:
        if isinstance(out[column].dtype, pd.CategoricalDtype):
            codes = out[column].cat.codes.astype(np.float64)
            out[column] = codes.where(codes >= 0, np.nan)
    return np.ascontiguousarray(out.to_numpy(np.float64))


def _frame(name: str, drop: tuple[str, ...], n: int) -> tuple[pd.DataFrame, np.ndarray]:
    data, label = datasets.load(name)
    data = data.sample(n=min(n, len(data)), random_state=SEED).reset_index(drop=True)
    y = data[label].to_numpy()
    X = data.drop(columns=[label, *drop])
    for column in X.columns:
        if pd.api.types.is_string_dtype(X[column]) or X[column].dtype == object:
            X[column] = X[column].astype("category")
    return X, y


def _train(
    X: pd.DataFrame | np.ndarray, y: np.ndarray, rounds: int, **params: object
) -> lgb.Booster:
    categorical = params.pop("categorical_feature", "auto")
    base = {
        "verbose": -1,
        "seed": SEED,
        "deterministic": True,
        "num_threads": 1,
        "min_data_in_leaf": 5,
        "num_leaves": 15,
    }
    base.update(params)
    return lgb.train(
        base, lgb.Dataset(X, y, categorical_feature=categorical), num_boost_round=rounds
    )


@cache
def model(name: str) -> tuple[lgb.Booster, np.ndarray]:
    """(booster, float64 test matrix) for adult, diabetes, wine, zero, nan, rf, onehot."""
    if name == "adult":
        X, y = _frame("adult", ("fnlwgt", "split"), 3000)
        return _train(X, y, 40, objective="binary", cat_smooth=1, min_data_per_group=5), _codes(X)[
            :300
        ]
    if name == "diabetes":
        X, y = _frame("diabetes", (), 2000)
        return _train(X, y, 30, objective="regression"), _codes(X)[:300]
    if name == "wine":
        X, y = _frame("wine", (), 600)
        classes = np.unique(y)
        y = np.searchsorted(classes, y)
        booster = _train(X, y, 5, objective="multiclass", num_class=len(classes), num_leaves=7)
        return booster, _codes(X)[:200]
    return _synthetic(name)


def synthetic_matrix(n: int, seed: int) -> np.ndarray:
    """Numbers with exact zeros, tiny values and NaN; a category column with odd codes."""
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, 5))
    X[rng.random(n) < 0.2, 0] = 0.0
    X[rng.random(n) < 0.05, 0] = 1e-40
    X[rng.random(n) < 0.15, 1] = np.nan
    X[rng.random(n) < 0.1, 2] = np.nan
    X[rng.random(n) < 0.1, 2] = 0.0
    X[:, 4] = rng.integers(0, 12, n)
    X[rng.random(n) < 0.1, 4] = np.nan
    return X


def odd_rows(n_features: int = 5) -> np.ndarray:
    """Rows that probe the decision rules: negatives, fractions and huge codes, ±0, tiny, NaN."""
    values = [
        np.nan,
        0.0,
        -0.0,
        1e-36,
        -1e-36,
        1e-30,
        -0.5,
        -1.0,
        -3.0,
        2.7,
        31.0,
        32.0,
        1000.0,
        3e9,
        -3e9,
        np.inf,
        -np.inf,
    ]
    rows = np.array([[v] * n_features for v in values], dtype=np.float64)
    return rows


def _synthetic(name: str) -> tuple[lgb.Booster, np.ndarray]:
    X = synthetic_matrix(3000, SEED)
    y = np.nan_to_num(X[:, 0]) * 2 + np.isnan(X[:, 1]) + (np.nan_to_num(X[:, 4]) % 3 == 1)
    y = y + 0.3 * np.random.default_rng(1).normal(size=len(y)) + (X[:, 2] == 0)
    params: dict[str, object] = {
        "objective": "regression",
        "categorical_feature": [4],
        "min_data_per_group": 5,
        "cat_smooth": 1,
    }
    if name == "zero":
        params["zero_as_missing"] = True
    elif name == "rf":
        params.update(boosting="rf", bagging_freq=1, bagging_fraction=0.7)
    elif name == "onehot":
        params["max_cat_to_onehot"] = 16
    elif name != "nan":
        raise KeyError(name)
    test = np.vstack([synthetic_matrix(200, SEED + 1), odd_rows()])
    return _train(X, y, 25, **params), test
