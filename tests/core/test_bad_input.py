"""Every kind of bad file gives a message naming the file, the problem and what to do."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from app.core.base.errors import AlignmentError, DataLoadError, ModelLoadError
from app.core.data.align import align
from app.core.data.data_io import load_dataset
from app.core.data.model_io import load_model
from tests.core import model_fixtures as F


def _truncated(tmp_path, source, name: str, fraction: float = 0.5):
    data = source.read_bytes()
    path = tmp_path / name
    path.write_bytes(data[: int(len(data) * fraction)])
    return path


def test_empty_model_and_data_files(tmp_path) -> None:
    for name in ("m.json", "m.cbm", "m.skops", "m.txt"):
        (tmp_path / name).write_bytes(b"")
        with pytest.raises(ModelLoadError, match=rf"{name} is empty"):
            load_model(tmp_path / name)
    (tmp_path / "d.csv").write_bytes(b"")
    with pytest.raises(DataLoadError, match=r"d.csv is empty"):
        load_dataset(tmp_path / "d.csv")


@pytest.mark.parametrize(
    ("factory", "name"),
    [
        (lambda: F.xgboost_file("binary"), "xgb.json"),
        (lambda: F.sklearn_file("RandomForest", "binary"), "rf.skops"),
        (lambda: F.pipeline_file("RandomForest"), "pipe.skops"),
    ],
)
def test_truncated_models_are_refused_in_process(tmp_path, factory, name) -> None:
    path = _truncated(tmp_path, factory(), name)
    with pytest.raises(ModelLoadError) as caught:
        load_model(path)
    assert name in str(caught.value)


@pytest.mark.parametrize("name", ["cb.cbm", "xgb.ubj"])
def test_truncated_native_binaries_are_probed_in_a_child(tmp_path, name) -> None:
    source = F.catboost_file("binary") if name.endswith("cbm") else F.xgboost_file("binary", "ubj")
    path = _truncated(tmp_path, source, name, 0.6)
    with pytest.raises(ModelLoadError) as caught:
        load_model(path)
    assert name in str(caught.value) and "again" in str(caught.value)


def test_crafted_xgboost_json_with_bad_child_index(tmp_path) -> None:
    import json

    model = json.loads(F.xgboost_file("regression").read_text())
    tree = model["learner"]["gradient_booster"]["model"]["trees"][0]
    tree["left_children"][0] = 10_000_000
    path = tmp_path / "crafted.json"
    path.write_text(json.dumps(model))
    with pytest.raises(ModelLoadError, match=r"crafted.json.*out of range"):
        load_model(path)


def test_crafted_sklearn_tree_is_refused(tmp_path) -> None:
    import copy

    import skops.io as sio

    model = copy.deepcopy(F.sklearn_estimator("DecisionTree", "regression"))
    state = model.tree_.__getstate__()
    nodes = state["nodes"].copy()
    nodes["left_child"][0] = 0  # the root becomes its own child: a cycle
    state["nodes"] = nodes
    model.tree_.__setstate__(state)
    path = tmp_path / "cycle.skops"
    sio.dump(model, path)
    with pytest.raises(ModelLoadError, match=r"cycle.skops.*refused"):
        load_model(path)


def test_unsupported_model_files(tmp_path) -> None:
    (tmp_path / "notes.txt").write_text("hello, this is not a model\n")
    (tmp_path / "array.json").write_text("[1, 2, 3]")
    (tmp_path / "bytes.bin").write_bytes(bytes(range(256)) * 4)
    for name in ("notes.txt", "array.json", "bytes.bin"):
        with pytest.raises(ModelLoadError) as caught:
            load_model(tmp_path / name)
        assert name in str(caught.value)


def test_zero_tree_model(tmp_path) -> None:
    import xgboost as xgb

    booster = xgb.train(
        {"objective": "reg:squarederror"}, xgb.DMatrix(np.zeros((4, 2)), [0, 1, 2, 3]), 0
    )
    path = tmp_path / "empty.json"
    booster.save_model(path)
    with pytest.raises(ModelLoadError, match=r"empty.json contains no trees"):
        load_model(path)


def test_text_renamed_to_parquet(tmp_path) -> None:
    path = tmp_path / "data.parquet"
    path.write_text("a,b\n1,2\n")
    with pytest.raises(
        DataLoadError, match=r"data.parquet is not a Parquet file.*rename it to .csv"
    ):
        load_dataset(path)


def test_csv_problems(tmp_path) -> None:
    cases = {
        "ragged.csv": "a,b,c\n1,2,3\n4,5,6,7\n",
        "dupes.csv": "a,b,a\n1,2,3\n",
        "header.csv": "a,b,c\n",
    }
    expected = {
        "ragged.csv": "different number of fields",
        "dupes.csv": "duplicated column names: a",
        "header.csv": "column names but no rows",
    }
    for name, text in cases.items():
        (tmp_path / name).write_text(text)
        with pytest.raises(DataLoadError) as caught:
            load_dataset(tmp_path / name)
        assert name in str(caught.value) and expected[name] in str(caught.value)


def test_million_columns_refused_quickly(tmp_path) -> None:
    path = tmp_path / "wide.csv"
    path.write_text(",".join(f"c{i}" for i in range(1_000_000)) + "\n" + "1," * 999_999 + "1\n")
    with pytest.raises(DataLoadError, match=r"wide\.csv has [0-9,]+ or more columns"):
        load_dataset(path)


def test_huge_sparse_file_is_refused_before_reading(tmp_path) -> None:
    path = tmp_path / "huge.csv"
    with open(path, "wb") as handle:
        handle.write(b"a,b\n1,2\n")
        handle.truncate(10 * 1024**3)  # sparse: takes no disk space
    with pytest.raises(DataLoadError, match=r"huge.csv is 10.0 GB.*memory"):
        load_dataset(path)


def test_dataset_missing_features_and_text_in_numbers() -> None:
    model = load_model(F.sklearn_file("DecisionTree", "regression"))
    X, _ = F.numeric_data("regression")
    with pytest.raises(AlignmentError, match=r"missing model features: age"):
        align(model, X.drop(columns=["age"]))
    bad = X.astype({"bmi": object}).copy()
    bad.loc[3, "bmi"] = "north"
    with pytest.raises(AlignmentError, match=r"bmi.*'north'"):
        align(model, bad)


def test_model_that_cannot_take_nan_says_so() -> None:
    model = load_model(F.sklearn_file("GradientBoosting", "binary"))
    X, _ = F.numeric_data("binary")
    X = X.iloc[:30].copy()
    X.loc[2, "age"] = np.nan
    with pytest.raises(AlignmentError, match=r"cannot take missing values"):
        align(model, pd.DataFrame(X))
