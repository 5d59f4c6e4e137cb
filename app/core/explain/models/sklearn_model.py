"""scikit-learn tree ensembles: exact TreeSHAP over their own trees, raw output from sklearn."""

from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np
import pandas as pd

from app.core.base.errors import AlignmentError
from app.core.explain.models.base import FeatureSpec, ModelAdapter, ModelInfo
from app.core.explain.models.sklearn_trees import (
    Forest,
    ForestShap,
    UnsupportedTrees,
    forest_engine,
    raw_predict,
    round_like_sklearn,
)
from app.core.explain.models.tree_engine import record_path

PROBE_ROWS = 256
SHAP_PATH = "exact TreeSHAP (shap TreeExplainer, path-dependent)"


def estimator_feature_names(estimator: object) -> list[str]:
    names = getattr(estimator, "feature_names_in_", None)
    if names is not None:
        return [str(n) for n in names]
    return [f"x{i}" for i in range(int(getattr(estimator, "n_features_in_", 0)))]


def as_input(estimator: object, X: np.ndarray) -> np.ndarray | pd.DataFrame:
    """Estimators fitted on a DataFrame warn when given a bare array: give them their names."""
    names = getattr(estimator, "feature_names_in_", None)
    if names is None:
        return X
    return pd.DataFrame(X, columns=list(names), copy=False)


def probe_rows(X: np.ndarray) -> np.ndarray:
    """A few rows to try the model on: rows with missing values first, since they fail most."""
    has_nan = np.flatnonzero(np.isnan(X).any(axis=1))[:PROBE_ROWS]
    rest = np.arange(min(X.shape[0], PROBE_ROWS))
    return X[np.unique(np.concatenate([has_nan, rest]))]


def refusal_message(model_name: str, error: Exception) -> str:
    text = str(error).split("\n")[0]
    if "NaN" in text:
        return (
            f"{model_name} cannot take missing values (NaN), and the dataset has some in model "
            "columns; fill them (or use a model trained with missing values)."
        )
    return f"{model_name} refused this data: {text}"


def check_by_probe(model: ModelAdapter, X: np.ndarray) -> None:
    """Refuse data the estimator would reject by predicting a few rows: scikit-learn's own
    checks then name the reason (missing values, a wrong column count)."""
    if X.shape[0] == 0:
        return
    try:
        model.predict_raw(probe_rows(X))
    except ValueError as error:
        raise AlignmentError(refusal_message(model.path.name, error), model.path) from error


class SklearnTreeModel(ModelAdapter):
    """RandomForest / ExtraTrees / (Hist)GradientBoosting / DecisionTree, classifier or regressor.

    Explained by ShapLens's engine; shap's TreeExplainer (single-threaded, holds the GIL) is kept
    for trees the engine refuses, and models with categorical splits have no such fallback.
    """

    accepts_inf = False  # sklearn's input validation rejects inf

    def __init__(self, path: Path, estimator: object, forest: Forest) -> None:
        self.path = path
        self.estimator = estimator
        self.forest = forest
        self.features = [FeatureSpec(n) for n in estimator_feature_names(estimator)]
        self.output_names = list(forest.output_names)
        self.engine, why = forest_engine(forest, self.feature_names, path.name)
        if self.engine is None and forest.has_categorical:
            raise UnsupportedTrees(f"native categorical splits ({why})")
        self._shap = ForestShap(forest) if self.engine is None else None
        self.info = ModelInfo(
            framework="scikit-learn",
            task=forest.task,
            unit=forest.unit,
            objective=type(estimator).__name__,
            n_trees=len(forest.trees),
        )
        record_path(self.info, self.engine, SHAP_PATH, why)

    def predict_raw(self, X: np.ndarray) -> np.ndarray:
        X = round_like_sklearn(self.forest, X)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", UserWarning)  # feature-name chatter only
            return raw_predict(self.estimator, as_input(self.estimator, X))

    def contributions(self, X: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        if self.engine is not None:
            return self.engine.contributions(X)
        return self._shap.contributions(X)

    def contributions_one(self, x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        if self.engine is not None:
            return self.engine.contributions_one(x)
        return self.contributions(np.asarray(x, dtype=np.float64).reshape(1, -1))

    def check_input(self, X: np.ndarray) -> None:
        check_by_probe(self, X)
