"""Checks on an XGBoost model's JSON before XGBoost's own reader, or ShapLens, trusts it.

XGBoost's C++ reader trusts what it reads: an absurd `size_leaf_vector`, a `parents` entry out of
range, or a `num_class`/`num_target` of a billion crash it or make it allocate gigabytes. Every
field it reads to size or index something is checked: its type and bounds by the schemas in
model_schemas.py, and here its agreement with the file's own content (counts, child and parent
indices, category tables, finite leaves); whatever is left unchecked is caught by loading the file in a child process
first (app.core.explain.models.probe). Leaves that are NaN or overflow float32 are refused too: XGBoost
would return NaN SHAP values for every row without a word.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from app.core.explain.models.checks import check_tree_structure
from app.core.explain.models.model_schemas import (
    XgbFeatures,
    XgbLearnerParams,
    XgbTree,
    XgbTreesModel,
    check,
    decode_numbers,
)

# XGBoost writes this as the root's parent (kInvalidNodeId as an unsigned 31-bit value).
ROOT_PARENT = (2147483647, -1)
FLOAT32_MAX = float(np.finfo(np.float32).max)
_TREE_ARRAYS = (
    "left_children",
    "right_children",
    "parents",
    "split_indices",
    "split_conditions",
    "split_type",
    "default_left",
    "base_weights",
    "loss_changes",
    "sum_hessian",
)


class MultiTarget(ValueError):
    """The model predicts several targets (refused with its own message)."""


def _with_params(part: Any, key: str) -> Any:
    """`part` with its `key` parameters' numeric strings read as numbers (for the schema)."""
    if isinstance(part, dict) and key in part:
        return {**part, key: decode_numbers(part[key])}
    return part


def base_score(value: Any) -> float:
    """XGBoost 2+ writes '[5.1E-1]' (one per target), older versions a bare number."""
    text = str(value).strip().strip("[]")
    try:
        numbers = [float(part) for part in text.split(",") if part.strip()]
    except ValueError:
        raise ValueError(f"base_score is not a number ({text[:40]!r})") from None
    if not numbers or not all(math.isfinite(n) for n in numbers):
        raise ValueError(f"base_score is not a finite number ({text[:40]!r})")
    return max(abs(n) for n in numbers)


def check_feature_names(names: Any, types: Any, n_features: int) -> None:
    """Names/types are optional, but when present XGBoost pairs them with every column."""
    given = check({"feature_names": names or None, "feature_types": types or None}, XgbFeatures)
    if given.feature_names is not None:
        if len(given.feature_names) != n_features:
            raise ValueError(
                f"feature_names lists {len(given.feature_names)} names for {n_features} features"
            )
        if len(set(given.feature_names)) != n_features:
            raise ValueError("feature_names repeats a name")
    if given.feature_types is not None and len(given.feature_types) != n_features:
        raise ValueError(
            f"feature_types lists {len(given.feature_types)} types for {n_features} features"
        )


def _check_tree(raw: Any, t: int, n_features: int) -> float:
    """Check one tree; returns its largest |leaf| (for the overflow check)."""
    tree = check(_with_params(raw, "tree_param"), XgbTree, f"tree {t}")
    n = tree.tree_param.num_nodes
    if tree.id is not None and tree.id != t:
        raise ValueError(f"tree {t} says it is tree {tree.id}")
    for key in _TREE_ARRAYS:
        listed = getattr(tree, key)
        if listed is not None and len(listed) != n:  # split_type: written since XGBoost 1.6
            raise ValueError(f"tree {t}: {key} does not have num_nodes={n} entries")
    left = np.asarray(tree.left_children, dtype=np.int64)
    right = np.asarray(tree.right_children, dtype=np.int64)
    features = np.asarray(tree.split_indices, dtype=np.int64)
    check_tree_structure(left, right, features, n_features, f"tree {t}")
    parents = np.asarray(tree.parents, dtype=np.int64)
    expected = np.full(n, -1, dtype=np.int64)
    inner = np.flatnonzero(left != -1)
    expected[left[inner]] = inner
    expected[right[inner]] = inner
    if parents[0] not in ROOT_PARENT or not np.array_equal(parents[1:], expected[1:]):
        raise ValueError(f"tree {t}: parents do not match the children")
    split_type = np.asarray(tree.split_type or [0] * n, dtype=np.int64)
    _check_categories(tree, t, n, split_type)
    for key in ("split_conditions", "base_weights", "sum_hessian", "loss_changes"):
        if not np.all(np.isfinite(np.asarray(getattr(tree, key), dtype=np.float64))):
            raise ValueError(f"tree {t}: {key} holds NaN or an infinite value")
    values = np.asarray(tree.split_conditions, dtype=np.float64)
    leaves = left == -1
    largest = float(np.max(np.abs(values[leaves])))
    if largest > FLOAT32_MAX:
        raise ValueError(f"tree {t} has a leaf value ({largest:.3g}) beyond float32's range")
    return largest


