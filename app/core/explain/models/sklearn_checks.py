"""Every scikit-learn tree inside a loaded object, found and checked before anything predicts.

sklearn's Cython `Tree` and the HistGradientBoosting `TreePredictor` index their node arrays and
the input rows without bounds checks, so one damaged tree anywhere in a file can crash the
process. The walk below therefore has no budget an attacker can exhaust quietly: it follows every
reference (attributes, slots, containers, dict keys, object arrays, bound methods, partials)
until it has seen every reachable object, and a file too large to walk is refused, never passed.

The feature bound of a tree is the smallest `n_features_in_` among the estimators above it: a
forest checks the width of X once and hands the rows to its trees unchecked, so a tree must not
read a column its forest never checked. A stacking model's final estimator sees new columns
(the predictions), so the bound starts afresh below `final_estimator_`.
"""

from __future__ import annotations

import gc
import types
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np

from app.core.base.errors import ModelLoadError
from app.core.data.data_io import MAX_COLUMNS
from app.core.explain.models.checks import check_tree_structure

# Far beyond any real estimator (a 1,000-tree forest is ~20,000 objects); walking this many takes
# a few seconds. A file holding more is refused rather than partly checked.
MAX_OBJECTS = 1_000_000
NO_BOUND = 1 << 62
_ATOMIC = (str, bytes, bytearray, int, float, complex, bool, type(None), range, slice)
# Objects skops can only name, never fill: walking into them would reach every loaded module.
_OPAQUE = (
    type,
    types.ModuleType,
    types.FunctionType,
    types.BuiltinFunctionType,
    types.CodeType,
    types.WrapperDescriptorType,
    types.MethodDescriptorType,
    np.ufunc,
    np.dtype,
)
_FRESH_SCOPE = ("final_estimator_",)


class TooManyObjects(ValueError):
    """The object graph is larger than MAX_OBJECTS."""


def _children(obj: object) -> Iterator[tuple[str, object]]:
    if isinstance(obj, np.ndarray):
        if obj.dtype.hasobject:
            if obj.dtype.names:
                for name in obj.dtype.names:
                    yield "", obj[name]
            else:
                for item in obj.ravel().tolist():
                    yield "", item
        return
    if isinstance(obj, dict):
        for key, value in obj.items():
            yield "", key
            yield (key if isinstance(key, str) else ""), value
        return
    if isinstance(obj, list | tuple | set | frozenset):
        for item in obj:
            yield "", item
        return
    attrs = getattr(obj, "__dict__", None)
    if isinstance(attrs, dict):
        yield from _children(attrs)
    for ref in gc.get_referents(obj):
        if ref is not attrs:
            yield "", ref


def walk_with_bounds(root: object, max_objects: int = MAX_OBJECTS) -> Iterator[tuple[object, int]]:
    """(object, feature bound) for every reachable object and every distinct bound reaching it.

    Raises TooManyObjects past `max_objects` visits, so the walk ends or the file is refused.
    """
    seen: set[tuple[int, int]] = set()
    keep: list[object] = []  # holds temporaries so that their ids are not reused mid-walk
    stack: list[tuple[object, int]] = [(root, NO_BOUND)]
    while stack:
        obj, bound = stack.pop()
        if isinstance(obj, _ATOMIC + _OPAQUE):
            continue
        key = (id(obj), bound)
        if key in seen:
            continue
        seen.add(key)
        keep.append(obj)
        if len(seen) > max_objects:
            raise TooManyObjects(f"more than {max_objects:,} objects")
        attrs = getattr(obj, "__dict__", None)
        own = attrs.get("n_features_in_") if isinstance(attrs, dict) else None
        if isinstance(own, int | np.integer) and not isinstance(own, bool):
            bound = min(bound, max(int(own), 0))
        yield obj, bound
        for name, child in _children(obj):
            stack.append((child, NO_BOUND if name in _FRESH_SCOPE else bound))


