"""Compile (or load from numba's cache) every kernel before the first real model needs it.

Numba holds the GIL while it compiles or loads a kernel (tens to hundreds of ms each), so a
kernel first met in a bulk run froze the window (issue 14: CatBoost's oblivious kernels,
scikit-learn's and XGBoost's float32 signatures were compiled mid-run). Each family's set is
warmed here: LightGBM (float64 rows), XGBoost and scikit-learn (rows rounded to float32),
CatBoost (oblivious level tables), and the interaction kernels of the Interactions view.
"""

from __future__ import annotations

import threading
from typing import Any

import numpy as np

from app.core.explain.engine.engine import MAX_QUAD_DEPTH, MAX_TABLE_DEPTH, TreeShapEngine

_warm_lock = threading.Lock()
_warm = False


def _leaf(index: int, value: float) -> dict[str, Any]:
    return {"leaf_index": index, "leaf_value": value, "leaf_count": 1}


def _split(index: int, feature: int, threshold: Any, left: dict, right: dict) -> dict[str, Any]:
    categorical = isinstance(threshold, str)
    return {
        "split_index": index,
        "split_feature": feature,
        "threshold": threshold,
        "decision_type": "==" if categorical else "<=",
        "default_left": not categorical,
        "missing_type": "None" if categorical else "NaN",
        "internal_count": 4,
        "left_child": left,
        "right_child": right,
    }


def _model(tree: dict[str, Any], n_leaves: int) -> dict[str, Any]:
    return {
        "max_feature_idx": 1,
        "feature_names": ["a", "b"],
        "num_tree_per_iteration": 1,
        "tree_info": [{"num_leaves": n_leaves, "tree_structure": tree}],
    }


# A numerical and a categorical split (LightGBM's shapes), and a depth-2 oblivious tree (both
# children split on the same feature and threshold, as CatBoost's trees do).
MIXED = _model(
    _split(0, 0, 0.5, _leaf(0, -1.0), _split(1, 1, "0||2", _leaf(1, 1.0), _leaf(2, 2.0))), 3
)
OBLIVIOUS = _model(
    _split(
        0,
        0,
        0.5,
        _split(1, 1, 1.5, _leaf(0, -1.0), _leaf(1, 1.0)),
        _split(2, 1, 1.5, _leaf(2, 2.0), _leaf(3, 0.5)),
    ),
    4,
)


def _exercise(engine: TreeShapEngine, X: np.ndarray, interactions: bool) -> None:
    engine.contributions(X)
    engine.contributions_one(X[0])
    engine.predict_raw(X)
    if interactions:
        from app.core.explain.engine.interaction_engine import interaction_kernel

        interaction_kernel(engine, tables=True).values(X)
        interaction_kernel(engine, tables=False).values(X[:1])


def warm_up() -> None:
    """Compile (or load from numba's cache) every family's kernels on tiny models. Safe to call
    twice; the second call returns at once."""
    global _warm
    with _warm_lock:
        if _warm:
            return
        from app.core.explain.engine.lgbm_parse import parse_json

        X = np.array([[0.0, 2.0], [np.nan, 1.0]] * 40)
        # the full-table, split-quadrature-table and per-row DP paths, for float64 rows
        # (LightGBM) and rows rounded to float32 (XGBoost, scikit-learn)
        for float32 in (False, True):
            for depth, quad in ((MAX_TABLE_DEPTH, MAX_QUAD_DEPTH), (0, MAX_QUAD_DEPTH), (0, 0)):
                forest = parse_json(MIXED, "warm-up model")
                forest.float32_input = float32
                engine = TreeShapEngine(forest, max_table_depth=depth, max_quad_depth=quad)
                _exercise(engine, X, interactions=not float32 and depth > 0)
        for float32 in (False, True):  # CatBoost's level tables
            forest = parse_json(OBLIVIOUS, "warm-up oblivious model")
            forest.extra["oblivious"] = True
            forest.float32_input = float32
            _exercise(TreeShapEngine(forest), X, interactions=False)
        _warm = True
