"""Structural checks on tree arrays before any native code walks them.

scikit-learn's Cython predict and XGBoost's C++ trust their node arrays: an out-of-range child or
feature index, or a cycle, reads past a buffer or loops forever. skops marks
`sklearn.tree._tree.Tree` as untrusted for exactly this reason; we accept it only after these
checks pass on every tree (app.core.explain.models.sklearn_checks finds them).
"""

from __future__ import annotations

import numpy as np


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
