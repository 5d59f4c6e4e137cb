"""Trees stored as node arrays (scikit-learn's layout, which shap also reads) -> ForestArrays.

Each tree is a dict of per-node arrays: children_left / children_right (-1 at a leaf),
children_default (where a missing value goes), features, thresholds (go left when
x <= threshold), values (n_nodes, n_outputs; a leaf's contribution per output) and
node_sample_weight (the cover). An optional "cat_left" maps a node to the uint32 bitset of
category codes that go left; codes outside it go the default way (scikit-learn sends unknown
categories where it sends missing values).

A tree with values for several outputs (a random-forest classifier) becomes one engine tree per
output it feeds, since the kernels give every tree one output.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from app.core.explain.engine.tree_arrays import (
    CATEGORICAL_BIT,
    DEFAULT_LEFT_BIT,
    GENERIC_BIT,
    OUT_OF_RANGE_DEFAULT_BIT,
    ForestArrays,
    stack_trees,
    stacked,
    validate,
)


class NotExpressible(ValueError):
    """The trees use something the engine's representation cannot hold (callers fall back)."""


def _one_tree(
    tree: dict[str, Any], column: int, parts: dict[str, list[np.ndarray]], words_at: int
) -> tuple[int, int]:
    """Append one tree for one output; returns its leaf count and the bitset words it added."""
    left_all = np.asarray(tree["children_left"], dtype=np.int64)
    right_all = np.asarray(tree["children_right"], dtype=np.int64)
    is_leaf = left_all < 0
    internal = np.flatnonzero(~is_leaf)
    leaves = np.flatnonzero(is_leaf)
    if internal.size and internal[0] != 0:
        raise NotExpressible("the root is not node 0")
    new = np.zeros(left_all.size, np.int64)
    new[internal] = np.arange(internal.size)
    new[leaves] = ~np.arange(leaves.size)
    left = new[left_all[internal]]
    right = new[right_all[internal]]
    default_left = np.asarray(tree["children_default"])[internal] == left_all[internal]
    dtype = GENERIC_BIT | np.where(default_left, DEFAULT_LEFT_BIT, 0)
    weight = np.asarray(tree["node_sample_weight"], dtype=np.float64)
    cat_left: dict[int, np.ndarray] = tree.get("cat_left", {})
    begin = np.zeros(internal.size, np.int64)
    end = np.zeros(internal.size, np.int64)
    added = 0
    for node, words in sorted(cat_left.items()):
        i = int(new[node])
        dtype[i] |= CATEGORICAL_BIT | OUT_OF_RANGE_DEFAULT_BIT
        begin[i], end[i] = words_at + added, words_at + added + words.size
        parts["cat_words"].append(np.asarray(words, dtype=np.uint32))
        added += words.size
    values = np.asarray(tree["values"], dtype=np.float64).reshape(left_all.size, -1)
    parts["split_feature"].append(np.asarray(tree["features"], dtype=np.int64)[internal])
    parts["threshold"].append(np.asarray(tree["thresholds"], dtype=np.float64)[internal])
    parts["decision_type"].append(dtype.astype(np.uint8))
    parts["left"].append(left)
    parts["right"].append(right)
    parts["internal_count"].append(weight[internal])
    parts["cat_begin"].append(begin)
    parts["cat_end"].append(end)
    parts["leaf_value"].append(values[leaves, column])
    parts["leaf_count"].append(weight[leaves])
    parts["tree_output"].append(np.array([column], np.int64))
    return int(leaves.size), added


def forest_from_nodes(
    trees: list[dict[str, Any]],
    feature_names: list[str],
    base_offset: np.ndarray,
    float32_input: bool,
    objective: str = "",
    source: str = "The model",
) -> ForestArrays:
    """One ForestArrays for all trees; raises NotExpressible or ModelLoadError."""
    keys = (
        "split_feature",
        "threshold",
        "decision_type",
        "left",
        "right",
        "internal_count",
        "cat_begin",
        "cat_end",
        "cat_words",
        "leaf_value",
        "leaf_count",
        "tree_output",
    )
    parts: dict[str, list[np.ndarray]] = {k: [] for k in keys}
    n_outputs = int(np.asarray(base_offset).size)
    node_sizes, leaf_sizes = [0], [0]
    words_at = 0
    for tree in trees:
        values = np.asarray(tree["values"]).reshape(len(tree["children_left"]), -1)
        if values.shape[1] != n_outputs:
            raise NotExpressible("a tree has a different number of outputs than the model")
        used = np.flatnonzero(np.any(values != 0.0, axis=0))
        for column in used if used.size else [0]:
            n_leaves, added = _one_tree(tree, int(column), parts, words_at)
            words_at += added
            node_sizes.append(n_leaves - 1)
            leaf_sizes.append(n_leaves)

    forest = stack_trees(
        parts,
        n_features=len(feature_names),
        n_outputs=n_outputs,
        feature_names=list(feature_names),
        objective=objective,
        average_output=False,
        node_offset=np.cumsum(node_sizes).astype(np.int64),
        leaf_offset=np.cumsum(leaf_sizes).astype(np.int64),
        tree_output=stacked(parts, "tree_output", np.int64),
        base_offset=np.asarray(base_offset, dtype=np.float64).reshape(-1),
        float32_input=float32_input,
    )
    validate(forest, source)
    return forest
