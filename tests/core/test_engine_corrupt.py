"""Damaged LightGBM models are refused with ModelLoadError before LightGBM reads them."""

from __future__ import annotations

import json
import re
from pathlib import Path

import lightgbm as lgb
import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app.core.base.errors import ModelLoadError
from app.core.explain.engine import TreeShapEngine, parse_json, parse_text
from app.core.explain.engine.lgbm_text_checks import REQUIRED_HEADER_KEYS
from app.core.explain.models.lightgbm_model import LightGBMModel
from tests.core.test_engine_support import model


def _text() -> str:
    return model("onehot")[0].model_to_string()


def _loads_or_refuses(text: str) -> None:
    """Either our validator refuses the text, or both we and LightGBM load it and agree."""
    try:
        forest = parse_text(text)
    except ModelLoadError as error:
        assert str(error)
        return
    # Only text that passed validation is handed to LightGBM (damage can crash it).
    booster = lgb.Booster(model_str=text)
    _, X = model("onehot")
    ours = TreeShapEngine(forest).predict_raw(X[:50])[:, 0]
    np.testing.assert_allclose(ours, booster.predict(X[:50], raw_score=True), rtol=1e-12)


def test_truncation_at_many_offsets_is_refused_or_harmless() -> None:
    text = _text()
    end = text.find("end of trees")
    offsets = sorted({*np.linspace(0, len(text) - 1, 120).astype(int), *range(end - 40, end + 15)})
    refused = 0
    for offset in offsets:
        try:
            parse_text(text[:offset])
        except ModelLoadError:
            refused += 1
            continue
        _loads_or_refuses(text[:offset])
    # Everything cut before the end of the trees must be refused.
    assert refused >= sum(1 for o in offsets if o < end + len("end of trees"))


