"""XGBoost and LightGBM files on the command line (issue 21): headers that lie and NaN models end
in one `error:` line from every verb that opens them; `inspect` describes every XGBoost model.

In this process: the app loads XGBoost JSON in its own child probe first, so a file that crashes
XGBoost's reader fails the probe, not the test run.
"""

from __future__ import annotations

import copy
import json
import math
import pickle
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from tests.cli.test_cli_hostile_cases import assert_one_error, run
from tests.core import hostile_models as H

pytestmark = pytest.mark.timeout(300)


@pytest.fixture(scope="module")
def cancer_data(tmp_path_factory) -> Path:
    X, y, names = H.cancer()
    frame = pd.DataFrame(X, columns=names)
    frame["label"] = y
    path = tmp_path_factory.mktemp("xgb_cli") / "cancer.parquet"
    frame.to_parquet(path)
    return path


def _xgb(edit) -> dict[str, Any]:
    model = copy.deepcopy(H.xgb_json())
    edit(model)
    return model


def _nan_leaf(model: dict[str, Any]) -> None:
    tree = H.xgb_trees(model)[0]
    tree["split_conditions"][tree["left_children"].index(-1)] = math.nan


def _overflowing_leaf(model: dict[str, Any]) -> None:
    tree = H.xgb_trees(model)[0]
    tree["split_conditions"][tree["left_children"].index(-1)] = 1e39


def _learner(key: str, value) -> Any:
    return lambda m: m["learner"].update({key: value(m["learner"][key])})


def _dump(**changes: object) -> dict[str, Any]:
    dump = json.loads(H.lgbm_dump())
    dump.update(changes)
    return dump


# file name -> (model, what the one line must say)
LYING: dict[str, tuple[Any, str]] = {
    "names_short.json": (
        lambda: _xgb(_learner("feature_names", lambda v: v[:2])),
        "feature_names lists 2 names for 6",
    ),
    "types_short.json": (
        lambda: _xgb(_learner("feature_types", lambda v: v[:2])),
        "feature_types lists 2 types for 6",
    ),
    "lt_in_name.json": (
        lambda: _xgb(_learner("feature_names", lambda v: ["a<b", *v[1:]])),
        "'a<b'",
    ),
    "nan_leaf.json": (lambda: _xgb(_nan_leaf), "NaN"),
    "overflowing_leaf.json": (lambda: _xgb(_overflowing_leaf), "beyond float32"),
    "infos_list.json": (lambda: _dump(feature_infos=[1, 2]), "feature_infos is not an object"),
    "pandas_number.json": (lambda: _dump(pandas_categorical=7), "pandas_categorical"),
}


@pytest.mark.parametrize("name", sorted(LYING))
@pytest.mark.parametrize(
    "verb",
    [
        ("report", "--out", "{tmp}/r.html"),
        ("export", "--view", "importance", "--out", "{tmp}/f.png"),
        ("inspect",),
    ],
    ids=lambda verb: verb[0],
)
def test_lying_model_files_end_in_one_error_line(
    qapp, capsys, tmp_path, cancer_data, name, verb
) -> None:
    make, says = LYING[name]
    model = H.write_json(tmp_path / name, make())
    extra = [a.format(tmp=tmp_path) for a in verb[1:]]
    code, _, err = run(capsys, verb[0], "--model", model, "--data", cancer_data, *extra)
    assert_one_error(code, err, name, says)
    assert sorted(p.name for p in tmp_path.iterdir()) == [name]  # nothing written


@pytest.mark.parametrize("side", ["--model", "--model-b"])
def test_compare_with_a_nan_xgboost_model(capsys, tmp_path, cancer_data, side) -> None:
    nan = H.write_json(tmp_path / "nan_leaf.json", _xgb(_nan_leaf))
    good = H.xgb_file("json")
    first, second = (nan, good) if side == "--model" else (good, nan)
    code, _, err = run(capsys, "compare", "--model", first, "--model-b", second,
                       "--data", cancer_data, "--label", "label")  # fmt: skip
    assert_one_error(code, err, "nan_leaf.json", "NaN")


def _sklearn_classifier_pickle(folder: Path) -> Path:
    import xgboost as xgb

    X, y, names = H.cancer()
    model = xgb.XGBClassifier(n_estimators=4, max_depth=3, random_state=0, n_jobs=1)
    model.fit(pd.DataFrame(X, columns=names), y)
    path = folder / "classifier.pkl"
    path.write_bytes(pickle.dumps(model))
    return path


def _multiclass_json(folder: Path) -> Path:
    import numpy as np
    import xgboost as xgb

    X, _, names = H.cancer()
    classes = np.digitize(X[:, 0], np.quantile(X[:, 0], [1 / 3, 2 / 3]))
    params = {"objective": "multi:softprob", "num_class": 3, "max_depth": 3, "seed": 0,
              "nthread": 1}  # fmt: skip
    booster = xgb.train(params, xgb.DMatrix(pd.DataFrame(X, columns=names), classes), 4)
    path = folder / "multiclass.json"
    booster.save_model(path)
    return path


XGBOOST_MODELS = {
    "binary json": lambda folder: H.xgb_file("json"),
    "binary ubj": lambda folder: H.xgb_file("ubj"),
    "regression ubj": lambda folder: H.xgb_file("ubj", "reg:squarederror"),
    "multiclass json": _multiclass_json,
    "trusted pickle": _sklearn_classifier_pickle,
}


@pytest.mark.parametrize("kind", sorted(XGBOOST_MODELS))
def test_inspect_describes_every_xgboost_model(capsys, tmp_path, cancer_data, kind) -> None:
    """With memory measured (it loads the model a second time: a pickle allowed by
    --trust-pickle was refused there) and mean |SHAP| from the data."""
    model = XGBOOST_MODELS[kind](tmp_path)
    code, out, err = run(capsys, "inspect", "--model", model, "--data", cancer_data,
                         "--trust-pickle", "--shap-rows", "50")  # fmt: skip
    assert code == 0 and "Traceback" not in err, err
    facts = dict(line.split(None, 1) for line in out.splitlines()[:12] if " " in line.strip())
    assert facts["Framework"].strip() == "XGBoost", out
    assert "Depth" in out and "max 3" in out, out
    assert "not measured" not in out.split("Memory (loaded)")[1].splitlines()[0], out


def test_trusted_pickle_of_a_nan_booster_is_refused(capsys, tmp_path, cancer_data) -> None:
    """A pickle skips the JSON check: XGBoost's own export of the loaded booster is checked."""
    import xgboost as xgb

    booster = xgb.Booster()
    booster.load_model(bytearray(json.dumps(_xgb(_nan_leaf)).encode()))  # XGBoost accepts it
    model = tmp_path / "nan_booster.pkl"
    model.write_bytes(pickle.dumps(booster))
    code, _, err = run(capsys, "report", "--model", model, "--trust-pickle",
                       "--data", cancer_data, "--out", tmp_path / "r.html")  # fmt: skip
    assert_one_error(code, err, "nan_booster.pkl", "NaN")
    assert not (tmp_path / "r.html").exists()
