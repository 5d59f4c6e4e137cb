"""Compile (or load from numba's cache) every kernel before the first real model needs it."""

from __future__ import annotations

import threading

import numpy as np

from app.core.explain.engine.engine import MAX_QUAD_DEPTH, MAX_TABLE_DEPTH, TreeShapEngine

_warm_lock = threading.Lock()
_warm = False


def warm_up() -> None:
    """Compile (or load from numba's cache) every kernel on a tiny model. Safe to call twice."""
    global _warm
    with _warm_lock:
        if _warm:
            return
        from app.core.explain.engine.lgbm_parse import parse_json

        tree = {
            "split_index": 0,
            "split_feature": 0,
            "threshold": 0.5,
            "decision_type": "<=",
            "default_left": True,
            "missing_type": "NaN",
            "internal_count": 4,
            "left_child": {"leaf_index": 0, "leaf_value": -1.0, "leaf_count": 2},
            "right_child": {
                "split_index": 1,
                "split_feature": 1,
                "threshold": "0||2",
                "decision_type": "==",
                "default_left": False,
                "missing_type": "None",
                "internal_count": 2,
                "left_child": {"leaf_index": 1, "leaf_value": 1.0, "leaf_count": 1},
                "right_child": {"leaf_index": 2, "leaf_value": 2.0, "leaf_count": 1},
            },
        }
        model = {
            "max_feature_idx": 1,
            "feature_names": ["a", "b"],
            "num_tree_per_iteration": 1,
            "tree_info": [{"num_leaves": 3, "tree_structure": tree}],
        }
        # the full-table, split-quadrature-table and per-row DP paths
        for depth, quad in ((MAX_TABLE_DEPTH, MAX_QUAD_DEPTH), (0, MAX_QUAD_DEPTH), (0, 0)):
            forest = parse_json(model, "warm-up model")
            engine = TreeShapEngine(forest, max_table_depth=depth, max_quad_depth=quad)
            X = np.array([[0.0, 2.0], [np.nan, 1.0]] * 40)
            engine.contributions(X)
            engine.contributions_one(X[0])
            engine.predict_raw(X)
        _warm = True
