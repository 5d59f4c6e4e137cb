"""Read a loaded model's trees into an `Ensemble`, then prove it predicts like the model.

Supported: LightGBM (the engine's parsed arrays, categorical splits included), XGBoost (its own
JSON, numeric and categorical splits) and scikit-learn tree ensembles (the adapter's converted
trees). The constant part of the raw output (base score, init estimator) is not read from each
framework's conventions but measured: it is the model's raw output minus the leaves' sum, and it
must be the same on every sampled row, or the search refuses the model rather than give answers
the model would not confirm.
"""

from __future__ import annotations

import json
from typing import Any

import numpy as np

from app.core.debugging.counterfactuals.errors import CounterfactualError
from app.core.debugging.counterfactuals.trees import Ensemble, Split, Tree
from app.core.explain.models.base import ModelAdapter

CALIBRATION_ROWS = 48
# Raw outputs must agree to this (relative to their size); XGBoost sums leaves in float32.
TOLERANCE = 1e-4


def _bitset_codes(words: np.ndarray) -> frozenset[int]:
    codes = []
    for w, word in enumerate(words.tolist()):
        for bit in range(32):
            if (int(word) >> bit) & 1:
                codes.append(32 * w + bit)
    return frozenset(codes)


def _lightgbm(model: Any) -> Ensemble:
    engine = getattr(model, "engine", None)
    if engine is None:
        raise CounterfactualError(
            "This LightGBM model uses linear trees; counterfactuals need plain trees."
        )
    f = engine.forest
    leaf_values = f.scaled_leaf_values()
    k_out = f.n_outputs
    trees = []
    for t in range(f.n_trees):
        n0, n1 = int(f.node_offset[t]), int(f.node_offset[t + 1])
        l0, l1 = int(f.leaf_offset[t]), int(f.leaf_offset[t + 1])
        splits = []
        for n in range(n0, n1):
            dt = int(f.decision_type[n])
            cats = None
            if dt & 1:
                cats = _bitset_codes(f.cat_words[int(f.cat_begin[n]) : int(f.cat_end[n])])
            splits.append(
                Split(
                    feature=int(f.split_feature[n]),
                    threshold=float(f.threshold[n]),
                    default_left=bool(dt & 2),
                    categories=cats,
                    lightgbm=True,
                    missing_type=(dt >> 2) & 3,
                )
            )
        values = np.zeros((l1 - l0, k_out))
        values[:, t % k_out] = leaf_values[l0:l1]
        trees.append(Tree(splits, f.left[n0:n1].tolist(), f.right[n0:n1].tolist(), values))
    return Ensemble(trees, f.n_features, k_out, np.zeros(k_out))


def _xgboost_tree(tree: dict[str, Any], k: int, k_out: int, weight: float) -> Tree:
    left = [int(v) for v in tree["left_children"]]
    right = [int(v) for v in tree["right_children"]]
    conditions = [float(v) for v in tree["split_conditions"]]
    features = [int(v) for v in tree["split_indices"]]
    default_left = [bool(int(v)) for v in tree["default_left"]]
    split_type = [int(v) for v in tree.get("split_type", [0] * len(left))]
    cats: dict[int, frozenset[int]] = {}
    segments = tree.get("categories_segments", [])
    sizes = tree.get("categories_sizes", [])
    listed = tree.get("categories", [])
    for node, seg, size in zip(tree.get("categories_nodes", []), segments, sizes, strict=True):
        cats[int(node)] = frozenset(int(c) for c in listed[int(seg) : int(seg) + int(size)])
    internal = [n for n in range(len(left)) if left[n] != -1]
    leaves = [n for n in range(len(left)) if left[n] == -1]
    index = {n: i for i, n in enumerate(internal)}
    index.update({n: ~i for i, n in enumerate(leaves)})
    splits = []
    for n in internal:
        categorical = split_type[n] == 1
        splits.append(
            Split(
                feature=features[n],
                threshold=float(np.float32(conditions[n])),
                strict=True,
                float32=True,
                default_left=default_left[n],
                # XGBoost sends the listed categories right (common::Decision).
                categories=cats.get(n, frozenset()) if categorical else None,
                in_left=False,
            )
        )
    values = np.zeros((len(leaves), k_out))
    values[:, k] = [conditions[n] * weight for n in leaves]
    if not internal:  # a single leaf: index maps the root to ~0 already
        return Tree([], [], [], values)
    return Tree(
        splits, [index[left[n]] for n in internal], [index[right[n]] for n in internal], values
    )


