"""Exact SHAP interaction values from a TreeShapEngine's prepared paths.

Kept beside the engine rather than in it: it reads the engine's path arrays (built once for
SHAP values) and runs interaction_kernels on the engine's own thread pool, GIL-free, one row
range per core. Pattern tables (interaction_kernels.build_pair_tables) are built lazily on first
use, within their own memory budget, shallow leaves first.
"""

from __future__ import annotations

import threading

import numpy as np

from app.core.base.errors import ExplainError
from app.core.explain.engine import interaction_kernels as IK
from app.core.explain.engine.engine import TreeShapEngine, shapley_weights
from app.core.explain.engine.interaction_rows import interaction_rows

# Leaves up to this many distinct features get a pattern table; deeper ones compute their
# pairs per distinct pattern of a block (leaf_codes) or per row. A table costs 2^d d(d+1)/2 float64:
# 11 KB at d = 6, 450 KB at d = 10.
MAX_PAIR_TABLE_DEPTH = 10
PAIR_TABLE_BUDGET_BYTES = 192 * 1024**2
# The row-major accumulator holds one M x M x outputs float64 square per row of a block; keep a
# block's squares near a core's L2. Larger blocks repeat more of a deep leaf's codes (below):
# on benchmark model (c), 1024-row blocks ran ~2.5x the rows/s of 64-row ones, and 2048-row
# ones ~1.5x the 1024-row ones (A/B in one run each).
ACC_BLOCK_BYTES = 4 * 1024**2
MAX_BLOCK_ROWS = 2048
# The block's per-node patterns (int64, two per node): bounded for very large trees, but never
# below the 64 rows that served before grouping.
PATTERN_BLOCK_BYTES = 16 * 1024**2
MIN_BLOCK_ROWS = 64
# A table-less leaf groups a block's rows by code (leaf_codes) when at most this share of
# them are distinct; above it, one polynomial per row is cheaper than the scratch round trip.
MAX_DISTINCT_SHARE = 0.8


class InteractionKernel:
    """Interaction values for one engine. Thread-safe after the tables are built."""

    def __init__(
        self,
        engine: TreeShapEngine,
        max_table_depth: int = MAX_PAIR_TABLE_DEPTH,
        table_budget_bytes: int = PAIR_TABLE_BUDGET_BYTES,
    ) -> None:
        self.engine = engine
        self.max_distinct = MAX_DISTINCT_SHARE
        nodes = np.diff(engine.forest.node_offset)
        self._pattern_row_bytes = 8 * (2 * int(nodes.max(initial=0)) + 1)
        e = engine
        max_d = max(e.max_depth, 2)
        self._w1 = shapley_weights(max_d)
        self._w2 = IK.pair_weights(max_d)
        d = e.leaf_depth
        cost = np.where((d >= 1) & (d <= max_table_depth), IK.table_words(d), 0)
        order = np.argsort(np.where(cost > 0, cost, np.iinfo(np.int64).max), kind="stable")
        order = order[cost[order] > 0]
        chosen = order[np.cumsum(cost[order]) <= table_budget_bytes // 8]
        self._tab_offset = np.full(d.size, -1, np.int64)
        sizes = cost[chosen]
        self._tab_offset[chosen] = np.concatenate([[0], np.cumsum(sizes)[:-1]]).astype(np.int64)
        self._tables = np.zeros(int(sizes.sum()))
        self.table_leaves = int(chosen.size)
        n_pairs = d * (d + 1) // 2
        self._pair_offset = np.concatenate([[0], np.cumsum(n_pairs)]).astype(np.int64)
        self._pair_index = np.zeros(int(self._pair_offset[-1]), np.int64)
        tree_of_leaf = np.repeat(np.arange(e.forest.n_trees), np.diff(e.forest.leaf_offset))
        leaf_class = np.ascontiguousarray(e._tree_class[tree_of_leaf], np.int64)
        IK.build_pair_index(
            e._uf_offset,
            e._uf_feature,
            leaf_class,
            self._pair_offset,
            e.n_features,
            e.n_outputs,
            self._pair_index,
        )
        IK.build_pair_tables(
            e._leaf_value, e._uf_offset, e._uf_z, self._tab_offset, self._tables, self._w1, self._w2
        )

    def _kernel(self, X: np.ndarray, r0: int, r1: int, out: np.ndarray) -> None:
        e, f = self.engine, self.engine.forest
        square = out.shape[1] * out.shape[2] * out.shape[3] * 8
        by_patterns = max(MIN_BLOCK_ROWS, PATTERN_BLOCK_BYTES // self._pattern_row_bytes)
        block = max(1, min(MAX_BLOCK_ROWS, ACC_BLOCK_BYTES // max(square, 1), by_patterns, r1 - r0))
        interaction_rows(
            X,
            r0,
            r1,
            out,
            block,
            f.node_offset,
            f.leaf_offset,
            e._tree_class,
            e._split_feature,
            e._threshold,
            e._decision_type,
            e._cat_begin,
            e._cat_end,
            f.cat_words,
            e._target_left,
            e._target_right,
            e._node_slot,
            e._leaf_value,
            e._cond_offset,
            e._cond_node,
            e._cond_left,
            e._cond_slot,
            e._uf_offset,
            e._uf_z,
            self._pair_offset,
            self._pair_index,
            self._tab_offset,
            self._tables,
            self._w1,
            self._w2,
            self.max_distinct,
        )

    def values(self, X: np.ndarray, n_threads: int | None = None) -> np.ndarray:
        """Interaction values (n_rows, M, M, n_outputs) float32 for the engine's features."""
        e = self.engine
        X = e._check(X)
        shape = (X.shape[0], e.n_features, e.n_features, e.n_outputs)
        try:
            out = np.empty(shape, np.float32)
        except MemoryError as error:
            raise ExplainError(
                f"Not enough memory for {shape[0]:,} rows of {shape[1]} x {shape[1]} "
                "interaction values; use fewer rows at a time."
            ) from error
        e._run(self._kernel, X, out, n_threads)
        return out


_kernels_lock = threading.Lock()


def interaction_kernel(engine: TreeShapEngine, tables: bool = True) -> InteractionKernel:
    """The engine's interaction kernel, built once per kind and kept on the engine.

    tables=False is the clicked-row kernel: no pattern tables to build (building them takes a
    second or more on a large model, fine for a bulk run, not for a click), every leaf computed
    from its pattern, a few ms a row. The lock is not held while a kernel is built, so a click
    never waits on the bulk run's table build; two threads racing may build one twice.
    """
    name = "_interaction_kernel" if tables else "_interaction_kernel_row"
    with _kernels_lock:
        kernel = getattr(engine, name, None)
    if kernel is not None:
        return kernel
    built = InteractionKernel(engine) if tables else InteractionKernel(engine, max_table_depth=0)
    with _kernels_lock:
        kernel = getattr(engine, name, None)
        if kernel is None:
            setattr(engine, name, built)
            kernel = built
    return kernel
