"""TreeShapEngine: exact path-dependent TreeSHAP and raw predictions from `ForestArrays`.

Bulk calls split their rows over the worker threads (default: one per core, at most 2 on the
reference machine); each thread runs a GIL-free numba kernel on its own row range and writes its
own rows of the output. We do not use numba's parallel=True: its workqueue threading layer aborts
when two Python threads call parallel functions at once, which a GUI with a bulk job and a
clicked row would do. Single rows run inline (no pool hand-off) for latency.
"""

from __future__ import annotations

import itertools
import math
import os
import threading
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np

from app.core.base.errors import Cancelled, ExplainError
from app.core.base.priority import lower_this_thread
from app.core.explain.engine import quad_kernels as Q
from app.core.explain.engine import treeshap_kernels as K
from app.core.explain.engine.oblivious import level_tables
from app.core.explain.engine.tree_arrays import ForestArrays

ENGINE_NAME = "ShapLens exact TreeSHAP (numba)"
# Full pattern tables cost 2^d * d float64 per leaf and serve leaves up to MAX_TABLE_DEPTH
# distinct features; deeper leaves up to MAX_QUAD_DEPTH get a split quadrature table
# (quad_kernels, ~2^(d/2+1) * d/2 words). Both share one budget, cheapest leaves first; a leaf
# left without a table runs the slower exact O(d^2) per-row DP, so no model can exhaust memory.
MAX_TABLE_DEPTH = 10
MAX_QUAD_DEPTH = 40
TABLE_BUDGET_BYTES = 256 * 1024**2
# Rows per block inside the kernel: each leaf's table is visited once per block, so larger
# blocks reuse its cache lines across more rows; 1024 rows (scratch ~1 MB for 63-leaf trees)
# ran 10-35% faster than 256 on models (a), (c), (d) and XGBoost depth 8, side by side.
BLOCK_ROWS = 1024
MIN_ROWS_PER_THREAD = 32

_pool_lock = threading.Lock()
_pool: ThreadPoolExecutor | None = None
_bulk_niceness = 0
_thread_niceness = threading.local()


def default_threads() -> int:
    return max(1, min(os.cpu_count() or 1, 8))


def set_bulk_niceness(niceness: int) -> None:
    """Run the pool threads of bulk calls at this nice level from their next task on. The GUI
    sets it so that its own threads (drawing, a clicked row, which runs inline) win the cores:
    the kernels release the GIL, so only the CPU scheduler decides. See app.core.base.priority."""
    global _bulk_niceness
    _bulk_niceness = int(niceness)


def _apply_bulk_niceness() -> None:
    wanted = _bulk_niceness
    if getattr(_thread_niceness, "value", 0) == wanted:
        return
    lower_this_thread(wanted)  # refused (raising it back without privileges): stays as it is
    _thread_niceness.value = wanted


def _bulk_task(kernel: Callable[..., None], *args: object) -> None:
    _apply_bulk_niceness()
    kernel(*args)


def _executor() -> ThreadPoolExecutor:
    global _pool
    with _pool_lock:
        if _pool is None:
            _pool = ThreadPoolExecutor(default_threads(), thread_name_prefix="shaplens-shap")
        return _pool


def shapley_weights(max_d: int) -> np.ndarray:
    """w[d, k] = k! (d-k-1)! / d! for 0 <= k < d <= max_d (via log-gamma: no overflow)."""
    w = np.zeros((max_d + 1, max_d + 1))
    for d in range(1, max_d + 1):
        for k in range(d):
            w[d, k] = math.exp(math.lgamma(k + 1) + math.lgamma(d - k) - math.lgamma(d + 1))
    return w


