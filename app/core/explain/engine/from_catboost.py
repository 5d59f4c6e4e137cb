"""CatBoost oblivious trees (the model's JSON export) -> ForestArrays.

An oblivious tree of depth D applies one split per level to every node, and a row's leaf index
has bit i set when it passes split i. We unfold it into a full binary tree with split D-1 at
the root, so the leaf reached by the path bits b_{D-1}..b_0 is leaf index sum(b_i << i); leaf
weights give the cover. The converter marks the forest `extra["oblivious"]`, which lets the
engine use its per-tree leaf-index kernel (oblivious_kernels).

Float splits pass when `x > border`; CatBoost rounds features to float32 and sends NaN to the
"false" side unless the feature says AsTrue (its Min/Max treatment). One-hot categorical splits
pass when the label's hash equals the split's value. The engine cannot hash labels, so a
categorical column reaches it as the index of the label's hash in the feature's `values` list
(the hashes CatBoost met in training; `len(values)` for any other label): the adapter builds
that mapping (CatBoostModel). CTR splits (target statistics over label combinations) and text
or embedding features are not expressible: NotExpressible names them and the model keeps
CatBoost's own ShapValues.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from app.core.explain.engine.from_nodes import NotExpressible
from app.core.explain.engine.tree_arrays import (
    CATEGORICAL_BIT,
    DEFAULT_LEFT_BIT,
    GENERIC_BIT,
    ForestArrays,
    validate,
)

_WHY = {
    "OnlineCtr": "CTR splits (target statistics of categorical features)",
    "EstimatedFeature": "text or embedding features",
}


def _float_features(model: dict[str, Any]) -> tuple[np.ndarray, np.ndarray]:
    """Flat feature index and 'NaN goes left' per float feature index."""
    infos = model.get("features_info", {}).get("float_features", [])
    flat = np.array([int(f["flat_feature_index"]) for f in infos], np.int64)
    nan_left = np.array([f.get("nan_value_treatment", "AsIs") != "AsTrue" for f in infos], bool)
    return flat, nan_left


def category_hashes(model: dict[str, Any]) -> dict[int, list[int]]:
    """Flat feature index -> the label hashes (signed int32) CatBoost met in training, in the
    order whose positions the engine receives as category codes."""
    infos = model.get("features_info", {}).get("categorical_features", [])
    return {int(f["flat_feature_index"]): [int(v) for v in f.get("values", [])] for f in infos}


class _Splits:
    """Per-split engine fields, each one-hot bitset stored once and shared by its level."""

    def __init__(self, model: dict[str, Any]) -> None:
        self.flat, self.nan_left = _float_features(model)
        infos = model.get("features_info", {}).get("categorical_features", [])
        self.cat_flat = [int(f["flat_feature_index"]) for f in infos]
        self.cat_values = [[int(v) for v in f.get("values", [])] for f in infos]
        self.words: list[np.ndarray] = []
        self.n_words = 0
        self._bitsets: dict[tuple[int, int], tuple[int, int]] = {}

    def _bitset(self, cat: int, value: int) -> tuple[int, int]:
        """Words of the codes that FAIL `label == value` (they go left): every code up to
        len(values), the code of an unseen label, except the value's own position."""
        key = (cat, value)
        if key not in self._bitsets:
            values = self.cat_values[cat]
            if value not in values:
                raise NotExpressible("a one-hot split on a category the model does not list")
            bits = np.ones(len(values) + 1, bool)
            bits[values.index(value)] = False
            n = (bits.size + 31) // 32
            words = np.zeros(n * 32, np.uint64)
            words[: bits.size] = bits
            packed = (words.reshape(n, 32) << np.arange(32, dtype=np.uint64)).sum(axis=1)
            self.words.append(packed.astype(np.uint32))
            self._bitsets[key] = (self.n_words, self.n_words + n)
            self.n_words += n
        return self._bitsets[key]

    def fields(self, split: dict[str, Any]) -> tuple[int, float, int, int, int]:
        """(feature, threshold, decision_type, cat_begin, cat_end) of one split."""
        kind = split.get("split_type")
        if kind == "FloatFeature":
            index = int(split["float_feature_index"])
            left = DEFAULT_LEFT_BIT if self.nan_left[index] else 0
            return int(self.flat[index]), float(split["border"]), GENERIC_BIT | left, 0, 0
        if kind == "OneHotFeature":
            cat = int(split["cat_feature_index"])
            begin, end = self._bitset(cat, int(split["value"]))
            # A missing code cannot reach the engine (the adapter maps it to a label); left is
            # the safe side all the same: a missing label never equals a one-hot value.
            dtype = GENERIC_BIT | CATEGORICAL_BIT | DEFAULT_LEFT_BIT
            return self.cat_flat[cat], 0.0, dtype, begin, end
        raise NotExpressible(_WHY.get(str(kind), f"a {kind} split"))


def _tree(tree: dict[str, Any], n_out: int, splits: _Splits) -> dict:
    rules = [splits.fields(s) for s in tree.get("splits") or []]
    depth = len(rules)
    weights = np.asarray(tree.get("leaf_weights", []), np.float64)
    values = np.asarray(tree["leaf_values"], np.float64)
    if weights.size != 1 << depth or values.size != weights.size * n_out:
        raise NotExpressible("leaf weights or values do not match the tree's depth")
    n_int = (1 << depth) - 1
    level = np.repeat(np.arange(depth), 1 << np.arange(depth)) if depth else np.zeros(0, int)
    prefix = np.arange(n_int) - ((1 << level) - 1)
    split_at = depth - 1 - level  # the root tests the highest bit
    per_node = np.array([rules[s] for s in split_at], np.float64).reshape(n_int, 5)
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
        "split_feature": per_node[:, 0].astype(np.int64),
        "threshold": per_node[:, 1],
        "decision_type": per_node[:, 2].astype(np.uint8),
        "cat_begin": per_node[:, 3].astype(np.int64),
        "cat_end": per_node[:, 4].astype(np.int64),
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
    splits = _Splits(model)
    scale, bias = model.get("scale_and_bias", [1.0, [0.0]])
    bias = np.asarray(bias, np.float64).reshape(-1)
    bias = np.repeat(bias, n_outputs) if bias.size == 1 else bias
    trees = [_tree(t, n_outputs, splits) for t in model.get("oblivious_trees", [])]
    if not trees:
        raise NotExpressible("no oblivious trees (a non-symmetric CatBoost model)")
    per_output = [(t, k) for t in trees for k in range(n_outputs)]
    n_leaves = np.array([t["leaf_count"].size for t, _ in per_output], np.int64)

    def cat(key: str, dtype: type) -> np.ndarray:
        return np.concatenate([t[key] for t, _ in per_output]).astype(dtype)

    words = np.concatenate(splits.words) if splits.words else np.zeros(0, np.uint32)
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
        cat_begin=cat("cat_begin", np.int64),
        cat_end=cat("cat_end", np.int64),
        cat_words=words.astype(np.uint32),
        leaf_value=np.concatenate([t["leaf_values"][:, k] * float(scale) for t, k in per_output]),
        leaf_count=cat("leaf_count", np.float64),
        extra={"oblivious": True},
        tree_output=np.array([k for _, k in per_output], np.int64),
        base_offset=bias,
        float32_input=True,
    )
    validate(forest, source)
    return forest
