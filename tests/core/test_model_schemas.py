"""The model-header schemas (app.core.explain.models.model_schemas): each bound, wrong types,
over-long lists and non-text names are refused with one sentence naming the field, and real
headers pass."""

from __future__ import annotations

import copy
import json
from typing import Any

import pytest

from app.core.base.errors import ModelLoadError
from app.core.data.data_io import MAX_COLUMNS
from app.core.explain.engine import parse_json
from app.core.explain.models import model_schemas as S
from app.core.explain.models.xgboost_checks import check_feature_names, validate_json
from tests.core import hostile_models as H


def _refused(value: Any, schema: type, says: str) -> str:
    with pytest.raises(S.ModelSchemaError) as caught:
        S.check(value, schema)
    message = str(caught.value)
    assert says in message, message
    assert "\n" not in message and "$" not in message and "`" not in message, message
    return message


def test_the_column_limit_is_data_io_s() -> None:
    assert S.MAX_COLUMNS == MAX_COLUMNS


def test_xgboost_numbers_written_as_strings_are_decoded_then_bounded() -> None:
    params = S.check(
        S.decode_numbers({"num_feature": "6", "base_score": "5E-1"}), S.XgbLearnerParams
    )
    assert params.num_feature == 6 and params.num_class == 0 and params.num_target == 1
    assert params.base_score == "5E-1"  # not a whole number: left for base_score() to read
    assert S.decode_numbers({"a": "1_000", "b": " 7 ", "c": 3}) == {"a": "1_000", "b": 7, "c": 3}


@pytest.mark.parametrize(
    ("field", "low", "high"),
    [
        ("num_feature", 1, MAX_COLUMNS),
        ("num_class", 0, S.MAX_CLASSES),
        ("num_target", 1, S.MAX_CLASSES),
    ],
)
def test_learner_param_bounds(field: str, low: int, high: int) -> None:
    base = {"num_feature": 3}
    for value in (low, high):
        assert getattr(S.check({**base, field: value}, S.XgbLearnerParams), field) == value
    for value in (low - 1, high + 1):
        message = _refused({**base, field: value}, S.XgbLearnerParams, field)
        assert f"outside {low:,}..{high:,}" in message and f"{value:,}" in message


def test_wrong_types_are_named() -> None:
    _refused(
        {"num_feature": "six"}, S.XgbLearnerParams, "num_feature is not a whole number ('six')"
    )
    _refused({"num_feature": 2.5}, S.XgbLearnerParams, "num_feature is not a whole number")
    _refused({}, S.XgbLearnerParams, "learner_model_param lacks num_feature")
    _refused([], S.XgbLearnerParams, "learner_model_param is not an object")


def _tree() -> dict[str, Any]:
    return copy.deepcopy(H.xgb_trees(H.xgb_json())[0])


def test_a_real_tree_passes_and_tree_params_are_bounded() -> None:
    tree = _tree()
    tree["tree_param"] = S.decode_numbers(tree["tree_param"])
    assert S.check(tree, S.XgbTree).tree_param.num_nodes == len(tree["left_children"])
    for key, bad, says in [
        ("size_leaf_vector", 2, "outside 0..1"),
        ("num_deleted", 1, "outside 0..0"),
        ("num_nodes", 0, "outside 1.."),
        ("num_nodes", S.MAX_NODES + 1, f"outside 1..{S.MAX_NODES:,}"),
    ]:
        broken = {**tree, "tree_param": {**tree["tree_param"], key: bad}}
        _refused(broken, S.XgbTree, f"tree_param.{key} is {bad:,}, {says}")


def test_node_arrays_are_typed_and_bounded() -> None:
    tree = _tree()
    tree["tree_param"] = S.decode_numbers(tree["tree_param"])
    cases = [
        ("left_children", -2, "left_children[1] is -2, outside -1.."),
        ("parents", 2**31, "parents[1] is 2,147,483,648"),
        ("split_indices", -1, "split_indices[1] is -1, outside 0.."),
        ("split_type", 2, "split_type[1] is 2, outside 0..1"),
        ("default_left", 3, "default_left[1] is 3, outside 0..1"),
        ("default_left", "1", "default_left[1] is not true or false or a whole number"),
        ("split_conditions", "0.5", "split_conditions[1] is not a number ('0.5')"),
        ("base_weights", None, "base_weights[1] is not a number"),
    ]
    for key, bad, says in cases:
        broken = copy.deepcopy(tree)
        broken[key][1] = bad
        _refused(broken, S.XgbTree, says)
    _refused({**tree, "sum_hessian": "1 2 3"}, S.XgbTree, "sum_hessian is not a list")
    _refused({k: v for k, v in tree.items() if k != "parents"}, S.XgbTree, "lacks parents")


def test_feature_names_and_types() -> None:
    check_feature_names(["a", "b"], ["q", "c"], 2)
    with pytest.raises(S.ModelSchemaError, match=r"feature_names\[1\] is not text \(7\)"):
        check_feature_names(["a", 7], None, 2)
    with pytest.raises(S.ModelSchemaError, match=r"feature_names\[0\] 'x\[1\]' is not text or"):
        check_feature_names(["x[1]", "b"], None, 2)
    with pytest.raises(S.ModelSchemaError, match=r"feature_types\[1\] is 'zz', not one of"):
        check_feature_names(None, ["q", "zz"], 2)
    with pytest.raises(S.ModelSchemaError, match=r"feature_names\[0\] holds 10,001 items"):
        check_feature_names(["n" * 10_001, "b"], None, 2)
    with pytest.raises(ValueError, match="feature_names repeats a name"):  # code, not schema
        check_feature_names(["a", "a"], None, 2)


