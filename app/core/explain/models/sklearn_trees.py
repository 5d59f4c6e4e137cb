"""scikit-learn tree ensembles as plain node arrays, explained exactly by shap's TreeExplainer.

We convert the trees ourselves instead of handing the estimator to shap because shap refuses
multiclass GradientBoosting/HistGradientBoosting and sends missing values left for every sklearn
tree, while sklearn (>= 1.3) records per node where missing values go (`missing_go_to_left`).
"""

from __future__ import annotations

import threading
import warnings
from dataclasses import dataclass
from typing import Any

import numpy as np

from app.core.base.types import Task, Unit

CLASSIFIER_FORESTS = (
    "DecisionTreeClassifier",
    "ExtraTreeClassifier",
    "RandomForestClassifier",
    "ExtraTreesClassifier",
)
REGRESSOR_FORESTS = (
    "DecisionTreeRegressor",
    "ExtraTreeRegressor",
    "RandomForestRegressor",
    "ExtraTreesRegressor",
)
BOOSTED = ("GradientBoostingClassifier", "GradientBoostingRegressor")
HIST = ("HistGradientBoostingClassifier", "HistGradientBoostingRegressor")
SUPPORTED = CLASSIFIER_FORESTS + REGRESSOR_FORESTS + BOOSTED + HIST


class UnsupportedTrees(Exception):
    """This estimator cannot be expressed as plain trees (callers fall back to sampling)."""


def import_shap() -> Any:
    """shap, imported without its plotting module's matplotlib deprecation chatter."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        import shap
    return shap


def is_supported_tree_model(model: object) -> bool:
    return type(model).__name__ in SUPPORTED and type(model).__module__.startswith("sklearn.")


@dataclass
class Forest:
    trees: list[dict[str, np.ndarray]]
    base_offset: np.ndarray  # (K,)
    task: Task
    unit: Unit
    output_names: list[str]
    float32_input: bool  # sklearn's classic trees compare float32(x) with the threshold

    @property
    def has_categorical(self) -> bool:
        """shap's tree format has no categorical splits: only the engine can explain these."""
        return any(tree.get("cat_left") for tree in self.trees)


def _sklearn_tree(tree: object, values: np.ndarray) -> dict[str, np.ndarray]:
    left = np.asarray(tree.children_left, dtype=np.int32)
    right = np.asarray(tree.children_right, dtype=np.int32)
    go_left = getattr(tree, "missing_go_to_left", None)
    default = left if go_left is None else np.where(np.asarray(go_left) > 0, left, right)
    return {
        "children_left": left,
        "children_right": right,
        "children_default": default.astype(np.int32),
        "features": np.asarray(tree.feature, dtype=np.int32),
        "thresholds": np.asarray(tree.threshold, dtype=np.float64),
        "values": np.ascontiguousarray(values, dtype=np.float64),
        "node_sample_weight": np.asarray(tree.weighted_n_node_samples, dtype=np.float64),
    }


def _class_names(model: object) -> list[str]:
    return [str(c) for c in getattr(model, "classes_", [])]


def _forest_trees(model: object) -> list[object]:
    return list(getattr(model, "estimators_", [model]))


def _classic_forest(model: object, name: str) -> Forest:
    estimators = _forest_trees(model)
    if getattr(model, "n_outputs_", 1) != 1:
        raise UnsupportedTrees("multi-output trees")
    scale = 1.0 / len(estimators)
    trees = []
    if name in CLASSIFIER_FORESTS:
        classes = _class_names(model)
        binary = len(classes) == 2
        for est in estimators:
            value = est.tree_.value[:, 0, :].astype(np.float64)
            # Since sklearn 1.4 leaves hold class fractions; normalising keeps older files right.
            value = value / np.maximum(value.sum(axis=1, keepdims=True), 1e-300)
            value = value[:, 1:2] if binary else value
            trees.append(_sklearn_tree(est.tree_, value * scale))
        k = 1 if binary else len(classes)
        names = [classes[1]] if binary else classes
        task = Task.BINARY if binary else Task.MULTICLASS
        return Forest(trees, np.zeros(k), task, Unit.PROBABILITY, names, True)
    for est in estimators:
        trees.append(_sklearn_tree(est.tree_, est.tree_.value[:, 0, :1] * scale))
    return Forest(trees, np.zeros(1), Task.REGRESSION, Unit.TARGET, ["output"], True)


