"""Checks on an XGBoost model's JSON before XGBoost's own reader, or ShapLens, trusts it.

XGBoost's C++ reader trusts what it reads: an absurd `size_leaf_vector`, a `parents` entry out of
range, or a `num_class`/`num_target` of a billion crash it or make it allocate gigabytes. Every
field it reads to size or index something is checked here against the file's own content and
ShapLens's limits; whatever is left unchecked is caught by loading the file in a child process
first (app.core.explain.models.probe). Leaves that are NaN or overflow float32 are refused too: XGBoost
would return NaN SHAP values for every row without a word.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from app.core.data.data_io import MAX_COLUMNS
from app.core.explain.models.checks import check_tree_structure

# XGBoost writes this as the root's parent (kInvalidNodeId as an unsigned 31-bit value).
ROOT_PARENT = (2147483647, -1)
MAX_CLASSES = 10_000
FEATURE_TYPES = {"q", "c", "int", "float", "i"}
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


def _int(value: Any, what: str, low: int, high: int) -> int:
    try:
        number = int(value)
    except (TypeError, ValueError):
        raise ValueError(f"{what} is not a whole number ({str(value)[:40]!r})") from None
    if not low <= number <= high:
        raise ValueError(f"{what} is {number:,}, outside {low:,}..{high:,}")
    return number


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
    if names:
        if not isinstance(names, list) or len(names) != n_features:
            raise ValueError(
                f"feature_names lists {len(names) if isinstance(names, list) else 'no'} "
                f"names for {n_features} features"
            )
        bad = [n for n in names if not isinstance(n, str) or any(c in n for c in "[]<")]
        if bad:
            raise ValueError(
                f"feature name {str(bad[0])[:60]!r} is not text or holds '[', ']' or '<'"
            )
        if len(set(names)) != len(names):
            raise ValueError("feature_names repeats a name")
    if types:
        if not isinstance(types, list) or len(types) != n_features:
            raise ValueError(
                f"feature_types lists {len(types) if isinstance(types, list) else 'no'} "
                f"types for {n_features} features"
            )
        unknown = [t for t in types if t not in FEATURE_TYPES]
        if unknown:
            raise ValueError(f"feature type {str(unknown[0])[:20]!r} is not one XGBoost knows")


def _check_tree(tree: dict[str, Any], t: int, n_features: int) -> float:
    """Check one tree; returns its largest |leaf| (for the overflow check)."""
    param = tree["tree_param"]
    n = _int(param["num_nodes"], f"tree {t} num_nodes", 1, 1 << 31)
    _int(param.get("size_leaf_vector", "1"), f"tree {t} size_leaf_vector", 0, 1)
    _int(param.get("num_deleted", "0"), f"tree {t} num_deleted", 0, 0)
    if "id" in tree and _int(tree["id"], f"tree {t} id", 0, 1 << 31) != t:
        raise ValueError(f"tree {t} says it is tree {tree['id']}")
    for key in _TREE_ARRAYS:
        if key == "split_type" and key not in tree:  # written since XGBoost 1.6
            continue
        if not isinstance(tree[key], list) or len(tree[key]) != n:
            raise ValueError(f"tree {t}: {key} does not have num_nodes={n} entries")
    left = np.asarray(tree["left_children"], dtype=np.int64)
    right = np.asarray(tree["right_children"], dtype=np.int64)
    features = np.asarray(tree["split_indices"], dtype=np.int64)
    check_tree_structure(left, right, features, n_features, f"tree {t}")
    parents = np.asarray(tree["parents"], dtype=np.int64)
    expected = np.full(n, -1, dtype=np.int64)
    inner = np.flatnonzero(left != -1)
    expected[left[inner]] = inner
    expected[right[inner]] = inner
    if parents[0] not in ROOT_PARENT or not np.array_equal(parents[1:], expected[1:]):
        raise ValueError(f"tree {t}: parents do not match the children")
    split_type = np.asarray(tree.get("split_type", [0] * n), dtype=np.int64)
    if np.any((split_type != 0) & (split_type != 1)):
        raise ValueError(f"tree {t}: split_type holds a value other than 0 or 1")
    _check_categories(tree, t, n, split_type)
    for key in ("split_conditions", "base_weights", "sum_hessian", "loss_changes"):
        if not np.all(np.isfinite(np.asarray(tree[key], dtype=np.float64))):
            raise ValueError(f"tree {t}: {key} holds NaN or an infinite value")
    values = np.asarray(tree["split_conditions"], dtype=np.float64)
    leaves = left == -1
    largest = float(np.max(np.abs(values[leaves])))
    if largest > FLOAT32_MAX:
        raise ValueError(f"tree {t} has a leaf value ({largest:.3g}) beyond float32's range")
    return largest


def _check_categories(tree: dict[str, Any], t: int, n: int, split_type: np.ndarray) -> None:
    segments = np.asarray(tree.get("categories_segments", []), dtype=np.int64)
    sizes = np.asarray(tree.get("categories_sizes", []), dtype=np.int64)
    nodes = np.asarray(tree.get("categories_nodes", []), dtype=np.int64)
    n_cats = len(tree.get("categories", []))
    if segments.shape != sizes.shape or nodes.shape != segments.shape:
        raise ValueError(f"tree {t}: categorical split tables disagree")
    if segments.size and (
        segments.min() < 0
        or sizes.min() < 0
        or (segments + sizes).max() > n_cats
        or nodes.min() < 0
        or nodes.max() >= n
    ):
        raise ValueError(f"tree {t}: a categorical split points outside its table")
    if not set(np.flatnonzero(split_type == 1).tolist()) <= set(nodes.tolist()):
        raise ValueError(f"tree {t}: a categorical split has no category list")


def _trees_of(learner: dict[str, Any]) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    booster = learner["gradient_booster"]
    name = booster.get("name", "gbtree")
    if name == "gblinear":
        raise ValueError("it is a linear booster (gblinear): it has no trees to explain")
    inner = booster["gbtree"] if name == "dart" else booster
    model = inner["model"]
    trees = model["trees"]
    if not isinstance(trees, list):
        raise ValueError("its trees are not a list")
    return model, trees


def validate_json(model: dict[str, Any]) -> int:
    """Check every field XGBoost sizes or indexes with; returns the number of trees.

    Raises ValueError (or KeyError/TypeError for a missing or mistyped field) on any damage,
    MultiTarget for a model with several targets.
    """
    learner = model["learner"]
    params = learner["learner_model_param"]
    n_features = _int(params["num_feature"], "num_feature", 1, MAX_COLUMNS)
    num_class = _int(params.get("num_class", "0"), "num_class", 0, MAX_CLASSES)
    if _int(params.get("num_target", "1"), "num_target", 1, MAX_CLASSES) > 1:
        raise MultiTarget("several targets")
    base = base_score(params.get("base_score", "0"))
    check_feature_names(learner.get("feature_names"), learner.get("feature_types"), n_features)
    gbtree, trees = _trees_of(learner)
    n_groups = max(num_class, 1)
    count = _int(gbtree["gbtree_model_param"]["num_trees"], "num_trees", 0, len(trees))
    if count != len(trees):
        raise ValueError(f"num_trees says {count} but the file holds {len(trees)} trees")
    _int(
        gbtree["gbtree_model_param"].get("num_parallel_tree", "1"), "num_parallel_tree", 1, 1 << 20
    )
    info = gbtree.get("tree_info", [0] * count)
    if not isinstance(info, list) or len(info) != count:
        raise ValueError("tree_info does not list one output per tree")
    for t, group in enumerate(info):
        _int(group, f"tree_info[{t}]", 0, n_groups - 1)
    indptr = gbtree.get("iteration_indptr")
    if indptr is not None:
        steps = np.asarray(indptr, dtype=np.int64)
        if steps.ndim != 1 or steps.size < 1 or steps[0] != 0 or steps[-1] != count:
            raise ValueError("iteration_indptr does not cover the trees")
        if np.any(np.diff(steps) < 0):
            raise ValueError("iteration_indptr goes backwards")
    total = base
    for t, tree in enumerate(trees):
        total += _check_tree(tree, t, n_features)
    if total > FLOAT32_MAX:
        raise ValueError("its leaves add up beyond float32's range: every prediction overflows")
    return count