def test_too_long_lists_are_refused_before_anything_walks_them() -> None:
    names = ["f"] * (MAX_COLUMNS + 1)
    _refused({"feature_names": names}, S.XgbFeatures, f"holds {MAX_COLUMNS + 1:,} items, more than")
    _refused(
        {"gbtree_model_param": {"num_trees": 0}, "trees": [], "tree_info": [0] * (S.MAX_TREES + 1)},
        S.XgbTreesModel,
        "tree_info holds",
    )


def test_whole_xgboost_model_errors_name_the_tree() -> None:
    model = H.xgb_json()
    assert validate_json(model) == len(H.xgb_trees(model))
    broken = copy.deepcopy(model)
    H.xgb_trees(broken)[2]["tree_param"]["num_deleted"] = "3"
    with pytest.raises(
        S.ModelSchemaError, match=r"^tree 2 tree_param\.num_deleted is 3, outside 0\.\.0$"
    ):
        validate_json(broken)
    broken = copy.deepcopy(model)
    broken["learner"]["gradient_booster"]["model"]["gbtree_model_param"]["num_trees"] = "-1"
    with pytest.raises(S.ModelSchemaError, match=r"gbtree_model_param\.num_trees is -1"):
        validate_json(broken)


def _dump() -> dict[str, Any]:
    return json.loads(H.lgbm_dump())


@pytest.mark.parametrize(
    ("edit", "says"),
    [
        (lambda d: d.update(max_feature_idx=-1), "max_feature_idx is -1, outside 0..99,999"),
        (lambda d: d.update(max_feature_idx=MAX_COLUMNS), "max_feature_idx is 100,000"),
        (lambda d: d.update(num_class=0), "num_class is 0, outside 1..100,000"),
        (lambda d: d.update(num_tree_per_iteration=100_001), "num_tree_per_iteration is 100,001"),
        (lambda d: d["tree_info"][0].update(num_leaves=0), "tree_info[0].num_leaves is 0"),
        (lambda d: d["tree_info"][1].update(num_leaves=2**31), "tree_info[1].num_leaves is 2,147,"),
        (lambda d: d["tree_info"][0].update(num_cat=-1), "tree_info[0].num_cat is -1"),
        (lambda d: d["tree_info"][0].update(shrinkage=float("nan")), "shrinkage is nan"),
        (lambda d: d["tree_info"][0].update(shrinkage="1"), "shrinkage is not a number ('1')"),
        (lambda d: d["tree_info"][0].pop("num_leaves"), "tree_info[0] lacks num_leaves"),
        (lambda d: d["feature_names"].__setitem__(0, 12), "feature_names[0] is not text (12)"),
        (lambda d: d["feature_names"].__setitem__(0, "n" * 10_001), "feature_names[0] holds"),
        (lambda d: d.update(objective=["binary"]), "objective is not text"),
        (lambda d: d.update(feature_infos="none"), "feature_infos is not an object"),
        (lambda d: d.update(pandas_categorical={"a": 1}), "pandas_categorical is not a list"),
        (lambda d: d.update(pandas_categorical=[["a"], 3]), "pandas_categorical[1] is not a list"),
        (lambda d: d.update(tree_info={}), "tree_info is not a list"),
        (lambda d: d.pop("feature_names"), "lacks feature_names"),
    ],
)
def test_lightgbm_dump_header_fields(edit, says: str) -> None:
    dump = _dump()
    edit(dump)
    with pytest.raises(ModelLoadError) as caught:
        parse_json(dump, "m.json")
    message = str(caught.value)
    assert message.startswith("m.json is damaged: ") and says in message, message
    assert "\n" not in message and "`" not in message


def test_lightgbm_dump_cross_field_checks_stay_code() -> None:
    dump = _dump()
    assert parse_json(dump).n_features == dump["max_feature_idx"] + 1
    dump["feature_names"] = dump["feature_names"][:-1]  # each field fits, together they do not
    with pytest.raises(ModelLoadError, match=r"feature_names lists .* but max_feature_idx says"):
        parse_json(dump, "m.json")


def test_lightgbm_text_header_schema() -> None:
    import msgspec

    from app.core.explain.engine.lgbm_text_checks import REQUIRED_HEADER_KEYS

    fields = msgspec.structs.fields(S.LgbTextHeader)
    assert {f.name for f in fields if f.required} == set(REQUIRED_HEADER_KEYS)
    header = {
        "max_feature_idx": "1",
        "num_class": "1",
        "num_tree_per_iteration": "1",
        "label_index": "0",
        "feature_names": "5 b",  # a feature named '5' stays text
        "feature_infos": "[0:1] [0:1]",
    }
    typed = S.check(S.decode_numbers(header, S.LGB_TEXT_NUMBERS), S.LgbTextHeader)
    assert typed.max_feature_idx == 1 and typed.feature_names == "5 b"
    for key, bad, says in [
        ("num_class", "0", "num_class is 0, outside 1..100,000"),
        ("num_tree_per_iteration", "100001", "num_tree_per_iteration is 100,001"),
        ("label_index", "-1", "label_index is -1, outside 0.."),
        ("max_feature_idx", "1e3", "max_feature_idx is not a whole number ('1e3')"),
    ]:
        decoded = S.decode_numbers({**header, key: bad}, S.LGB_TEXT_NUMBERS)
        _refused(decoded, S.LgbTextHeader, says)
