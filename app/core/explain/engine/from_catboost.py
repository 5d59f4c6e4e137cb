"""CatBoost oblivious trees (the model's JSON export) -> ForestArrays.

An oblivious tree of depth D applies one split per level to every node, and a row's leaf index
has bit i set when it passes split i (`x > border`). We unfold it into a full binary tree with
split D-1 at the root, so the leaf reached by the path bits b_{D-1}..b_0 is leaf index
sum(b_i << i); leaf weights give the cover. CatBoost rounds features to float32 and sends NaN to
the "false" side unless the feature says AsTrue (its Min/Max treatment).

Only float-feature splits are expressible: CatBoost's categorical splits (one-hot values and
CTRs) test hashes of the category labels, which the engine does not reproduce, so such models
keep CatBoost's own ShapValues (NotExpressible names the reason).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from app.core.explain.engine.from_nodes import NotExpressible
from app.core.explain.engine.tree_arrays import (
    DEFAULT_LEFT_BIT,
    GENERIC_BIT,
    ForestArrays,
    validate,
)


def _float_features(model: dict[str, Any]) -> tuple[np.ndarray, np.ndarray]:
    """Flat feature index and 'NaN goes left' per float feature index."""
    infos = model.get("features_info", {}).get("float_features", [])
    flat = np.array([int(f["flat_feature_index"]) for f in infos], np.int64)
    nan_left = np.array([f.get("nan_value_treatment", "AsIs") != "AsTrue" for f in infos], bool)
    return flat, nan_left


def _tree(tree: dict[str, Any], n_out: int, flat: np.ndarray, nan_left: np.ndarray) -> dict:
    splits = tree.get("splits") or []
    depth = len(splits)
    for split in splits:
        if split.get("split_type") != "FloatFeature":
            raise NotExpressible(
                f"a {split.get('split_type')} split (CatBoost hashes category labels)"
            )
    weights = np.asarray(tree.get("leaf_weights", []), np.float64)
    values = np.asarray(tree["leaf_values"], np.float64)
    if weights.size != 1 << depth or values.size != weights.size * n_out:
        raise NotExpressible("leaf weights or values do not match the tree's depth")
    n_int = (1 << depth) - 1
    level = np.repeat(np.arange(depth), 1 << np.arange(depth)) if depth else np.zeros(0, int)
    prefix = np.arange(n_int) - ((1 << level) - 1)
    split_at = depth - 1 - level  # the root tests the highest bit
    index = np.array([int(splits[s]["float_feature_index"]) for s in split_at], np.int64)
    border = np.array([float(splits[s]["border"]) for s in split_at], np.float64)
    last = level == depth - 1
    child = (1 << (level + 1)) - 1 + 2 * prefix
    left = np.where(last, ~(2 * prefix), child)
    right = np.where(last, ~(2 * prefix + 1), child + 1)
    # Cover of each internal node: the weight of the leaves under it.
    span = 1 << (depth - level)
    cum = np.concatenate([[0.0], np.cumsum(weights)])
    first = prefix * span
    cover = cum[first + span] - cum[first]
    return {
        "split_feature": flat[index],
        "threshold": border,
        "decision_type": (GENERIC_BIT | np.where(nan_left[index], DEFAULT_LEFT_BIT, 0)).astype(
            np.uint8
        ),
        "left": left.astype(np.int64),
        "right": right.astype(np.int64),
        "internal_count": cover,
        "leaf_values": values.reshape(weights.size, n_out),
        "leaf_count": weights,
    }


def forest_from_catboost(
    model: dict[str, Any], feature_names: list[str], n_outputs: int, source: str = "The model"
) -> ForestArrays:
    """ForestArrays for a CatBoost JSON export; raises NotExpressible or ModelLoadError."""
    flat, nan_left = _float_features(model)
    scale, bias = model.get("scale_and_bias", [1.0, [0.0]])
    bias = np.asarray(bias, np.float64).reshape(-1)
    bias = np.repeat(bias, n_outputs) if bias.size == 1 else bias
    trees = [_tree(t, n_outputs, flat, nan_left) for t in model.get("oblivious_trees", [])]
    if not trees:
        raise NotExpressible("no oblivious trees (a non-symmetric CatBoost model)")
    per_output = [(t, k) for t in trees for k in range(n_outputs)]
    n_leaves = np.array([t["leaf_count"].size for t, _ in per_output], np.int64)

    def cat(key: str, dtype: type) -> np.ndarray:
        return np.concatenate([t[key] for t, _ in per_output]).astype(dtype)

    n_nodes = int((n_leaves - 1).sum())
    forest = ForestArrays(
        n_features=len(feature_names),
        n_outputs=n_outputs,
        feature_names=list(feature_names),
        objective="",
        average_output=False,
        node_offset=np.concatenate([[0], np.cumsum(n_leaves - 1)]).astype(np.int64),
        leaf_offset=np.concatenate([[0], np.cumsum(n_leaves)]).astype(np.int64),
        split_feature=cat("split_feature", np.int64),
        threshold=cat("threshold", np.float64),
        decision_type=cat("decision_type", np.uint8),
        left=cat("left", np.int64),
        right=cat("right", np.int64),
        internal_count=cat("internal_count", np.float64),
        cat_begin=np.zeros(n_nodes, np.int64),
        cat_end=np.zeros(n_nodes, np.int64),
        cat_words=np.zeros(0, np.uint32),
        leaf_value=np.concatenate([t["leaf_values"][:, k] * float(scale) for t, k in per_output]),
        leaf_count=cat("leaf_count", np.float64),
        tree_output=np.array([k for _, k in per_output], np.int64),
        base_offset=bias,
        float32_input=True,
    )
    validate(forest, source)
    return forest