def _xgboost(model: Any) -> Ensemble:
    raw = json.loads(bytes(model.booster.save_raw(raw_format="json")))
    booster = raw["learner"]["gradient_booster"]
    name = booster.get("name", "gbtree")
    if name == "gblinear":
        raise CounterfactualError("This XGBoost model is linear (gblinear): it has no trees.")
    inner = booster["gbtree"] if name == "dart" else booster
    weights = [float(w) for w in booster.get("weight_drop", [])] if name == "dart" else []
    trees_json = inner["model"]["trees"]
    info = [int(v) for v in inner["model"].get("tree_info", [0] * len(trees_json))]
    k_out = model.n_outputs
    n_features = int(raw["learner"]["learner_model_param"]["num_feature"])
    trees = [
        _xgboost_tree(tree, min(info[t], k_out - 1), k_out, weights[t] if weights else 1.0)
        for t, tree in enumerate(trees_json)
    ]
    return Ensemble(trees, n_features, k_out, np.zeros(k_out))


def _sklearn(model: Any) -> Ensemble:
    forest = model.forest
    k_out = int(forest.base_offset.size)
    trees = []
    for tree in forest.trees:
        cl, cr = tree["children_left"], tree["children_right"]
        default = tree["children_default"]
        internal = [n for n in range(cl.size) if cl[n] != -1]
        leaves = [n for n in range(cl.size) if cl[n] == -1]
        index = {n: i for i, n in enumerate(internal)}
        index.update({n: ~i for i, n in enumerate(leaves)})
        splits = [
            Split(
                feature=int(tree["features"][n]),
                threshold=float(tree["thresholds"][n]),
                float32=bool(forest.float32_input),
                default_left=bool(default[n] == cl[n]),
            )
            for n in internal
        ]
        values = np.asarray(tree["values"], dtype=np.float64)[leaves].reshape(len(leaves), k_out)
        trees.append(
            Tree(
                splits,
                [index[int(cl[n])] for n in internal],
                [index[int(cr[n])] for n in internal],
                values,
            )
        )
    return Ensemble(trees, len(model.features), k_out, np.zeros(k_out))


def _read(model: ModelAdapter) -> Ensemble:
    framework = model.info.framework
    if framework == "LightGBM" and hasattr(model, "engine"):
        return _lightgbm(model)
    if framework == "XGBoost" and hasattr(model, "booster"):
        return _xgboost(model)
    if framework == "scikit-learn" and hasattr(model, "forest"):
        return _sklearn(model)
    raise CounterfactualError(
        f"Counterfactuals need the trees of a LightGBM, XGBoost or scikit-learn forest model; "
        f"this is a {framework} model ({model.info.objective or 'unknown kind'})."
    )


def ensemble_of(model: ModelAdapter, X: np.ndarray, rows: np.ndarray | None = None) -> Ensemble:
    """The model's trees, with the constant measured on `rows` of X (default: the first ones).

    Raises CounterfactualError when the trees do not reproduce the model's raw output."""
    try:
        ensemble = _read(model)
    except (KeyError, ValueError, TypeError, IndexError) as error:
        raise CounterfactualError(f"The model's trees could not be read ({error}).") from error
    if ensemble.n_features != len(model.features):
        raise CounterfactualError("The model's trees disagree with its feature list.")
    if rows is None:
        rows = np.arange(min(X.shape[0], CALIBRATION_ROWS))
    sample = X[np.asarray(rows, dtype=np.int64)]
    if sample.shape[0] == 0:
        raise CounterfactualError("The dataset has no rows.")
    truth = model.predict_raw(sample)
    mine = np.array([ensemble.raw(x) for x in sample])
    difference = truth - mine
    ensemble.offset = np.median(difference, axis=0)
    scale = 1.0 + float(np.abs(truth).max())
    if float(np.abs(difference - ensemble.offset).max()) > TOLERANCE * scale:
        raise CounterfactualError(
            "The trees read from this model do not reproduce its predictions, so its "
            "counterfactuals could not be trusted; this kind of model is not supported yet."
        )
    return ensemble
