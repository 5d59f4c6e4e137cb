"""The fast exact TreeSHAP engine: model parsing, validation, numba kernels, threading.

Public API (see engine.py): TreeShapEngine, engine_from_path, warm_up, set_bulk_niceness,
parse_text, parse_json.
"""

from app.core.explain.engine.engine import (
    ENGINE_NAME,
    TreeShapEngine,
    engine_from_path,
    set_bulk_niceness,
)
from app.core.explain.engine.lgbm_parse import parse_json, parse_text
from app.core.explain.engine.tree_arrays import ForestArrays, validate
from app.core.explain.engine.warm import warm_up

__all__ = [
    "ENGINE_NAME",
    "ForestArrays",
    "TreeShapEngine",
    "engine_from_path",
    "parse_json",
    "parse_text",
    "set_bulk_niceness",
    "validate",
    "warm_up",
]
