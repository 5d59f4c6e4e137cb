"""Generated variants of lying fields: each file is refused or loads and explains, and none
crashes. All variants of a family run in one child process, so a crash fails the test."""

from __future__ import annotations

import copy
import json
import random
from pathlib import Path
from typing import Any

from tests.core import hostile_models as H

SEED = 21
LIES = (-2, -1, 0, 1, 2, 5, 7, 2**31 - 1, 2**31, 10**9)
XGB_INT_ARRAYS = (
    "left_children",
    "right_children",
    "parents",
    "split_indices",
    "split_type",
    "default_left",
)
XGB_PARAMS = ("num_nodes", "size_leaf_vector", "num_feature", "num_deleted")


def _xgb_variants(folder: Path, n: int) -> list[Path]:
    rng = random.Random(SEED)
    paths = []
    for k in range(n):
        model = copy.deepcopy(H.xgb_json())
        trees = H.xgb_trees(model)
        tree = trees[rng.randrange(len(trees))]
        if rng.random() < 0.75:
            key = rng.choice(XGB_INT_ARRAYS)
            tree[key][rng.randrange(len(tree[key]))] = rng.choice(LIES)
        else:
            tree["tree_param"][rng.choice(XGB_PARAMS)] = str(rng.choice(LIES))
        paths.append(H.write_json(folder / f"xgb_{k}.json", model))
    return paths


def _nodes(root: dict[str, Any]) -> list[dict[str, Any]]:
    out, stack = [], [root]
    while stack:
        node = stack.pop()
        out.append(node)
        if "split_index" in node:
            stack.extend((node["left_child"], node["right_child"]))
    return out


def _lgbm_variants(folder: Path, n: int) -> list[Path]:
    rng = random.Random(SEED)
    keys = ("split_index", "split_feature", "leaf_index", "num_leaves", "max_feature_idx")
    paths = []
    for k in range(n):
        model = json.loads(H.lgbm_dump())
        info = rng.choice(model["tree_info"])
        key = rng.choice(keys)
        lie = rng.choice(LIES)
        if key == "num_leaves":
            info["num_leaves"] = lie
        elif key == "max_feature_idx":
            model["max_feature_idx"] = lie
        else:
            nodes = [x for x in _nodes(info["tree_structure"]) if key in x]
            if nodes:
                rng.choice(nodes)[key] = lie
        paths.append(H.write_json(folder / f"lgbm_{k}.json", model))
    return paths


def _check(results: dict[str, str], n: int) -> None:
    assert len(results) == n
    for name, outcome in results.items():
        assert outcome == "LOADED" or outcome.startswith(f"REFUSED {name}"), (name, outcome)
        assert "\n" not in outcome


def test_xgboost_fields_that_lie(tmp_path) -> None:
    # 20 variants: each costs a probe process, which is what keeps the parent safe.
    _check(H.load_in_child(_xgb_variants(tmp_path, 20), cwd=tmp_path), 20)


def test_lightgbm_dump_fields_that_lie(tmp_path) -> None:
    _check(H.load_in_child(_lgbm_variants(tmp_path, 60), cwd=tmp_path), 60)