def test_truncated_file_through_the_adapter(tmp_path: Path) -> None:
    text = _text()
    path = tmp_path / "model.txt"
    for offset in (50, len(text) // 3, len(text) // 2, text.find("end of trees") - 3):
        path.write_text(text[:offset])
        with pytest.raises(ModelLoadError):
            LightGBMModel(path, text[:offset])


def _edit_tree_line(text: str, tree: int, key: str, edit) -> str:
    start = text.find(f"Tree={tree}\n")
    line_start = text.find(f"\n{key}=", start) + 1
    line_end = text.find("\n", line_start)
    values = text[line_start + len(key) + 1 : line_end].split(" ")
    return text[:line_start] + f"{key}=" + " ".join(edit(values)) + text[line_end:]


def _without_sizes(text: str) -> str:
    # Drop tree_sizes so the edit is caught by the structure checks, not the size check.
    return re.sub(r"tree_sizes=[^\n]*\n", "", text)


def _set(index: int, value: str):
    def edit(values: list[str]) -> list[str]:
        values[index] = value
        return values

    return edit


@pytest.mark.parametrize(
    ("key", "edit", "message"),
    [
        ("left_child", _set(1, "0"), "tree"),  # points back at the root: a cycle
        ("left_child", _set(0, "999"), "child index"),
        ("right_child", _set(0, "-999"), "leaf index"),
        ("left_child", lambda v: v[:-1], "left_child has"),
        ("split_feature", _set(0, "77"), "feature"),
        ("split_feature", _set(0, "x"), "not a number"),
        ("leaf_value", _set(0, "nan"), "finite"),
        ("decision_type", _set(0, "12"), "missing-value"),
        ("decision_type", _set(0, "99"), "decision_type"),
        ("num_leaves", lambda v: ["3"], "entries|values|leaves"),
        ("leaf_count", _set(0, "-4"), "negative"),
    ],
)
def test_structural_damage_is_refused(key: str, edit, message: str) -> None:
    damaged = _edit_tree_line(_without_sizes(_text()), 2, key, edit)
    with pytest.raises(ModelLoadError, match=message):
        parse_text(damaged)


def test_two_parents_for_one_node_is_refused() -> None:
    text = _without_sizes(_text())
    start = text.find("Tree=1\n")
    left = text[text.find("left_child=", start) :].split("\n")[0].split("=")[1].split()
    internal = [int(v) for v in left if int(v) > 0]
    if not internal:
        pytest.skip("tree 1 has no internal left child")
    damaged = _edit_tree_line(text, 1, "right_child", _set(0, str(internal[0])))
    with pytest.raises(ModelLoadError, match=r"not a tree|cycle|reached"):
        parse_text(damaged)


def test_categorical_index_out_of_range_is_refused() -> None:
    text = _without_sizes(_text())
    start = next(
        m.start()
        for m in re.finditer(r"Tree=\d+\n", text)
        if "num_cat=0" not in text[m.start() : m.start() + 40]
    )
    tree = int(text[start + 5 : text.find("\n", start)])
    types = text[text.find("decision_type=", start) :].split("\n")[0].split("=")[1].split()
    j = next(i for i, t in enumerate(types) if int(t) & 1)
    damaged = _edit_tree_line(text, tree, "threshold", _set(j, "40"))
    with pytest.raises(ModelLoadError, match="categorical"):
        parse_text(damaged)


def test_wrong_tree_sizes_are_refused() -> None:
    text = _text()
    damaged = re.sub(r"tree_sizes=(\d+)", lambda m: f"tree_sizes={int(m.group(1)) + 7}", text)
    with pytest.raises(ModelLoadError, match="tree_sizes"):
        parse_text(damaged)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(position=st.floats(0, 1), char=st.sampled_from(list("0123456789-. =\nx")))
def test_random_character_edits_never_crash(position: float, char: str) -> None:
    text = _text()
    at = int(position * (text.find("end of trees") - 1))
    _loads_or_refuses(text[:at] + char + text[at + 1 :])


def test_damaged_json_dumps_are_refused() -> None:
    dump = model("onehot")[0].dump_model()
    assert parse_json(dump).n_trees == len(dump["tree_info"])
    cases = []
    broken = json.loads(json.dumps(dump))
    broken["tree_info"][0]["tree_structure"]["left_child"] = {"leaf_value": 1.0, "leaf_index": 99}
    cases.append(broken)
    broken = json.loads(json.dumps(dump))
    broken["tree_info"][1]["num_leaves"] = 2
    cases.append(broken)
    broken = json.loads(json.dumps(dump))
    del broken["tree_info"][0]["tree_structure"]["split_feature"]
    cases.append(broken)
    broken = json.loads(json.dumps(dump))
    broken["tree_info"][0]["tree_structure"]["split_feature"] = 42
    cases.append(broken)
    cases.append({"tree_info": []})
    for case in cases:
        with pytest.raises(ModelLoadError):
            parse_json(case)
    with pytest.raises(ModelLoadError):
        parse_json(json.dumps(dump)[:5000])


def test_json_model_file_loads_through_the_adapter(tmp_path: Path) -> None:
    booster, X = model("adult")
    path = tmp_path / "adult.json"
    path.write_text(json.dumps(booster.dump_model()))
    adapter = LightGBMModel.from_json(path, path.read_text())
    assert adapter.booster is None  # no LightGBM needed
    values, base = adapter.contributions(X[:30])
    raw = adapter.predict_raw(X[:30])
    np.testing.assert_allclose(values.sum(axis=1, dtype=np.float64) + base, raw, atol=1e-4)
    np.testing.assert_allclose(raw[:, 0], booster.predict(X[:30], raw_score=True), rtol=1e-12)
    assert adapter.features[1].is_categorical
    assert "numba" in adapter.info.explainer


def test_a_header_line_lightgbm_requires_is_refused_when_damaged() -> None:
    """Found by the fuzz test above: 'label_index=0' edited to 'label_index00' (and later
    'feature_infos=' to 'feature_infos0') passed our checks while LightGBM refuses the file."""
    text = _text()
    for key in REQUIRED_HEADER_KEYS:
        damaged, edits = re.subn(rf"\n{key}=", rf"\n{key}0", text, count=1)
        assert edits == 1
        with pytest.raises(ModelLoadError, match=key):
            parse_text(damaged)


def test_a_monotone_constraints_line_of_the_wrong_length_is_refused() -> None:
    text = _text()
    n = int(re.search(r"\nmax_feature_idx=(\d+)", text).group(1)) + 1
    at = text.find("\nfeature_infos=")
    for count in (n - 1, n + 1):
        damaged = text[:at] + "\nmonotone_constraints=" + " ".join(["0"] * count) + text[at:]
        with pytest.raises(ModelLoadError, match="monotone_constraints"):
            parse_text(damaged)
    fine = text[:at] + "\nmonotone_constraints=" + " ".join(["0"] * n) + text[at:]
    _loads_or_refuses(fine)
    assert parse_text(fine).n_features == n


OBJECTIVES = [
    ("regression", {}),
    ("regression_l1", {}),
    ("quantile", {}),
    ("huber", {}),
    ("fair", {}),
    ("poisson", {}),
    ("mape", {}),
    ("gamma", {}),
    ("tweedie", {}),
    ("cross_entropy", {}),
    ("cross_entropy_lambda", {}),
    ("binary", {}),
    ("multiclass", {"num_class": 3}),
    ("multiclassova", {"num_class": 3}),
]


@pytest.mark.parametrize(("objective", "extra"), OBJECTIVES)
def test_every_objective_lightgbm_saves_passes_the_header_checks(objective, extra) -> None:
    rng = np.random.default_rng(3)
    X = rng.normal(size=(300, 4))
    classes = extra.get("num_class", 2)
    y = (X[:, 0] > 0).astype(float) + (classes > 2) * (X[:, 1] > 0.5)
    if objective in ("poisson", "gamma", "tweedie", "mape"):
        y = np.exp(X[:, 0]) + 0.1
    params = {"objective": objective, "verbose": -1, "num_leaves": 4, **extra}
    booster = lgb.train(params, lgb.Dataset(X, y), num_boost_round=2)
    text = booster.model_to_string()
    assert text.split("\nobjective=")[1].split()[0] == objective
    forest = parse_text(text)
    assert forest.n_trees == booster.num_trees()
    ours = TreeShapEngine(forest).predict_raw(X[:50])
    theirs = booster.predict(X[:50], raw_score=True).reshape(50, -1)
    np.testing.assert_allclose(ours, theirs, rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        (("objective=regression", "objective=regressio5"), "not one LightGBM knows"),
        (("objective=regression", "objective="), "empty objective"),
        (("objective=regression", "objective"), "empty objective"),
        (("objective=regression", "objective=binary"), "positive sigmoid"),
        (("objective=regression", "objective=binary sigmoid:-1"), "positive sigmoid"),
        (("objective=regression", "objective=multiclass num_class:x"), "positive num_class"),
        (("max_feature_idx=", "max_feature_idx ="), "malformed line"),
        (("num_class=1", "num_class=1=1"), "more than one '='"),
        (("is_linear=0", "is_linear=."), "is_linear"),
        (("is_linear=0", "is_linear=1"), "is_linear"),
    ],
)
def test_header_and_flag_damage_lightgbm_refuses_or_crashes_on_is_refused(edit, message) -> None:
    """Found by sweeping every one-character edit of the header: an empty objective crashes
    LightGBM (segfault); the other edits make it refuse the file, so we refuse them first."""
    old, new = edit
    text = _text()
    assert old in text
    with pytest.raises(ModelLoadError, match=message):
        parse_text(text.replace(old, new, 1))


@pytest.mark.slow
def test_every_header_character_edit_is_refused_or_loads_the_same() -> None:
    """The sweep behind the README's claim (8,128 files, several minutes: --runslow). A file
    our checks pass and LightGBM crashes on kills the test process: that is the finding."""
    text = _text()
    header_end = text.find("\nTree=")
    for at in range(header_end):
        for char in "0123456789-. =\nx":
            _loads_or_refuses(text[:at] + char + text[at + 1 :])
