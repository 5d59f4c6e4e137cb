"""Seeded synthetic data and LightGBM models for the benchmarks (cached in the temp dir)."""

from __future__ import annotations

import tempfile
from pathlib import Path

import numpy as np

CACHE = Path(tempfile.gettempdir()) / "shaplens-bench"
SEED = 20260101


def numeric_matrix(n_rows: int, n_features: int = 50, seed: int = SEED) -> np.ndarray:
    """Correlated Gaussian features (a few latent factors), float64, C order."""
    rng = np.random.default_rng(seed)
    latent = rng.normal(size=(n_rows, 5))
    mix = rng.normal(size=(5, n_features)) / np.sqrt(5)
    return np.ascontiguousarray(latent @ mix + 0.5 * rng.normal(size=(n_rows, n_features)))


def numeric_target(X: np.ndarray, seed: int = SEED) -> np.ndarray:
    rng = np.random.default_rng(seed + 1)
    w = rng.normal(size=X.shape[1])
    score = X @ w / np.sqrt(X.shape[1]) + np.sin(2 * X[:, 0]) + X[:, 1] * X[:, 2]
    return (score + rng.normal(size=X.shape[0]) > 0).astype(np.float64)


def categorical_matrix(n_rows: int, seed: int = SEED) -> tuple[np.ndarray, list[int]]:
    """Adult-like: 6 numeric and 8 categorical columns (codes 0..k-1), ~3% NaN in five columns."""
    rng = np.random.default_rng(seed + 2)
    levels = [9, 16, 7, 15, 6, 5, 2, 41]
    numeric = rng.normal(size=(n_rows, 6)) * [13, 2.5, 7000, 400, 12, 1] + [38, 10, 1000, 80, 40, 0]
    cats = np.column_stack([rng.integers(0, k, n_rows) for k in levels]).astype(np.float64)
    X = np.column_stack([numeric, cats])
    for col in (0, 3, 7, 9, 13):
        X[rng.random(n_rows) < 0.03, col] = np.nan
    return np.ascontiguousarray(X), list(range(6, 14))


def categorical_target(X: np.ndarray, seed: int = SEED) -> np.ndarray:
    rng = np.random.default_rng(seed + 3)
    effects = [rng.normal(size=50) for _ in range(8)]
    score = np.nan_to_num((X[:, 0] - 38) / 13) + np.nan_to_num(X[:, 1] - 10) / 2.5
    for j in range(8):
        codes = np.nan_to_num(X[:, 6 + j], nan=49).astype(int)
        score += effects[j][codes]
    return (score + rng.normal(size=X.shape[0]) > 0.5).astype(np.float64)


CENSUS_LEVELS = [5, 7, 9, 12, 16, 20, 25, 30, 41, 50, 6, 8, 10, 14, 18, 22, 28, 35, 45, 5, 6, 9]
CENSUS_LEVELS += [11, 13, 17, 24, 33, 48]


def census_matrix(n_rows: int, seed: int = SEED) -> tuple[np.ndarray, list[int]]:
    """Census-like: 12 numeric and 28 categorical columns (5-50 levels), ~3% NaN in eight."""
    rng = np.random.default_rng(seed + 4)
    numeric = rng.normal(size=(n_rows, 12)) * rng.uniform(1, 100, 12) + rng.uniform(0, 50, 12)
    cats = np.column_stack([rng.integers(0, k, n_rows) for k in CENSUS_LEVELS])
    X = np.column_stack([numeric, cats.astype(np.float64)])
    for col in (0, 2, 5, 13, 17, 22, 30, 38):
        X[rng.random(n_rows) < 0.03, col] = np.nan
    return np.ascontiguousarray(X), list(range(12, 40))


def census_target(X: np.ndarray, seed: int = SEED) -> np.ndarray:
    """Small categorical effects plus three effects that live inside conjunctions of up to 18
    categorical conditions: leaf-wise trees then grow long paths through many distinct features
    (~15% of leaves with 11-16, as in a real census model) instead of balanced shallow ones."""
    rng = np.random.default_rng(seed + 5)
    codes = np.nan_to_num(X[:, 12:], nan=0).astype(int)
    score = np.zeros(X.shape[0])
    for j, k in enumerate(CENSUS_LEVELS):
        score += rng.normal(size=k)[codes[:, j]] * 0.1
    for _ in range(3):
        inside = np.ones(X.shape[0], bool)
        for f in rng.permutation(28)[:18]:
            inside &= (rng.random(CENSUS_LEVELS[f]) < 0.85)[codes[:, f]]
            score += inside * rng.normal() * 1.5
    noisy = score + rng.normal(size=X.shape[0]) * 0.5
    return (noisy > np.median(score)).astype(np.float64)


def model(kind: str) -> Path:
    """Train (once) and return the path of benchmark model a/b/c/d as LightGBM text."""
    import lightgbm as lgb

    CACHE.mkdir(exist_ok=True)
    path = CACHE / f"model_{kind}.txt"
    if path.exists():
        return path
    params = {
        "objective": "binary",
        "verbose": -1,
        "seed": SEED,
        "deterministic": True,
        "num_threads": 2,
        "learning_rate": 0.05,
        "min_data_in_leaf": 5,
    }
    if kind == "a":
        X = numeric_matrix(20_000)
        y = numeric_target(X)
        params.update(num_leaves=31)
        rounds, cat = 500, "auto"
    elif kind == "b":
        X = numeric_matrix(60_000)
        y = numeric_target(X)
        params.update(num_leaves=255, max_depth=12, min_data_in_leaf=2)
        rounds, cat = 200, "auto"
    elif kind == "c":
        X, cat = categorical_matrix(30_000)
        y = categorical_target(X)
        params.update(num_leaves=63, max_cat_to_onehot=4, cat_smooth=5, min_data_per_group=20)
        rounds = 300
    elif kind == "d":
        X, cat = census_matrix(30_000)
        y = census_target(X)
        params.update(
            num_leaves=63, max_cat_to_onehot=4, cat_smooth=5, min_data_per_group=10, cat_l2=1.0
        )
        rounds = 300
    else:
        raise ValueError(kind)
    booster = lgb.train(params, lgb.Dataset(X, y, categorical_feature=cat), num_boost_round=rounds)
    booster.save_model(str(path))
    return path
