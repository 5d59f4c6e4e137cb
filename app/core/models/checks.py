"""Structural checks on tree arrays before any native code walks them.

scikit-learn's Cython predict and XGBoost's C++ trust their node arrays: an out-of-range child or
feature index, or a cycle, reads past a buffer or loops forever. skops marks
`sklearn.tree._tree.Tree` as untrusted for exactly this reason; we accept it only after these
checks pass on every tree.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np

from app.core.errors import ModelLoadError


def check_tree_structure(
    left: np.ndarray, right: np.ndarray, features: np.ndarray, n_features: int, where: str
) -> None:
    """Raise ValueError unless left/right/features describe one finite binary tree rooted at 0.

    Leaves have left == right == -1. Every other node has exactly one parent, and every node is
    reachable from the root; together these rule out cycles and shared subtrees.
    """
    left = np.asarray(left, dtype=np.int64)
    right = np.asarray(right, dtype=np.int64)
    features = np.asarray(features, dtype=np.int64)
    n = left.shape[0]
    if n == 0 or right.shape[0] != n or features.shape[0] != n:
        raise ValueError(f"{where}: node arrays are empty or of different lengths")
    leaf = left == -1
    if not np.array_equal(leaf, right == -1):
        raise ValueError(f"{where}: a node has exactly one child")
    inner = ~leaf
    children = np.concatenate([left[inner], right[inner]])
    if children.size and (children.min() < 1 or children.max() >= n):
        raise ValueError(f"{where}: a child index is out of range")
    if np.unique(children).size != children.size:
        raise ValueError(f"{where}: a node has two parents (the tree has a cycle or is shared)")
    bad_feature = inner & ((features < 0) | (features >= n_features))
    if bad_feature.any():
        raise ValueError(f"{where}: a split uses a feature index outside 0..{n_features - 1}")
    # With unique parents, a breadth-first walk visits each node at most once.
    seen = 0
    frontier = np.array([0], dtype=np.int64)
    while frontier.size:
        seen += frontier.size
        frontier = frontier[inner[frontier]]
        frontier = np.concatenate([left[frontier], right[frontier]])
    if seen != n:
        raise ValueError(f"{where}: some nodes are not reachable from the root (a cycle)")


def walk_objects(root: object, max_objects: int = 200_000) -> Iterator[object]:
    """Every object reachable through attributes, lists, tuples, dicts and object arrays."""
    seen: set[int] = set()
    stack: list[object] = [root]
    while stack and len(seen) < max_objects:
        obj = stack.pop()
        if id(obj) in seen or obj is None or isinstance(obj, str | bytes | int | float | bool):
            continue
        seen.add(id(obj))
        yield obj
        if isinstance(obj, dict):
            stack.extend(obj.values())
        elif isinstance(obj, list | tuple):
            stack.extend(obj)
        elif isinstance(obj, np.ndarray):
            if obj.dtype == object:
                stack.extend(obj.ravel().tolist())
        elif hasattr(obj, "__dict__"):
            stack.extend(vars(obj).values())


def _n_features_of(owner: Any) -> int | None:
    value = getattr(owner, "n_features_in_", None)
    return int(value) if value is not None else None


def check_sklearn_trees(model: object, path: Path) -> int:
    """Validate every sklearn Tree / HGB TreePredictor inside `model`; returns how many."""
    from sklearn.ensemble._hist_gradient_boosting.predictor import TreePredictor
    from sklearn.tree._tree import Tree

    count = 0
    n_features_hint: int | None = None
    for obj in walk_objects(model):
        hint = _n_features_of(obj)
        if hint is not None and not isinstance(obj, Tree | TreePredictor):
            n_features_hint = hint if n_features_hint is None else n_features_hint
        try:
            if isinstance(obj, Tree):
                n_features = int(obj.n_features)
                check_tree_structure(
                    obj.children_left, obj.children_right, obj.feature, n_features, "a tree"
                )
                if obj.value.shape[0] != obj.node_count:
                    raise ValueError("a tree's value array does not match its node count")
                count += 1
            elif isinstance(obj, TreePredictor):
                nodes = obj.nodes
                n_features = n_features_hint if n_features_hint is not None else 1 << 30
                leaf = nodes["is_leaf"].astype(bool)
                left = np.where(leaf, -1, nodes["left"].astype(np.int64))
                right = np.where(leaf, -1, nodes["right"].astype(np.int64))
                check_tree_structure(left, right, nodes["feature_idx"], n_features, "a tree")
                cat = ~leaf & nodes["is_categorical"].astype(bool)
                n_sets = min(
                    obj.raw_left_cat_bitsets.shape[0], obj.binned_left_cat_bitsets.shape[0]
                )
                if cat.any() and nodes["bitset_idx"][cat].max() >= n_sets:
                    raise ValueError("a categorical split points outside its category table")
                count += 1
        except (ValueError, AttributeError, KeyError, TypeError) as error:
            raise ModelLoadError(
                f"{path.name} holds a damaged or crafted scikit-learn tree ({error}); "
                "it is refused because predicting with it could crash. Re-save the model "
                "from the original training code.",
                path,
            ) from error
    return count