def _check_categories(tree: XgbTree, t: int, n: int, split_type: np.ndarray) -> None:
    """The category tables' types and signs are the schema's; here, that they fit together."""
    segments = np.asarray(tree.categories_segments, dtype=np.int64)
    sizes = np.asarray(tree.categories_sizes, dtype=np.int64)
    nodes = np.asarray(tree.categories_nodes, dtype=np.int64)
    n_cats = len(tree.categories)
    if segments.shape != sizes.shape or nodes.shape != segments.shape:
        raise ValueError(f"tree {t}: categorical split tables disagree")
    if segments.size and ((segments + sizes).max() > n_cats or nodes.max() >= n):
        raise ValueError(f"tree {t}: a categorical split points outside its table")
    if not set(np.flatnonzero(split_type == 1).tolist()) <= set(nodes.tolist()):
        raise ValueError(f"tree {t}: a categorical split has no category list")


def _trees_of(learner: dict[str, Any]) -> tuple[XgbTreesModel, list[Any]]:
    booster = learner["gradient_booster"]
    name = booster.get("name", "gbtree")
    if name == "gblinear":
        raise ValueError("it is a linear booster (gblinear): it has no trees to explain")
    inner = booster["gbtree"] if name == "dart" else booster
    model = check(_with_params(inner["model"], "gbtree_model_param"), XgbTreesModel)
    return model, model.trees


def validate_json(model: dict[str, Any]) -> int:
    """Check every field XGBoost sizes or indexes with; returns the number of trees.

    Types and bounds are the schemas' (model_schemas); what ties fields together is checked
    here. Raises ValueError (ModelSchemaError for a field of the wrong type or out of bounds,
    KeyError/TypeError for a missing part) on any damage, MultiTarget for several targets.
    """
    learner = model["learner"]
    params = check(decode_numbers(learner["learner_model_param"]), XgbLearnerParams)
    n_features = params.num_feature
    if params.num_target > 1:
        raise MultiTarget("several targets")
    base = base_score(params.base_score)
    check_feature_names(learner.get("feature_names"), learner.get("feature_types"), n_features)
    gbtree, trees = _trees_of(learner)
    n_groups = max(params.num_class, 1)
    count = gbtree.gbtree_model_param.num_trees
    if count != len(trees):
        raise ValueError(f"num_trees says {count} but the file holds {len(trees)} trees")
    info = gbtree.tree_info if gbtree.tree_info is not None else [0] * count
    if len(info) != count:
        raise ValueError("tree_info does not list one output per tree")
    if info and max(info) >= n_groups:
        t = next(t for t, group in enumerate(info) if group >= n_groups)
        raise ValueError(f"tree_info[{t}] is {info[t]:,}, outside 0..{n_groups - 1:,}")
    if gbtree.iteration_indptr is not None:
        steps = np.asarray(gbtree.iteration_indptr, dtype=np.int64)
        if steps.size < 1 or steps[0] != 0 or steps[-1] != count:
            raise ValueError("iteration_indptr does not cover the trees")
        if np.any(np.diff(steps) < 0):
            raise ValueError("iteration_indptr goes backwards")
    total = base
    for t, tree in enumerate(trees):
        total += _check_tree(tree, t, n_features)
    if total > FLOAT32_MAX:
        raise ValueError("its leaves add up beyond float32's range: every prediction overflows")
    return count
