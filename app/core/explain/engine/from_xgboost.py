"""XGBoost gbtree/dart models (the JSON of `save_raw('json')` / `save_model('m.json')`).

XGBoost sends x left when float32(x) < threshold, so thresholds become the float32 just below
them (`x <= t'` is then the same test) and the engine rounds the data to float32 first. Missing
values follow default_left. A categorical split lists the categories that go RIGHT; the engine's
bitsets list those going left, so such a node's children are swapped (and its default side with
them): a code outside the list then goes to XGBoost's left child, as XGBoost sends it.
"""

from __future__ import annotations

import math
import re
from typing import Any

import numpy as np

from app.core.explain.engine.from_nodes import NotExpressible
from app.core.explain.engine.tree_arrays import (
    CATEGORICAL_BIT,
    DEFAULT_LEFT_BIT,
    GENERIC_BIT,
    ForestArrays,
    stack_trees,
    validate,
)

_LOGIT = ("binary:logistic", "reg:logistic", "binary:logitraw")
_LOG = ("count:poisson", "reg:gamma", "reg:tweedie", "survival:cox", "survival:aft")


def base_margin(learner: dict[str, Any], n_outputs: int) -> np.ndarray:
    """base_score (stored in the output's scale) as a margin, one per output."""
    text = str(learner["learner_model_param"].get("base_score", "0"))
    numbers = [float(v) for v in re.findall(r"[-+0-9.eE]+", text) if re.search(r"\d", v)]
    if not numbers:
        raise NotExpressible(f"unreadable base_score {text!r}")
    objective = str(learner.get("objective", {}).get("name", ""))
    if objective in _LOGIT and objective != "binary:logitraw":
        numbers = [math.log(p / (1.0 - p)) if 0.0 < p < 1.0 else math.nan for p in numbers]
    elif objective in _LOG:
        numbers = [math.log(p) if p > 0.0 else math.nan for p in numbers]
    values = np.asarray(numbers, dtype=np.float64)
    if values.size == 1:
        values = np.repeat(values, n_outputs)
    if values.size != n_outputs or not np.all(np.isfinite(values)):
        raise NotExpressible(f"base_score {text!r} does not fit {n_outputs} outputs")
    return values


def _bitset(categories: list[int]) -> np.ndarray:
    cats = np.asarray(categories, dtype=np.int64)
    if cats.size and (cats.min() < 0 or cats.max() >= 1 << 24):
        raise NotExpressible("a categorical split lists an impossible category")
    words = np.zeros(int(cats.max(initial=0)) // 32 + 1, np.uint32)
    np.bitwise_or.at(words, cats >> 5, (np.uint32(1) << (cats & 31).astype(np.uint32)))
    return words


def _tree(tree: dict[str, Any], scale: float, parts: dict[str, list], words_at: int) -> int:
    """Append one tree; returns the number of bitset words it added."""
    if int(tree["tree_param"].get("size_leaf_vector", "1") or 1) > 1:
        raise NotExpressible("vector-leaf (multi-target) trees")
    left_all = np.asarray(tree["left_children"], dtype=np.int64)
    right_all = np.asarray(tree["right_children"], dtype=np.int64)
    is_leaf = left_all < 0
    internal, leaves = np.flatnonzero(~is_leaf), np.flatnonzero(is_leaf)
    if internal.size and internal[0] != 0:
        raise NotExpressible("the root is not node 0")
    new = np.zeros(left_all.size, np.int64)
    new[internal] = np.arange(internal.size)
    new[leaves] = ~np.arange(leaves.size)
    cond = np.asarray(tree["split_conditions"], dtype=np.float64)
    hess = np.asarray(tree["sum_hessian"], dtype=np.float64)
    default_left = np.asarray(tree["default_left"], dtype=bool)[internal]
    left, right = new[left_all[internal]], new[right_all[internal]]
    threshold = np.nextafter(cond[internal].astype(np.float32), np.float32(-np.inf))
    dtype = GENERIC_BIT | np.where(default_left, DEFAULT_LEFT_BIT, 0)
    begin = np.zeros(internal.size, np.int64)
    end = np.zeros(internal.size, np.int64)
    cats = tree.get("categories", [])
    added = 0
    for node, seg, size in zip(
        tree.get("categories_nodes", []),
        tree.get("categories_segments", []),
        tree.get("categories_sizes", []),
        strict=True,
    ):
        i = int(new[int(node)])
        words = _bitset(cats[int(seg) : int(seg) + int(size)])
        left[i], right[i] = right[i], left[i]
        dtype[i] = GENERIC_BIT | CATEGORICAL_BIT | (0 if default_left[i] else DEFAULT_LEFT_BIT)
        begin[i], end[i] = words_at + added, words_at + added + words.size
        parts["cat_words"].append(words)
        added += words.size
    split_type = np.asarray(tree.get("split_type", np.zeros(left_all.size)), dtype=np.int64)
    if np.any(split_type[internal] != 0) and not np.all(
        (split_type[internal] != 0) == ((dtype & CATEGORICAL_BIT) != 0)
    ):
        raise NotExpressible("a categorical split without a category list")
    parts["split_feature"].append(np.asarray(tree["split_indices"], dtype=np.int64)[internal])
    parts["threshold"].append(threshold.astype(np.float64))
    parts["decision_type"].append(dtype.astype(np.uint8))
    parts["left"].append(left)
    parts["right"].append(right)
    parts["internal_count"].append(hess[internal])
    parts["cat_begin"].append(begin)
    parts["cat_end"].append(end)
    parts["leaf_value"].append(cond[leaves] * scale)
    parts["leaf_count"].append(hess[leaves])
    return added


def forest_from_xgboost(
    model: dict[str, Any], feature_names: list[str], source: str = "The model"
) -> ForestArrays:
    """ForestArrays for an XGBoost JSON model; raises NotExpressible or ModelLoadError."""
    learner = model["learner"]
    booster = learner["gradient_booster"]
    name = booster.get("name", "gbtree")
    if name not in ("gbtree", "dart"):
        raise NotExpressible(f"a {name} booster has no trees")
    inner = booster["gbtree"] if name == "dart" else booster
    trees = list(inner["model"]["trees"])
    groups = np.asarray(inner["model"].get("tree_info", [0] * len(trees)), dtype=np.int64)
    drops = booster.get("weight_drop", []) if name == "dart" else []
    n_class = int(learner["learner_model_param"].get("num_class", "0") or 0)
    n_outputs = max(n_class, 1)
    keys = ("split_feature", "threshold", "decision_type", "left", "right", "internal_count")
    keys += ("cat_begin", "cat_end", "cat_words", "leaf_value", "leaf_count")
    parts: dict[str, list] = {k: [] for k in keys}
    words_at = 0
    for t, tree in enumerate(trees):
        scale = float(drops[t]) if t < len(drops) else 1.0
        words_at += _tree(tree, scale, parts, words_at)
    n_leaves = np.array([a.size for a in parts["leaf_value"]], np.int64)

    forest = stack_trees(
        parts,
        n_features=len(feature_names),
        n_outputs=n_outputs,
        feature_names=list(feature_names),
        objective=str(learner.get("objective", {}).get("name", "")),
        average_output=False,
        node_offset=np.concatenate([[0], np.cumsum(n_leaves - 1)]).astype(np.int64),
        leaf_offset=np.concatenate([[0], np.cumsum(n_leaves)]).astype(np.int64),
        tree_output=groups,
        base_offset=base_margin(learner, n_outputs),
        float32_input=True,
    )
    validate(forest, source)
    return forest
