"""Small real models trained once per test process (fixed seeds, few trees) and saved to disk.

Shared by the model, bad-input and CLI tests through functools.cache, so each model is trained
once however many test modules ask for it.
"""

from __future__ import annotations

import functools
import tempfile
from pathlib import Path

import numpy as np
import pandas as pd

from tests import datasets

N_ROWS = 600
SEED = 0


@functools.cache
def workdir() -> Path:
    return Path(tempfile.mkdtemp(prefix="shaplens-models-"))


@functools.cache
def dataset(name: str) -> tuple[pd.DataFrame, str]:
    """A fixed sample of a real dataset with its label column; text columns as category."""
    frame, label = datasets.load(name)
    frame = frame.sample(n=min(N_ROWS, len(frame)), random_state=SEED).reset_index(drop=True)
    drop = [c for c in ("fnlwgt", "split") if c in frame.columns]
    frame = frame.drop(columns=drop)
    return frame, label


def task_data(task: str) -> tuple[pd.DataFrame, pd.Series]:
    """X with pandas category columns, and y, for binary / multiclass / regression."""
    frame, label = dataset(datasets.TASK_DATASET[task])
    X = frame.drop(columns=[label]).copy()
    for column in X.columns:
        if not pd.api.types.is_numeric_dtype(X[column]):
            X[column] = X[column].astype("category")
    return X, frame[label]


def numeric_data(task: str) -> tuple[pd.DataFrame, pd.Series]:
    X, y = task_data(task)
    return X.select_dtypes("number"), y


def data_file(task: str, numeric: bool = False) -> Path:
    X, y = numeric_data(task) if numeric else task_data(task)
    path = workdir() / f"{task}{'_num' if numeric else ''}.parquet"
    if not path.exists():
        X.assign(**{"target": y.to_numpy()}).to_parquet(path)
    return path


@functools.cache
def xgboost_file(task: str, suffix: str = "json") -> Path:
    import xgboost as xgb

    X, y = task_data(task)
    if task == "multiclass":
        y = y - 1  # the wine classes are 1-3; these libraries want 0..K-1
    params = {
        "n_estimators": 8,
        "max_depth": 3,
        "random_state": SEED,
        "n_jobs": 1,
        "enable_categorical": True,
        "tree_method": "hist",
    }
    model = (xgb.XGBRegressor if task == "regression" else xgb.XGBClassifier)(**params)
    model.fit(X, y)
    path = workdir() / f"xgb_{task}.{suffix}"
    model.save_model(path)
    return path


@functools.cache
def catboost_file(task: str) -> Path:
    import catboost

    X, y = task_data(task)
    cats = [c for c in X.columns if isinstance(X[c].dtype, pd.CategoricalDtype)]
    X = X.copy()
    for c in cats:
        # CatBoost wants text labels; missing ones as the text "nan", as its docs advise.
        X[c] = X[c].astype(object).where(X[c].notna(), "nan").astype(str)
    cls = catboost.CatBoostRegressor if task == "regression" else catboost.CatBoostClassifier
    model = cls(
        iterations=8,
        depth=3,
        random_seed=SEED,
        verbose=0,
        thread_count=1,
        allow_writing_files=False,
    )
    model.fit(X, y, cat_features=cats)
    path = workdir() / f"cb_{task}.cbm"
    model.save_model(str(path))
    return path


SKLEARN_KINDS = (
    "RandomForest",
    "ExtraTrees",
    "GradientBoosting",
    "HistGradientBoosting",
    "DecisionTree",
)


@functools.cache
def sklearn_estimator(kind: str, task: str) -> object:
    from sklearn import ensemble, tree

    X, y = numeric_data(task)
    if kind != "HistGradientBoosting":
        X = X.fillna(X.median())  # only HGB is guaranteed to take NaN in every sklearn model
    suffix = "Regressor" if task == "regression" else "Classifier"
    module = tree if kind == "DecisionTree" else ensemble
    cls = getattr(module, kind + suffix)
    params: dict[str, object] = {"random_state": SEED}
    if kind in ("RandomForest", "ExtraTrees", "GradientBoosting"):
        params["n_estimators"] = 6
    if kind == "HistGradientBoosting":
        params["max_iter"] = 6
    params["max_depth"] = 4
    return cls(**params).fit(X, y)


@functools.cache
def sklearn_file(kind: str, task: str, fmt: str = "skops") -> Path:
    model = sklearn_estimator(kind, task)
    path = workdir() / f"sk_{kind}_{task}.{fmt}"
    if fmt == "skops":
        import skops.io as sio

        sio.dump(model, path)
    else:
        import joblib

        joblib.dump(model, path)
    return path


@functools.cache
def pipeline_file(final: str = "RandomForest", fmt: str = "skops") -> Path:
    from sklearn.compose import make_column_transformer
    from sklearn.ensemble import GradientBoostingClassifier, RandomForestClassifier
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import OneHotEncoder, StandardScaler

    X, y = task_data("binary")
    cats = ["workclass", "education", "sex", "race"]
    nums = ["age", "education_num", "hours_per_week", "capital_gain"]
    X = X[cats + nums].copy()
    for c in cats:
        X[c] = X[c].astype(str)
    ct = make_column_transformer(
        (OneHotEncoder(handle_unknown="ignore"), cats),
        (StandardScaler(), nums),
    )
    estimator = {
        "RandomForest": RandomForestClassifier(6, max_depth=4, random_state=SEED),
        "GradientBoosting": GradientBoostingClassifier(n_estimators=6, random_state=SEED),
        "Logistic": LogisticRegression(max_iter=200),
    }[final]
    pipe = make_pipeline(ct, estimator).fit(X, y)
    path = workdir() / f"pipe_{final}.{fmt}"
    if fmt == "skops":
        import skops.io as sio

        sio.dump(pipe, path)
    else:
        import joblib

        joblib.dump(pipe, path)
    return path


def pipeline_frame() -> pd.DataFrame:
    X, y = task_data("binary")
    cats = ["workclass", "education", "sex", "race"]
    nums = ["age", "education_num", "hours_per_week", "capital_gain"]
    X = X[cats + nums].copy()
    for c in cats:
        X[c] = X[c].astype(str).where(X[c].notna(), None)
    return X.assign(income_gt_50k=y.to_numpy())


@functools.cache
def lgbm_pickle(task: str = "binary") -> Path:
    import joblib
    import lightgbm as lgb

    X, y = task_data(task)
    if task == "multiclass":
        y = y - 1  # the wine classes are 1-3; these libraries want 0..K-1
    cls = lgb.LGBMRegressor if task == "regression" else lgb.LGBMClassifier
    model = cls(n_estimators=8, num_leaves=7, random_state=SEED, verbose=-1, n_jobs=1)
    model.fit(X, y)
    path = workdir() / f"lgbm_{task}.joblib"
    joblib.dump(model, path)
    return path


@functools.cache
def agnostic_file(task: str = "binary") -> Path:
    import joblib
    from sklearn.linear_model import LinearRegression, LogisticRegression

    X, y = numeric_data(task)
    X = X.fillna(X.median())
    model = LinearRegression() if task == "regression" else LogisticRegression(max_iter=500)
    model.fit(X, y)
    path = workdir() / f"linear_{task}.pkl"
    joblib.dump(model, path)
    return path


def rows(X: pd.DataFrame, n: int = 40) -> pd.DataFrame:
    return X.iloc[:n].reset_index(drop=True)


def float_matrix(frame: pd.DataFrame) -> np.ndarray:
    return frame.to_numpy(np.float64)
