"""The engine's per-tree lookup tables for oblivious trees (see oblivious_kernels).

`level_tables(engine, budget)` returns the tables when every tree of the model is oblivious and
they fit the budget and the build-time cap, else None and the engine keeps its per-leaf path.
"""

from __future__ import annotations

import itertools
from typing import TYPE_CHECKING

import numpy as np

from app.core.explain.engine import oblivious_kernels as OK
from app.core.explain.engine.quad_kernels import gauss_legendre

if TYPE_CHECKING:
    from app.core.explain.engine.engine import TreeShapEngine

# Building a tree's table costs ~4^D x d^2 operations: depth 10 takes ~70 ms a tree, so deeper
# trees keep the per-leaf path (its tables cost 2^D leaves x a quadrature table each).
MAX_LEVEL_DEPTH = 10


class LevelTables:
    """Read-only arrays of the oblivious kernel; `shap_rows` has the engine kernel's signature."""

    def __init__(self, engine: TreeShapEngine, depth: np.ndarray) -> None:
        e, f = engine, engine.forest
        self.depth = depth
        lb = f.leaf_offset[:-1]
        d = np.diff(e._uf_offset)[lb]
        self.u_offset = np.concatenate([[0], np.cumsum((1 << depth) * d)]).astype(np.int64)
        self.slot_offset = np.concatenate([[0], np.cumsum(d)]).astype(np.int64)
        self.slot_feature = np.concatenate(
            [
                e._uf_feature[e._uf_offset[b] : e._uf_offset[b] + n]
                for b, n in zip(lb, d, strict=True)
            ]
        ).astype(np.int64)
        # Level i of tree t: the node at position i on its first leaf's path.
        self.lvl_offset = np.concatenate([[0], np.cumsum(depth)]).astype(np.int64)
        tree = np.repeat(np.arange(depth.size), depth)
        pos = np.arange(int(depth.sum())) - self.lvl_offset[tree]
        node = f.node_offset[tree] + e._cond_node[e._cond_offset[lb[tree]] + pos]
        self.lvl_feature = e._split_feature[node]
        self.lvl_threshold = e._threshold[node]
        self.lvl_dtype = e._decision_type[node]
        self.lvl_cat_begin = e._cat_begin[node]
        self.lvl_cat_end = e._cat_end[node]
        self.cat_words = f.cat_words
        self.tree_class = e._tree_class
        self.U = np.zeros(int(self.u_offset[-1]))
        nodes, weights = gauss_legendre((max(int(d.max(initial=1)), 1) + 1) // 2)
        # Trees are independent: both cores build half the tables each (the kernel is GIL-free).
        from app.core.explain.engine.engine import _executor, default_threads

        args = (
            f.leaf_offset,
            depth,
            self.u_offset,
            e._cond_offset,
            e._cond_left,
            e._cond_slot,
            e._uf_offset,
            e._uf_z,
            e._leaf_value,
            nodes,
            weights,
            self.U,
        )
        cost = np.cumsum(4.0**depth)
        n_parts = min(default_threads(), depth.size)
        cuts = np.searchsorted(cost, cost[-1] * np.arange(1, n_parts) / n_parts)
        bounds = [0, *(int(c) for c in cuts), depth.size]
        jobs = [
            _executor().submit(OK.build_level_tables, a, b, *args)
            for a, b in itertools.pairwise(bounds)
            if b > a
        ]
        for job in jobs:
            job.result()

    @property
    def nbytes(self) -> int:
        return int(self.U.nbytes)

    def shap_rows(self, X: np.ndarray, r0: int, r1: int, out: np.ndarray, block: int) -> None:
        OK.shap_rows_oblivious(
            X,
            r0,
            r1,
            out,
            block,
            self.tree_class,
            self.depth,
            self.lvl_offset,
            self.lvl_feature,
            self.lvl_threshold,
            self.lvl_dtype,
            self.lvl_cat_begin,
            self.lvl_cat_end,
            self.cat_words,
            self.u_offset,
            self.slot_offset,
            self.slot_feature,
            self.U,
        )


def level_tables(engine: TreeShapEngine, budget_bytes: int) -> LevelTables | None:
    """The oblivious tables of this engine's model, or None when a tree is not oblivious, is
    deeper than MAX_LEVEL_DEPTH, or the tables would exceed the budget."""
    e, f = engine, engine.forest
    depth = OK.level_depths(
        f.node_offset,
        f.leaf_offset,
        e._split_feature,
        e._threshold,
        e._decision_type,
        e._cat_begin,
        e._cat_end,
        e._cond_offset,
        e._cond_node,
        e._uf_offset,
        e._uf_feature,
    )
    if np.any(depth < 0) or np.any(depth > MAX_LEVEL_DEPTH):
        return None
    d = np.diff(e._uf_offset)[f.leaf_offset[:-1]]
    if 8 * int(((1 << depth) * d).sum()) > budget_bytes:
        return None
    return LevelTables(engine, depth)