class TreeShapEngine:
    """Exact TreeSHAP for one tree ensemble. Thread-safe: all state is read-only after init."""

    name = ENGINE_NAME

    def __init__(
        self,
        forest: ForestArrays,
        max_table_depth: int = MAX_TABLE_DEPTH,
        table_budget_bytes: int = TABLE_BUDGET_BYTES,
        max_quad_depth: int = MAX_QUAD_DEPTH,
    ) -> None:
        if forest.extra.get("linear_trees"):
            raise ExplainError("Linear-tree LightGBM models are not supported by the fast engine.")
        self.forest = f = forest
        self.n_features = f.n_features
        self.n_outputs = f.n_outputs
        self._tree_class = f.tree_class
        self._leaf_value = np.ascontiguousarray(f.scaled_leaf_values(), dtype=np.float64)
        self._build_paths()
        # Oblivious trees (CatBoost) need one table per tree, not per leaf (oblivious.py).
        self._levels = level_tables(self, table_budget_bytes) if f.extra.get("oblivious") else None
        spare = table_budget_bytes - (self._levels.nbytes if self._levels else 0)
        self._build_tables(max_table_depth, max_quad_depth, 0 if self._levels else spare)
        self.table_bytes += self._levels.nbytes if self._levels else 0
        self._offset = f.offset()
        self._float32_input = f.float32_input
        self.base_values = self._expected_values() + self._offset

    # ---- preparation -------------------------------------------------------------------------
    def _build_paths(self) -> None:
        f = self.forest
        # Breadth-first node order lets the kernel derive each node's pattern from its parent's.
        order = K.topo_order(f.node_offset, f.left, f.right)
        tree_base = np.repeat(f.node_offset[:-1], np.diff(f.node_offset))
        local = np.empty_like(order)
        local[order] = np.arange(order.size) - tree_base

        def remap(children: np.ndarray) -> np.ndarray:
            return np.where(children >= 0, local[np.maximum(children, 0) + tree_base], children)

        self._split_feature = f.split_feature[order]
        self._threshold = f.threshold[order]
        self._decision_type = f.decision_type[order]
        self._cat_begin = f.cat_begin[order]
        self._cat_end = f.cat_end[order]
        left, right = remap(f.left[order]), remap(f.right[order])
        self._left, self._right = left, right
        n_int = np.diff(f.node_offset)
        size = np.repeat(n_int, n_int)
        # Pattern buffer index of each child: internal child j at j, leaf l at n_nodes + l.
        self._target_left = np.where(left >= 0, left, size + ~left)
        self._target_right = np.where(right >= 0, right, size + ~right)
        n_leaves = int(f.leaf_offset[-1])
        cond_offset = np.zeros(n_leaves + 1, np.int64)
        uf_offset = np.zeros(n_leaves + 1, np.int64)
        self._node_slot = np.zeros(order.size, np.int64)
        empty_i, empty_f = np.zeros(0, np.int64), np.zeros(0)
        args = (
            f.node_offset,
            f.leaf_offset,
            self._split_feature,
            left,
            right,
            f.internal_count[order],
            f.leaf_count,
        )
        K.build_paths(
            *args,
            False,
            cond_offset,
            empty_i,
            empty_i,
            empty_i,
            uf_offset,
            empty_i,
            empty_f,
            self._node_slot,
        )
        np.cumsum(cond_offset, out=cond_offset)
        np.cumsum(uf_offset, out=uf_offset)
        self._cond_offset, self._uf_offset = cond_offset, uf_offset
        self._cond_node = np.zeros(cond_offset[-1], np.int64)
        self._cond_left = np.zeros(cond_offset[-1], np.int64)
        self._cond_slot = np.zeros(cond_offset[-1], np.int64)
        self._uf_feature = np.zeros(uf_offset[-1], np.int64)
        self._uf_z = np.zeros(uf_offset[-1])
        K.build_paths(
            *args,
            True,
            cond_offset,
            self._cond_node,
            self._cond_left,
            self._cond_slot,
            uf_offset,
            self._uf_feature,
            self._uf_z,
            self._node_slot,
        )
        self.leaf_depth = np.diff(uf_offset)  # distinct features per leaf
        self._leaf_mask = np.where(
            self.leaf_depth < 63, (np.int64(1) << np.minimum(self.leaf_depth, 62)) - 1, -1
        )
        self.max_depth = int(self.leaf_depth.max(initial=0))
        self._weights = shapley_weights(max(self.max_depth, 1))

    def _build_tables(self, max_depth: int, max_quad: int, budget: int) -> None:
        """Every leaf a quadrature table first (cheapest first while the budget lasts), then
        shallow leaves upgraded to full tables with what is left, smallest first: many small
        tables beat a few big ones with the rest of the leaves on the per-row DP."""
        d = self.leaf_depth
        words = budget // 8
        can_quad = (d > 0) & (d <= min(max_quad, 62))
        q_cost = np.where(can_quad, Q.quad_size(np.minimum(d, 62)), 0)
        order = np.argsort(np.where(can_quad, q_cost, np.iinfo(np.int64).max), kind="stable")
        order = order[can_quad[order]]
        chosen_q = order[np.cumsum(q_cost[order]) <= words]
        spare = words - int(q_cost[chosen_q].sum())
        shallow = (d > 0) & (d <= max_depth)
        f_cost = np.where(shallow, (np.int64(1) << np.minimum(d, 62)) * d, 0)
        has_q = np.zeros(d.size, bool)
        has_q[chosen_q] = True
        delta = f_cost - np.where(has_q, q_cost, 0)
        up = np.flatnonzero(shallow)
        up = up[np.argsort(f_cost[up], kind="stable")]
        chosen = up[np.cumsum(delta[up]) <= spare]
        has_q[chosen] = False
        chosen_q = np.flatnonzero(has_q)
        cost = np.where(has_q, q_cost, f_cost)
        tab_offset = np.full(d.size, -1, np.int64)
        sizes = cost[chosen]
        tab_offset[chosen] = np.concatenate([[0], np.cumsum(sizes)[:-1]]).astype(np.int64)
        q_offset = np.full(d.size, -1, np.int64)
        q_sizes = cost[chosen_q]
        q_offset[chosen_q] = np.concatenate([[0], np.cumsum(q_sizes)[:-1]]).astype(np.int64)
        self._tab_offset, self._q_offset = tab_offset, q_offset
        self._tables = np.zeros(int(sizes.sum()), np.float64)
        self._q_tables = np.zeros(int(q_sizes.sum()), np.float64)
        self.table_leaves = int(chosen.size)
        self.quad_leaves = int(chosen_q.size)
        self.table_bytes = 8 * (self._tables.size + self._q_tables.size)
        K.build_tables(
            self._leaf_value, self._uf_offset, self._uf_z, tab_offset, self._tables, self._weights
        )
        nodes, weights = Q.gauss_legendre((max(self.max_depth, 1) + 1) // 2)
        Q.build_quad_tables(
            self._leaf_value, self._uf_offset, self._uf_z, q_offset, self._q_tables, nodes, weights
        )

    def _expected_values(self) -> np.ndarray:
        """Per output: sum over leaves of value x product of cover fractions on its path."""
        cover = np.ones(self._leaf_value.size)
        leaf_of_slot = np.repeat(np.arange(cover.size), np.diff(self._uf_offset))
        np.multiply.at(cover, leaf_of_slot, self._uf_z)
        tree_of_leaf = np.repeat(np.arange(self.forest.n_trees), np.diff(self.forest.leaf_offset))
        base = np.zeros(self.n_outputs)
        np.add.at(base, self._tree_class[tree_of_leaf], self._leaf_value * cover)
        return base

    # ---- public API --------------------------------------------------------------------------
    def _check(self, X: np.ndarray) -> np.ndarray:
        X = np.asarray(X)
        if self._float32_input:  # round as the library does before it compares
            X = X.astype(np.float32)
        X = np.ascontiguousarray(X, dtype=np.float64)
        if X.ndim != 2 or X.shape[1] != self.n_features:
            raise ExplainError(
                f"The data has {X.shape[-1] if X.ndim else 0} columns; the model needs "
                f"{self.n_features} ({X.shape})."
            )
        return X

    def _shap_kernel(self, X: np.ndarray, r0: int, r1: int, out: np.ndarray) -> None:
        f = self.forest
        block = min(BLOCK_ROWS, max(1, r1 - r0))
        if self._levels is not None:
            self._levels.shap_rows(X, r0, r1, out, block)
            return
        K.shap_rows(
            X,
            r0,
            r1,
            out,
            block,
            f.node_offset,
            f.leaf_offset,
            self._tree_class,
            self._split_feature,
            self._threshold,
            self._decision_type,
            self._cat_begin,
            self._cat_end,
            f.cat_words,
            self._target_left,
            self._target_right,
            self._node_slot,
            self._leaf_value,
            self._leaf_mask,
            self._cond_offset,
            self._cond_node,
            self._cond_left,
            self._cond_slot,
            self._uf_offset,
            self._uf_feature,
            self._uf_z,
            self._tab_offset,
            self._tables,
            self._q_offset,
            self._q_tables,
            self._weights,
        )

    def _predict_kernel(self, X: np.ndarray, r0: int, r1: int, out: np.ndarray) -> None:
        f = self.forest
        K.predict_rows(
            X,
            r0,
            r1,
            out,
            f.node_offset,
            f.leaf_offset,
            self._tree_class,
            self._split_feature,
            self._threshold,
            self._decision_type,
            self._left,
            self._right,
            self._cat_begin,
            self._cat_end,
            f.cat_words,
            self._leaf_value,
        )

    def _run(
        self, kernel: Callable[..., None], X: np.ndarray, out: np.ndarray, n_threads: int | None
    ) -> None:
        n = X.shape[0]
        threads = default_threads() if n_threads is None else max(1, n_threads)
        threads = min(threads, max(1, n // MIN_ROWS_PER_THREAD))
        if threads == 1:
            kernel(X, 0, n, out)
            return
        bounds = np.linspace(0, n, threads + 1).astype(np.int64)
        pool = _executor()
        futures = [
            pool.submit(_bulk_task, kernel, X, int(a), int(b), out)
            for a, b in itertools.pairwise(bounds)
            if b > a
        ]
        for future in futures:
            future.result()

    def contributions(
        self, X: np.ndarray, n_threads: int | None = None, out: np.ndarray | None = None
    ) -> tuple[np.ndarray, np.ndarray]:
        """SHAP values (n_rows, n_features, n_outputs) float32 and base values (n_outputs,).

        `out`, if given, is a C-contiguous float32 array of that shape (e.g. a slice of the
        whole dataset's result) written in place, so a chunked run needs no extra copy.
        """
        X = self._check(X)
        shape = (X.shape[0], self.n_features, self.n_outputs)
        if out is None:
            out = np.empty(shape, np.float32)
        elif out.shape != shape or out.dtype != np.float32 or not out.flags.c_contiguous:
            raise ExplainError(f"out must be a C-contiguous float32 array of shape {shape}.")
        self._run(self._shap_kernel, X, out, n_threads)
        return out, self.base_values.copy()

    def contributions_one(self, x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """One row, inline on the calling thread: the clicked-row path."""
        X = self._check(np.asarray(x, dtype=np.float64).reshape(1, -1))
        out = np.empty((1, self.n_features, self.n_outputs), np.float32)
        self._shap_kernel(X, 0, 1, out)
        return out, self.base_values.copy()

    def predict_raw(self, X: np.ndarray, n_threads: int | None = None) -> np.ndarray:
        """Raw scores (n_rows, n_outputs) float64, as Booster.predict(raw_score=True)."""
        X = self._check(X)
        out = np.zeros((X.shape[0], self.n_outputs))
        self._run(self._predict_kernel, X, out, n_threads)
        return out + self._offset

    def iter_contributions(
        self,
        X: np.ndarray,
        chunk_rows: int = 20_000,
        cancelled: Callable[[], bool] | None = None,
    ) -> Iterator[tuple[int, int, np.ndarray]]:
        """Yield (start, stop, values) per chunk; raise Cancelled between chunks when asked."""
        X = self._check(X)
        for start in range(0, X.shape[0], max(1, chunk_rows)):
            if cancelled is not None and cancelled():
                raise Cancelled()
            stop = min(start + chunk_rows, X.shape[0])
            values, _ = self.contributions(X[start:stop])
            yield start, stop, values


def engine_from_path(path: str | Path) -> TreeShapEngine:
    """Engine for a LightGBM text model or JSON dump file (no LightGBM needed)."""
    from app.core.base.input_gate import MODEL_FILE, read_input_text
    from app.core.explain.engine.lgbm_parse import parse_json, parse_text

    path = Path(path)
    text = read_input_text(path, MODEL_FILE)
    parse = parse_json if text.lstrip().startswith("{") else parse_text
    return TreeShapEngine(parse(text, path.name))
