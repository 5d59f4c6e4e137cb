"""Glossary files: read YAML and CSV, fail clearly, generate from data, round-trip."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pandas as pd
import pytest

from app.core.base.errors import ShapLensError
from app.core.review.glossary import (
    FeatureInfo,
    Glossary,
    GlossaryError,
    glossary_from_data,
    load_glossary,
)

YAML = """
target: {name: income_gt_50k, outcome: earning over 50K, subject: applicant}
features:
  age: {display: Age, unit: years, description: Age at the census.}
  sex:
    display: Sex
    values: {Female: woman, Male: man}
  has_car:
    values: {1: yes, 0: no}
  occupation: Job title
"""


def test_load_yaml_and_apply(tmp_path) -> None:
    path = tmp_path / "g.yaml"
    path.write_text(YAML)
    g = load_glossary(path)
    assert g.display_names(["age", "sex", "unknown"]) == ["Age", "Sex", "unknown"]
    assert g.display_name("occupation") == "Job title"
    assert g.value_label("age", 39) == "39 years"
    assert g.value_label("age", np.float64(39.5)) == "39.5 years"
    assert g.value_label("sex", "Female") == "woman"
    assert g.value_label("sex", "Other") == "Other"
    assert g.value_label("has_car", 1.0) == "yes" and g.value_label("has_car", 0) == "no"
    assert g.value_label("age", float("nan")) == "missing"
    assert g.description("age") == "Age at the census."
    assert g.target.outcome == "earning over 50K" and g.target.subject == "applicant"
    assert g.unknown_features(["age", "sex", "occupation"]) == ["has_car"]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("features: [age, sex]\n", "must map feature names"),
        ("features:\n  age: {dispaly: Age}\n", "unknown key(s) dispaly"),
        ("features:\n  age: {display: Age\n", "line"),
        ("feature:\n  age: {}\n", "unknown top-level key(s) feature"),
        ("features:\n  sex: {values: [a, b]}\n", "must map each value to its label"),
        ("- just a list\n", "a glossary is a mapping"),
        ("target: {colour: red}\n", "`target` has unknown key(s) colour"),
    ],
)
def test_bad_yaml_gives_clear_errors(tmp_path, text: str, message: str) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text(text)
    with pytest.raises(GlossaryError) as info:
        load_glossary(path)
    assert message in str(info.value) and "bad.yaml" in str(info.value)
    assert isinstance(info.value, ShapLensError)


def test_missing_and_wrong_kind_of_file(tmp_path) -> None:
    with pytest.raises(GlossaryError, match="not found"):
        load_glossary(tmp_path / "none.yaml")
    other = tmp_path / "g.json"
    other.write_text("{}")
    with pytest.raises(GlossaryError, match=r"yaml, \.yml or \.csv"):
        load_glossary(other)
    latin = tmp_path / "latin.csv"
    latin.write_bytes("feature,display\nage,\xe2ge\n".encode("latin-1"))
    with pytest.raises(GlossaryError, match="UTF-8"):
        load_glossary(latin)


def test_csv_glossary(tmp_path) -> None:
    path = tmp_path / "g.csv"
    path.write_text(
        "feature,display,unit,description,value,label\n"
        "age,Age,years,,,\n"
        "sex,Sex,,,,\n"
        "sex,,,,Female,woman\n"
    )
    g = load_glossary(path)
    assert g.display_name("age") == "Age" and g.value_label("age", 40) == "40 years"
    assert g.value_label("sex", "Female") == "woman"
    path.write_text("name,display\nage,Age\n")
    with pytest.raises(GlossaryError, match="needs a `feature` column"):
        load_glossary(path)


@pytest.mark.parametrize("suffix", [".yaml", ".csv"])
def test_save_and_load_round_trip(tmp_path, suffix: str) -> None:
    g = Glossary(
        features={
            "age": FeatureInfo("age", "Age", "years", "Age at the census.", phrase="{value} old"),
            "sex": FeatureInfo("sex", "Sex", values={"Female": "woman", "Male": "man"}),
        }
    )
    path = g.save(tmp_path / f"g{suffix}")
    back = load_glossary(path)
    assert back.features == g.features


def test_generated_from_data_lists_values_and_ranges() -> None:
    frame = pd.DataFrame(
        {
            "age": [20, 35, np.nan, 61],
            "marital_status": pd.Series(["Married", "Single", None, "Single"], dtype="str"),
            "income": [0, 1, 0, 1],
        }
    )
    g = glossary_from_data(frame, label="income")
    assert list(g.features) == ["age", "marital_status"]
    assert g.display_name("marital_status") == "marital status"
    assert g.features["marital_status"].values == {"Married": "Married", "Single": "Single"}
    assert "20" in g.description("age") and "61" in g.description("age")
    assert "25.0% missing" in g.description("age")
    assert g.target.name == "income"


def test_cli_glossary_writes_editable_file(tmp_path, sample_data_path) -> None:
    small = tmp_path / "small.csv"
    pd.read_parquet(sample_data_path).iloc[:300].to_csv(small, index=False)
    out = tmp_path / "glossary.yaml"
    args = [sys.executable, "-m", "app", "glossary", "--data", str(small), "--out", str(out)]
    result = subprocess.run(args, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    g = load_glossary(out)
    assert "income_gt_50k" not in g.features and g.target.name == "income_gt_50k"
    assert g.display_name("marital_status") == "marital status"
    assert "Married-civ-spouse" in g.features["marital_status"].values
    again = subprocess.run(args, capture_output=True, text=True, timeout=120)
    assert again.returncode == 2 and "--force" in again.stderr
