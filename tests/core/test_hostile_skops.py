"""Damaged trees in .skops files are found wherever they sit, however much padding hides them.

The files are loaded in a child process: before the fix, some of them crashed it (SIGSEGV).
"""

from __future__ import annotations

import copy
import functools
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from app.core.base.errors import ModelLoadError
from app.core.explain.models import sklearn_checks
from app.core.explain.models.sklearn_checks import check_sklearn_trees, walk_with_bounds
from tests.core import hostile_models as H

PADDING = 200_001  # one more object than the old tree check walked


def _damage(tree: Any, how: str) -> None:
    state = tree.__getstate__()
    nodes = state["nodes"].copy()
    inner = np.flatnonzero(nodes["left_child"] != -1)
    if how == "child out of range":
        nodes["left_child"][inner[-1]] = 10**6
    elif how == "child is the root":
        nodes["right_child"][inner[-1]] = 0
    elif how == "feature out of range":
        nodes["feature"][inner[0]] = 10**6
    state["nodes"] = nodes
    tree.__setstate__(state)


def _damaged_forest(how: str) -> Any:
    model = copy.deepcopy(H.forest())
    _damage(model.estimators_[-1].tree_, how)
    return model


def _dump(model: Any, path: Path) -> Path:
    import skops.io as sio

    sio.dump(model, path)
    return path


def _padded_file(folder: Path) -> Path:
    """The attack as reported: 200,001 empty lists walked before the damaged tree."""
    model = _damaged_forest("child out of range")
    # The old walk took the last attribute first, so padding added last used up its budget.
    model.padding = [[] for _ in range(PADDING)]
    return _dump(model, folder / "padded.skops")


def test_padding_no_longer_hides_a_damaged_tree(tmp_path_factory) -> None:
    folder = tmp_path_factory.mktemp("padded")
    path = _padded_file(folder)
    result = H.load_in_child([path], cwd=folder)
    assert result["padded.skops"].startswith("REFUSED padded.skops holds a damaged")


HOW = ("child out of range", "child is the root", "feature out of range")


def test_damaged_tree_anywhere_is_refused(tmp_path) -> None:
    """Each damage, with the tree in the forest, in a nested container, or a lone tree."""
    files = []
    for k, how in enumerate(HOW):
        in_forest = _damaged_forest(how)
        in_forest.padding = [[[]] for _ in range(1_000)]
        files.append(_dump(in_forest, tmp_path / f"in_forest{k}.skops"))
        hidden = copy.deepcopy(H.forest())
        stray = copy.deepcopy(H.forest().estimators_[0])
        _damage(stray.tree_, how)
        hidden.notes = {"kept": [({"deep": np.array([None, stray], dtype=object)},)]}
        files.append(_dump(hidden, tmp_path / f"hidden{k}.skops"))
        single = copy.deepcopy(H.forest().estimators_[0])
        _damage(single.tree_, how)
        files.append(_dump(single, tmp_path / f"single{k}.skops"))
    results = H.load_in_child(files, cwd=tmp_path)
    assert len(results) == 9
    for name, outcome in results.items():
        assert outcome.startswith(f"REFUSED {name} holds a damaged"), (name, outcome)


def test_other_sklearn_tree_damage_and_good_models(tmp_path) -> None:
    # A forest checks X's width once; its trees must stay inside that width.
    narrow = copy.deepcopy(H.forest())
    narrow.n_features_in_ = 2  # the trees still split on columns up to 5
    hgb = copy.deepcopy(H.hist_gb())
    predictor = hgb._predictors[-1][0]
    nodes = predictor.nodes.copy()
    inner = np.flatnonzero(nodes["is_leaf"] == 0)
    nodes["left"][inner[-1]] = 0  # back to the root: a cycle
    predictor.nodes = nodes
    files = [
        _dump(narrow, tmp_path / "narrow.skops"),
        _dump(hgb, tmp_path / "hgb.skops"),
        _dump(H.forest(), tmp_path / "good_rf.skops"),
        _dump(H.hist_gb(), tmp_path / "good_hgb.skops"),
    ]
    results = H.load_in_child(files, cwd=tmp_path)
    assert "outside 0..1" in results["narrow.skops"]
    assert results["hgb.skops"].startswith("REFUSED hgb.skops holds a damaged")
    assert results["good_rf.skops"] == "LOADED" and results["good_hgb.skops"] == "LOADED"


def test_walk_has_no_quiet_budget() -> None:
    """Padding makes the walk longer, never shorter; past the limit the file is refused."""
    model = _damaged_forest("child out of range")
    model.padding = [[] for _ in range(PADDING)]
    with pytest.raises(ModelLoadError, match=r"padded.skops holds a damaged"):
        check_sklearn_trees(model, Path("padded.skops"))
    with pytest.raises(sklearn_checks.TooManyObjects):
        list(walk_with_bounds(model, max_objects=10_000))


def test_too_many_objects_refuses_the_file(monkeypatch) -> None:
    model = copy.deepcopy(H.forest())
    model.padding = [[] for _ in range(5_000)]
    monkeypatch.setattr(sklearn_checks, "MAX_OBJECTS", 1_000)
    monkeypatch.setattr(
        sklearn_checks,
        "walk_with_bounds",
        functools.partial(walk_with_bounds, max_objects=1_000),
    )
    with pytest.raises(ModelLoadError, match=r"big.skops holds more than 1,000 objects"):
        check_sklearn_trees(model, Path("big.skops"))


def test_walk_follows_keys_slots_partials_and_methods() -> None:
    from sklearn.tree._tree import Tree

    class Slotted:
        __slots__ = ("inner",)

    tree = H.forest().estimators_[0].tree_
    holder = Slotted()
    holder.inner = functools.partial(print, {frozenset([(1, "x")]): [holder]}, tree)
    found = [obj for obj, _ in walk_with_bounds({"k": holder}) if isinstance(obj, Tree)]
    assert found == [tree]
    method_holder = H.forest().estimators_[1]
    found = [obj for obj, _ in walk_with_bounds([method_holder.predict]) if isinstance(obj, Tree)]
    assert found == [method_holder.tree_]


def test_a_billion_declared_features_is_refused() -> None:
    model = copy.deepcopy(H.forest())
    model.n_features_in_ = 10**9  # names and rows are built per declared feature
    with pytest.raises(ModelLoadError, match=r"wide.skops .*1,000,000,000 input features"):
        check_sklearn_trees(model, Path("wide.skops"))
