"""Crafted XGBoost and LightGBM JSON models: refused with one sentence, never a crash or a hang,
and never sized by what they declare. XGBoost's reader crashed on some of these, so they are
loaded in a child process."""

from __future__ import annotations

import copy
import json
import math
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from app.core.base.errors import ModelLoadError
from app.core.data import model_io
from app.core.data.model_io import load_model
from tests.core import hostile_models as H


def _tree0(model: dict[str, Any]) -> dict[str, Any]:
    return H.xgb_trees(model)[0]


def _leaf(model: dict[str, Any]) -> int:
    tree = _tree0(model)
    return tree["left_children"].index(-1)


def _params(model: dict[str, Any]) -> dict[str, Any]:
    return model["learner"]["learner_model_param"]


def _set_leaf(value: float):
    def edit(m: dict[str, Any]) -> None:
        _tree0(m)["split_conditions"][_leaf(m)] = value

    return edit


def _set_all_leaves(value: float):
    def edit(m: dict[str, Any]) -> None:
        for tree in H.xgb_trees(m):
            for i, left in enumerate(tree["left_children"]):
                if left == -1:
                    tree["split_conditions"][i] = value

    return edit


# name -> (edit, what the message must say)
XGB_CASES = {
    "leaf_vector_huge": (
        lambda m: _tree0(m)["tree_param"].update(size_leaf_vector="1000000000"),
        "size_leaf_vector",
    ),
    "leaf_vector_two": (lambda m: _tree0(m)["tree_param"].update(size_leaf_vector="2"), "0..1"),
    "parent_out_of_range": (lambda m: _tree0(m)["parents"].__setitem__(3, 10**6), "parents"),
    "parent_negative": (lambda m: _tree0(m)["parents"].__setitem__(3, -5), "parents"),
    "parents_short": (lambda m: _tree0(m)["parents"].pop(), "parents"),
    "num_feature_huge": (lambda m: _params(m).update(num_feature="1000000000"), "num_feature"),
    "num_class_huge": (lambda m: _params(m).update(num_class="1000000000"), "num_class"),
    "num_target_huge": (lambda m: _params(m).update(num_target="1000000000"), "num_target"),
    "names_short": (
        lambda m: m["learner"].update(feature_names=m["learner"]["feature_names"][:2]),
        "feature_names lists 2 names for 6",
    ),
    "types_short": (
        lambda m: m["learner"].update(feature_types=m["learner"]["feature_types"][:2]),
        "feature_types lists 2 types for 6",
    ),
    "name_with_lt": (lambda m: m["learner"]["feature_names"].__setitem__(0, "a<b"), "'a<b'"),
    "nan_leaf": (_set_leaf(math.nan), "NaN"),
    "overflowing_leaf": (_set_leaf(1e39), "beyond float32"),
    "leaves_add_up_to_overflow": (_set_all_leaves(1e38), "add up beyond float32"),
    "nan_base_score": (lambda m: _params(m).update(base_score="[nan]"), "base_score"),
    "tree_info_short": (
        lambda m: m["learner"]["gradient_booster"]["model"].update(tree_info=[0]),
        "tree_info",
    ),
}


def _crafted(folder: Path, name: str) -> Path:
    model = copy.deepcopy(H.xgb_json())
    edit, _ = XGB_CASES[name]
    edit(model)
    return H.write_json(folder / f"{name}.json", model)


def test_crafted_xgboost_json_is_refused_in_a_child(tmp_path) -> None:
    files = [_crafted(tmp_path, name) for name in XGB_CASES]
    files.append(H.write_json(tmp_path / "untouched.json", H.xgb_json()))
    results = H.load_in_child(files, cwd=tmp_path)
    assert results.pop("untouched.json") == "LOADED"
    for name, (_, says) in XGB_CASES.items():
        outcome = results[f"{name}.json"]
        assert outcome.startswith(f"REFUSED {name}.json is not a usable XGBoost model"), outcome
        assert says in outcome, (name, outcome)
        assert "\n" not in outcome