def _boosted(model: object, name: str) -> Forest:
    init = getattr(model, "init_", None)
    if init not in (None, "zero") and type(init).__name__ not in (
        "DummyClassifier",
        "DummyRegressor",
    ):
        raise UnsupportedTrees("a custom init estimator")
    n_features = int(model.n_features_in_)
    base = np.asarray(model._raw_predict_init(np.zeros((1, n_features), np.float32)))[0]
    stages = model.estimators_  # (n_stages, K) DecisionTreeRegressor
    k = stages.shape[1]
    lr = float(model.learning_rate)
    trees = []
    for stage in stages:
        for j, est in enumerate(stage):
            value = np.zeros((est.tree_.node_count, k))
            value[:, j] = est.tree_.value[:, 0, 0] * lr
            trees.append(_sklearn_tree(est.tree_, value))
    if name == "GradientBoostingClassifier":
        classes = _class_names(model)
        binary = k == 1
        task = Task.BINARY if binary else Task.MULTICLASS
        names = [classes[1]] if binary else classes
        return Forest(trees, base.astype(np.float64), task, Unit.LOG_ODDS, names, True)
    return Forest(trees, base.astype(np.float64), Task.REGRESSION, Unit.TARGET, ["output"], True)


def _hist(model: object, name: str) -> Forest:
    from app.core.explain.models.sklearn_hist import hist_trees

    predictors = model._predictors
    k = len(predictors[0]) if predictors else 1
    trees = hist_trees(model, k)
    base = np.asarray(model._baseline_prediction, dtype=np.float64).reshape(-1)
    if name == "HistGradientBoostingClassifier":
        classes = _class_names(model)
        binary = k == 1
        task = Task.BINARY if binary else Task.MULTICLASS
        names = [classes[1]] if binary else classes
        return Forest(trees, base, task, Unit.LOG_ODDS, names, False)
    loss = str(getattr(model, "loss", "squared_error"))
    unit = (
        Unit.TARGET if loss in ("squared_error", "absolute_error", "quantile") else Unit.RAW_MARGIN
    )
    return Forest(trees, base, Task.REGRESSION, unit, ["output"], False)


def forest_of(model: object) -> Forest:
    """The model's trees per output; raises UnsupportedTrees when that is impossible."""
    name = type(model).__name__
    if name in CLASSIFIER_FORESTS or name in REGRESSOR_FORESTS:
        forest = _classic_forest(model, name)
    elif name in BOOSTED:
        forest = _boosted(model, name)
    elif name in HIST:
        forest = _hist(model, name)
    else:
        raise UnsupportedTrees(name)
    if not forest.trees:
        raise UnsupportedTrees("no trees")
    return forest


def raw_predict(model: object, X: np.ndarray) -> np.ndarray:
    """The model's own raw output in the forest's unit, shape (n, K)."""
    name = type(model).__name__
    if name in CLASSIFIER_FORESTS:
        proba = model.predict_proba(X)
        return (proba[:, 1:2] if proba.shape[1] == 2 else proba).astype(np.float64)
    if name in HIST:
        return np.asarray(model._raw_predict(X), dtype=np.float64).reshape(X.shape[0], -1)
    if name == "GradientBoostingClassifier":
        return np.asarray(model.decision_function(X), dtype=np.float64).reshape(X.shape[0], -1)
    return np.asarray(model.predict(X), dtype=np.float64).reshape(X.shape[0], -1)


def round_like_sklearn(forest: Forest, X: np.ndarray) -> np.ndarray:
    """sklearn's classic trees compare float32(x): give every path the same rounded input."""
    X = np.asarray(X, dtype=np.float64)
    return X.astype(np.float32).astype(np.float64) if forest.float32_input else X


def forest_engine(forest: Forest, names: list[str], source: str) -> tuple[Any, str]:
    """ShapLens's engine over these trees, or (None, why) when it cannot take them."""
    from app.core.explain.engine.from_nodes import forest_from_nodes
    from app.core.explain.models.tree_engine import try_engine

    return try_engine(
        lambda: forest_from_nodes(
            forest.trees, names, forest.base_offset, forest.float32_input, "", source
        )
    )


class ForestShap:
    """shap's exact path-dependent TreeSHAP over a Forest; one call at a time per forest."""

    def __init__(self, forest: Forest) -> None:
        shap = import_shap()
        self.forest = forest
        model = {
            "trees": [{k: v for k, v in t.items() if k != "cat_left"} for t in forest.trees],
            "base_offset": forest.base_offset
            if forest.base_offset.size > 1
            else float(forest.base_offset[0]),
            "input_dtype": np.float64,
            "internal_dtype": np.float64,
            "tree_output": "raw_value",
        }
        self.explainer = shap.TreeExplainer(model, feature_perturbation="tree_path_dependent")
        self._lock = threading.Lock()

    def prepare(self, X: np.ndarray) -> np.ndarray:
        return round_like_sklearn(self.forest, X)

    def contributions(self, X: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        k = self.forest.base_offset.size
        X = self.prepare(X)
        with self._lock:
            values = self.explainer.shap_values(X, check_additivity=False)
            base = np.asarray(self.explainer.expected_value, dtype=np.float64).reshape(-1)
        values = np.asarray(values, dtype=np.float64).reshape(X.shape[0], X.shape[1], k)
        return values.astype(np.float32), np.broadcast_to(base, (k,)).copy()