def _check_tree(tree: Any, bound: int) -> None:
    n_features = min(int(tree.n_features), bound)
    check_tree_structure(
        tree.children_left, tree.children_right, tree.feature, n_features, "a tree"
    )
    if tree.value.shape[0] != tree.node_count:
        raise ValueError("a tree's value array does not match its node count")


def _check_predictor(predictor: Any, bound: int) -> None:
    from sklearn.ensemble._hist_gradient_boosting.common import PREDICTOR_RECORD_DTYPE

    nodes = predictor.nodes
    if not isinstance(nodes, np.ndarray) or nodes.dtype != PREDICTOR_RECORD_DTYPE:
        raise ValueError("a tree's node table has the wrong layout")
    leaf = nodes["is_leaf"].astype(bool)
    left = np.where(leaf, -1, nodes["left"].astype(np.int64))
    right = np.where(leaf, -1, nodes["right"].astype(np.int64))
    check_tree_structure(left, right, nodes["feature_idx"], bound, "a tree")
    cat = ~leaf & nodes["is_categorical"].astype(bool)
    for name in ("raw_left_cat_bitsets", "binned_left_cat_bitsets"):
        table = getattr(predictor, name)
        if not isinstance(table, np.ndarray) or table.ndim != 2 or table.shape[1] != 8:
            raise ValueError("a tree's category table has the wrong shape")
        if cat.any() and nodes["bitset_idx"][cat].max() >= table.shape[0]:
            raise ValueError("a categorical split points outside its category table")


def _check_hist_owner(owner: Any) -> None:
    """Categorical splits look their feature up in the bin mapper's tables without a check."""
    predictors = [p for group in owner._predictors for p in group]
    cat_features = set()
    for predictor in predictors:
        nodes = predictor.nodes
        cat = ~nodes["is_leaf"].astype(bool) & nodes["is_categorical"].astype(bool)
        cat_features.update(int(f) for f in nodes["feature_idx"][cat])
    if not cat_features:
        return
    flags = getattr(getattr(owner, "_bin_mapper", None), "is_categorical_", None)
    flags = np.asarray(flags if flags is not None else [], dtype=bool).ravel()
    if flags.size != int(owner.n_features_in_) or not all(
        f < flags.size and flags[f] for f in cat_features
    ):
        raise ValueError("a categorical split uses a feature the model does not treat as one")


def check_sklearn_trees(model: object, path: Path) -> int:
    """Validate every sklearn Tree / HGB TreePredictor reachable from `model`; returns how many."""
    from sklearn.ensemble._hist_gradient_boosting.predictor import TreePredictor
    from sklearn.tree._tree import Tree

    checked: set[int] = set()
    try:
        for obj, bound in walk_with_bounds(model):
            if bound != NO_BOUND and bound > MAX_COLUMNS:
                # Names and zero rows are built per declared feature: 1e9 would take gigabytes.
                raise ValueError(f"it declares {bound:,} input features, more than {MAX_COLUMNS:,}")
            if isinstance(obj, Tree):
                _check_tree(obj, bound)
                checked.add(id(obj))
            elif isinstance(obj, TreePredictor):
                _check_predictor(obj, bound)
                checked.add(id(obj))
            elif isinstance(getattr(obj, "__dict__", None), dict) and "_predictors" in vars(obj):
                _check_hist_owner(obj)
    except TooManyObjects as error:
        raise ModelLoadError(
            f"{path.name} holds {error}, far more than any scikit-learn model; it is refused "
            "because ShapLens cannot check every tree in it. Re-save the model from the "
            "original training code.",
            path,
        ) from error
    except (ValueError, AttributeError, KeyError, TypeError, IndexError) as error:
        raise ModelLoadError(
            f"{path.name} holds a damaged or crafted scikit-learn tree ({error}); "
            "it is refused because predicting with it could crash. Re-save the model "
            "from the original training code.",
            path,
        ) from error
    return len(checked)