@pytest.mark.parametrize(
    ("name", "says"),
    [
        ("nan_leaf", r"is not a usable XGBoost.*NaN"),
        ("num_feature_huge", r"declares 1,000,000,000 features"),
        ("names_short", r"feature_names lists 2 names for 6"),
    ],
)
def test_binary_models_are_checked_too(tmp_path, name, says) -> None:
    """.ubj skips the JSON check before loading: the probe and XGBoost's own export catch these."""
    import xgboost as xgb

    source = _crafted(tmp_path, name)
    booster = xgb.Booster()
    booster.load_model(bytearray(source.read_bytes()))  # XGBoost itself accepts each of them
    path = tmp_path / f"{name}.ubj"
    booster.save_model(path)
    with pytest.raises(ModelLoadError, match=rf"{name}.ubj.*{says}"):
        load_model(path)


def test_good_xgboost_models_still_explain_exactly(tmp_path) -> None:
    for suffix in ("json", "ubj"):
        model = load_model(H.xgb_file(suffix))
        X, _, _ = H.cancer()
        values, base = model.contributions(X[:20])
        raw = model.predict_raw(X[:20])
        np.testing.assert_allclose(values.sum(axis=1) + base, raw, rtol=1e-4, atol=1e-4)


def test_inspect_knows_an_xgboost_model() -> None:
    from app.core.production.inspect import split_and_gain, tree_stats

    model = load_model(H.xgb_file("json"))
    stats = tree_stats(model)
    assert stats is not None and stats.depth_max == 3 and stats.n_trees == 4
    splits, gain = split_and_gain(model)
    assert splits is not None and splits.sum() > 0 and gain is not None


def _lgbm(folder: Path, name: str, edit) -> Path:
    model = json.loads(H.lgbm_dump())
    edit(model)
    return H.write_json(folder / f"{name}.json", model)


LGBM_CASES = {
    "leaves_2e9": (
        lambda m: m["tree_info"][0].update(num_leaves=2_000_000_000),
        "declares 2000000000 leaves but holds",
    ),
    "infos_list": (lambda m: m.update(feature_infos=[1, 2]), "feature_infos is not an object"),
    "pandas_number": (lambda m: m.update(pandas_categorical=7), "pandas_categorical"),
    "pandas_numbers": (lambda m: m.update(pandas_categorical=[1, 2]), "pandas_categorical"),
}


@pytest.mark.parametrize("name", sorted(LGBM_CASES))
def test_crafted_lightgbm_dump_is_refused(tmp_path, name) -> None:
    edit, says = LGBM_CASES[name]
    path = _lgbm(tmp_path, name, edit)
    with pytest.raises(ModelLoadError) as caught:
        load_model(path)
    message = str(caught.value)
    assert message.startswith(f"{name}.json") or f"{name}.json" in message.split(":")[0]
    assert says in message


def test_lightgbm_dump_with_a_huge_category_number(tmp_path) -> None:
    def edit(model: dict[str, Any]) -> None:
        stack = [model["tree_info"][0]["tree_structure"]]
        while stack:
            node = stack.pop()
            if "split_index" in node:
                node.update(decision_type="==", threshold="16777215")
                stack.extend((node["left_child"], node["right_child"]))
        model["tree_info"] = model["tree_info"] * 200  # 200 trees x 3 splits x 2 MB of bitsets

    path = _lgbm(tmp_path, "huge_category", edit)
    with pytest.raises(ModelLoadError, match=r"huge category numbers"):
        load_model(path)


def test_good_lightgbm_dump_still_loads(tmp_path) -> None:
    path = _lgbm(tmp_path, "good", lambda m: None)
    assert load_model(path).info.framework == "LightGBM"


def test_json_model_larger_than_free_memory_is_refused_before_parsing(
    tmp_path, monkeypatch
) -> None:
    import app.core.base.memory as memory

    path = H.write_json(tmp_path / "model.json", H.xgb_json())
    monkeypatch.setattr(memory, "available_memory", lambda: 10 * path.stat().st_size)

    def never(*args: object) -> None:
        raise AssertionError("parsed although it does not fit")

    monkeypatch.setattr(model_io, "_json_model", never)
    with pytest.raises(ModelLoadError, match=r"model.json is .* could take about .* free"):
        load_model(path)


def test_json_model_beyond_the_json_limit_is_refused_unread(tmp_path) -> None:
    path = tmp_path / "huge.json"
    with open(path, "wb") as handle:
        handle.write(b'{"learner": ')
        handle.truncate(model_io.MAX_JSON_BYTES + 1)  # sparse: takes no disk space
    with pytest.raises(ModelLoadError, match=r"huge.json is 512 MB of JSON, more than"):
        load_model(path)
