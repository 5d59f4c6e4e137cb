"""A tree ensemble as flat numpy arrays, and the checks that make it safe to walk.

Every framework converter (LightGBM text and JSON dumps, scikit-learn trees, XGBoost JSON, CatBoost
oblivious trees) produces one `ForestArrays`: the family-neutral representation the kernels read.
`validate()` proves the arrays describe proper binary trees (lengths agree, child indices are in
range, every node has exactly one parent, so there are no cycles or shared subtrees, categorical
bitsets exist) before any kernel indexes into them: the numba kernels do not bounds-check, so a
damaged model must be rejected here, with a message, rather than read out of bounds later.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from app.core.base.errors import ModelLoadError
from app.core.explain.engine.decision import (
    CATEGORICAL_BIT,
    DEFAULT_LEFT_BIT,
    GENERIC_BIT,
    OUT_OF_RANGE_DEFAULT_BIT,
)

# LightGBM's missing types (include/LightGBM/tree.h), in decision_type bits 4-8.
MISSING_NONE, MISSING_ZERO, MISSING_NAN = 0, 1, 2
__all__ = [
    "CATEGORICAL_BIT",
    "DEFAULT_LEFT_BIT",
    "GENERIC_BIT",
    "OUT_OF_RANGE_DEFAULT_BIT",
    "ForestArrays",
    "validate",
]


@dataclass
class ForestArrays:
    """Trees of one model, concatenated. Node and leaf indices inside a tree are local.

    left/right follow LightGBM: a value >= 0 is an internal node of the same tree, a negative
    value c is leaf ~c. Categorical nodes hold their bitset as the word range
    cat_words[cat_begin:cat_end]; numerical nodes have an empty range.
    """

    n_features: int
    n_outputs: int  # trees per iteration; tree t feeds output t % n_outputs
    feature_names: list[str]
    objective: str
    average_output: bool
    node_offset: np.ndarray  # int64 (n_trees + 1,)
    leaf_offset: np.ndarray  # int64 (n_trees + 1,)
    split_feature: np.ndarray  # int64 per node
    threshold: np.ndarray  # float64 per node
    decision_type: np.ndarray  # uint8 per node
    left: np.ndarray  # int64 per node
    right: np.ndarray  # int64 per node
    internal_count: np.ndarray  # float64 per node
    cat_begin: np.ndarray  # int64 per node
    cat_end: np.ndarray  # int64 per node
    cat_words: np.ndarray  # uint32
    leaf_value: np.ndarray  # float64 per leaf
    leaf_count: np.ndarray  # float64 per leaf
    extra: dict[str, object] = field(default_factory=dict)
    # Output each tree feeds; None means LightGBM's round robin (tree t feeds t % n_outputs).
    tree_output: np.ndarray | None = None
    # Added to every row's raw output and to the base value (init score, base_score margin).
    base_offset: np.ndarray | None = None
    # The library rounds its input to float32 before comparing (scikit-learn trees, XGBoost).
    float32_input: bool = False

    @property
    def n_trees(self) -> int:
        return int(self.node_offset.size - 1)

    @property
    def tree_class(self) -> np.ndarray:
        if self.tree_output is not None:
            return np.asarray(self.tree_output, dtype=np.int64)
        return (np.arange(self.n_trees, dtype=np.int64) % self.n_outputs).astype(np.int64)

    def offset(self) -> np.ndarray:
        if self.base_offset is None:
            return np.zeros(self.n_outputs)
        return np.asarray(self.base_offset, dtype=np.float64).reshape(self.n_outputs)

    def scaled_leaf_values(self) -> np.ndarray:
        """Leaf values as they enter the raw score: random-forest models average their trees."""
        if not self.average_output:
            return self.leaf_value
        iterations = max(self.n_trees // self.n_outputs, 1)
        return self.leaf_value / iterations


# The per-node and per-leaf arrays every converter collects tree by tree, and their types.
STACKED_FIELDS: dict[str, type] = {
    "split_feature": np.int64,
    "threshold": np.float64,
    "decision_type": np.uint8,
    "left": np.int64,
    "right": np.int64,
    "internal_count": np.float64,
    "cat_begin": np.int64,
    "cat_end": np.int64,
    "cat_words": np.uint32,
    "leaf_value": np.float64,
    "leaf_count": np.float64,
}


def stacked(parts: dict[str, list[np.ndarray]], name: str, dtype: type) -> np.ndarray:
    """One tree-by-tree list of arrays as one array (empty when the list is)."""
    arrays = parts.get(name) or []
    return np.concatenate(arrays).astype(dtype) if arrays else np.zeros(0, dtype)


def stack_trees(parts: dict[str, list[np.ndarray]], **fields: object) -> ForestArrays:
    """A forest from the per-tree arrays a converter collected (STACKED_FIELDS) and the
    forest-wide `fields` (names, offsets, outputs, base offset)."""
    arrays = {name: stacked(parts, name, dtype) for name, dtype in STACKED_FIELDS.items()}
    return ForestArrays(**arrays, **fields)  # type: ignore[arg-type]


def _fail(source: str, message: str) -> ModelLoadError:
    return ModelLoadError(
        f"{source} is damaged: {message}. Save the model again (booster.save_model() or "
        "booster.dump_model()) and reload it.",
        None,
    )


def validate(forest: ForestArrays, source: str = "The model") -> None:
    """Raise ModelLoadError unless every array is consistent and every tree is a proper tree."""
    f = forest
    if f.n_features <= 0:
        raise _fail(source, "it declares no features")
    if f.n_outputs <= 0:
        raise _fail(source, "it declares no outputs")
    if f.n_trees <= 0:
        raise _fail(source, "it contains no trees")
    if f.tree_output is None and f.n_trees % f.n_outputs:
        raise _fail(source, f"{f.n_trees} trees do not split evenly into {f.n_outputs} classes")
    if f.tree_output is not None:
        out = np.asarray(f.tree_output)
        if out.shape != (f.n_trees,) or np.any((out < 0) | (out >= f.n_outputs)):
            raise _fail(source, "a tree feeds an output the model does not have")
    if f.base_offset is not None and (
        np.asarray(f.base_offset).size != f.n_outputs or not np.all(np.isfinite(f.base_offset))
    ):
        raise _fail(source, "the base score is not one finite number per output")
    for name in ("node_offset", "leaf_offset"):
        off = getattr(f, name)
        if off[0] != 0 or np.any(np.diff(off) < 0):
            raise _fail(source, f"{name} is not increasing")
    n_nodes, n_leaves = int(f.node_offset[-1]), int(f.leaf_offset[-1])
    per_node = (
        "split_feature",
        "threshold",
        "decision_type",
        "left",
        "right",
        "internal_count",
        "cat_begin",
        "cat_end",
    )
    for name in per_node:
        if getattr(f, name).shape != (n_nodes,):
            raise _fail(source, f"{name} has {getattr(f, name).size} entries, expected {n_nodes}")
    for name in ("leaf_value", "leaf_count"):
        if getattr(f, name).shape != (n_leaves,):
            raise _fail(source, f"{name} has {getattr(f, name).size} entries, expected {n_leaves}")
    leaves_per_tree = np.diff(f.leaf_offset)
    nodes_per_tree = np.diff(f.node_offset)
    bad = np.flatnonzero((leaves_per_tree < 1) | (nodes_per_tree != leaves_per_tree - 1))
    if bad.size:
        t = int(bad[0])
        raise _fail(
            source,
            f"tree {t} has {leaves_per_tree[t]} leaves and {nodes_per_tree[t]} "
            "splits (a binary tree has one split fewer than leaves)",
        )
    if not np.all(np.isfinite(f.leaf_value)):
        raise _fail(source, "a leaf value is not a finite number")
    if np.any(f.leaf_count < 0) or np.any(f.internal_count < 0) or np.any(np.isnan(f.leaf_count)):
        raise _fail(source, "a node has a negative data count")
    if n_nodes:
        _validate_nodes(f, source)
    for t in range(f.n_trees):
        _validate_structure(f, t, source)


def _validate_nodes(f: ForestArrays, source: str) -> None:
    if np.any((f.split_feature < 0) | (f.split_feature >= f.n_features)):
        t = _tree_of(
            f, int(np.flatnonzero((f.split_feature < 0) | (f.split_feature >= f.n_features))[0])
        )
        raise _fail(source, f"tree {t} splits on a feature outside 0..{f.n_features - 1}")
    generic = (f.decision_type & GENERIC_BIT) != 0
    if np.any(f.decision_type[~generic] > 15) or np.any(f.decision_type[generic] > 63):
        raise _fail(source, "a decision_type has bits the engine does not define")
    is_cat = (f.decision_type & CATEGORICAL_BIT) != 0
    missing = (f.decision_type >> 2) & 3
    if np.any(missing[~is_cat & ~generic] == 3):
        raise _fail(source, "a split has an unknown missing-value type")
    if np.any(np.isnan(f.threshold[~is_cat])):
        raise _fail(source, "a numerical split has no threshold")
    begin, end = f.cat_begin, f.cat_end
    if np.any(begin < 0) or np.any(end < begin) or np.any(end > f.cat_words.size):
        raise _fail(source, "a categorical split points outside the category bitsets")
    if np.any(is_cat & (end == begin)):
        raise _fail(source, "a categorical split has no category list")


def _tree_of(f: ForestArrays, node: int) -> int:
    return int(np.searchsorted(f.node_offset, node, side="right") - 1)


def _validate_structure(f: ForestArrays, t: int, source: str) -> None:
    """Every internal node but the root and every leaf must have exactly one parent.

    With n-1 internal nodes and n leaves, that is 2n-2 child slots for 2n-2 nodes, so each slot
    names a distinct node; a child index of 0 (the root) is refused, which rules out cycles
    through the root, and distinct parents plus counting rule out the rest: a cycle not through
    the root would leave some node reachable from the root without its one parent slot.
    """
    n0, n1 = int(f.node_offset[t]), int(f.node_offset[t + 1])
    n_int = n1 - n0
    n_leaf = int(f.leaf_offset[t + 1] - f.leaf_offset[t])
    if n_int == 0:
        return
    children = np.concatenate([f.left[n0:n1], f.right[n0:n1]])
    internal = children[children >= 0]
    leaves = ~children[children < 0]
    if internal.size and (internal.min() < 1 or internal.max() >= n_int):
        raise _fail(source, f"tree {t} has a child index outside its {n_int} splits")
    if leaves.size and leaves.max() >= n_leaf:
        raise _fail(source, f"tree {t} has a leaf index outside its {n_leaf} leaves")
    if (
        np.unique(internal).size != n_int - 1
        or internal.size != n_int - 1
        or np.unique(leaves).size != n_leaf
        or leaves.size != n_leaf
    ):
        raise _fail(source, f"tree {t} is not a tree (a node has two parents or none)")
    # Reachability from the root: with one parent each, a walk from the root must see all nodes.
    seen = 0
    stack = [0]
    left, right = f.left[n0:n1], f.right[n0:n1]
    while stack:
        node = stack.pop()
        seen += 1
        if seen > n_int:
            raise _fail(source, f"tree {t} contains a cycle")
        for child in (int(left[node]), int(right[node])):
            if child >= 0:
                stack.append(child)
    if seen != n_int:
        raise _fail(source, f"tree {t} has splits that cannot be reached from its root")
