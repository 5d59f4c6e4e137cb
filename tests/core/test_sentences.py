"""Summary sentences say what the SHAP values say: numbers, signs, ranks and units."""

from __future__ import annotations

import re

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from app.core.base.types import Task, Unit
from app.core.data.align import align
from app.core.data.data_io import load_dataset
from app.core.data.model_io import load_model
from app.core.review.glossary import FeatureInfo, Glossary, TargetInfo
from app.core.review.sentences import format_effect, summarize_explained_row, summarize_row

EFFECT = re.compile(r"\(([+-][\d,]+(?:\.\d+)?)(?: ([^)]+))?\)")


@pytest.fixture(scope="module")
def explained(sample_model_path, sample_data_path):
    model = load_model(sample_model_path)
    frame = load_dataset(sample_data_path).iloc[:400].reset_index(drop=True)
    data = align(model, frame)
    rows = np.array([0, 7, 52, 199])
    values, base = model.contributions(data.X[rows])
    average = model.raw_to_prediction(model.predict_raw(data.X)).mean(axis=0)
    return model, data, rows, values, base, average


def effects(text: str) -> list[tuple[float, str | None]]:
    return [(float(n.replace(",", "")), unit or None) for n, unit in EFFECT.findall(text)]


def test_sentence_matches_shap_values_of_real_rows(explained) -> None:
    model, data, rows, values, base, average = explained
    for i, row in enumerate(rows):
        summary = summarize_explained_row(model, data, int(row), values[i], base, average=average)
        shap_row = values[i, :, 0].astype(np.float64)
        # Ranks: the two largest positive values raise, the most negative lowers.
        positive = [j for j in np.argsort(-shap_row) if shap_row[j] > 0][:2]
        negative = [j for j in np.argsort(shap_row) if shap_row[j] < 0][:1]
        assert [d.feature for d in summary.up] == [model.feature_names[j] for j in positive]
        assert [d.feature for d in summary.down] == [model.feature_names[j] for j in negative]
        # Numbers and signs in the text, in the order the drivers are named.
        found = effects(summary.text)
        expected = [shap_row[j] for j in positive + negative]
        assert len(found) == len(expected)
        for (number, _), value in zip(found, expected, strict=True):
            assert np.sign(number) == np.sign(value)
            assert abs(number - value) <= 0.051 * abs(value) + 1e-9
        # The unit is named once, with the first number.
        assert found[0][1] == "log-odds" and all(u is None for _, u in found[1:])
        # The probability is the model's own prediction for the row.
        p = model.raw_to_prediction(model.predict_raw(data.X[[row]]))[0, 0]
        assert f"{p * 100:.0f}%" in summary.text or f"{p * 100:.1f}%" in summary.text
        assert f"{average[0] * 100:.0f}% on average" in summary.text
        # Each driver's value from the data is in the sentence.
        for driver in summary.up + summary.down:
            shown = str(data.frame.loc[int(row), driver.feature])
            assert shown in summary.text


def test_glossary_names_and_value_labels_are_used(explained) -> None:
    model, data = explained[:2]
    married = int(np.flatnonzero(data.frame["marital_status"] == "Married-civ-spouse")[0])
    vals, b = model.contributions(data.X[[married]])
    glossary = Glossary(
        features={
            "marital_status": FeatureInfo(
                "marital_status", display="marital status", values={"Married-civ-spouse": "married"}
            ),
            "age": FeatureInfo(
                "age", display="age", unit="years", phrase="being {value} years old"
            ),
        },
        target=TargetInfo(outcome="earning over 50K", subject="applicant"),
    )
    # Ask for every driver so both glossary entries are in the sentence whatever their rank.
    summary = summarize_explained_row(
        model, data, married, vals[0], b, glossary=glossary, n_up=13, n_down=13
    )
    assert summary.text.startswith("The model gives this applicant a")
    assert "chance of earning over 50K" in summary.text
    assert "marital status 'married'" in summary.text.lower()
    age = data.frame.loc[married, "age"]
    assert f"being {age} years old" in summary.text.lower()
    assert "Married-civ-spouse" not in summary.text and "marital_status" not in summary.text


def test_regression_sentence_names_the_target_unit() -> None:
    shap_row = np.array([12_345.0, -3_000.0, 250.0, -40_000.0])
    glossary = Glossary(target=TargetInfo(unit="USD", subject="district"))
    summary = summarize_row(
        shap_row,
        ["income", "rooms", "age", "ocean"],
        [5.2, 3.0, 41.0, "INLAND"],
        task=Task.REGRESSION,
        unit=Unit.TARGET,
        prediction=212_000.0,
        average=180_000.0,
        glossary=glossary,
    )
    assert summary.text.startswith("The model predicts 212,000 USD for this district")
    assert "against 180,000 on average" in summary.text
    assert [d.feature for d in summary.up] == ["income", "age"]
    assert [d.feature for d in summary.down] == ["ocean"]
    found = effects(summary.text)
    assert [n for n, _ in found] == [12_345.0, 250.0, -40_000.0]
    assert found[0][1] == "USD"


def test_multiclass_sentence_names_class_and_most_likely() -> None:
    shap_row = np.array([0.8, -0.2, 0.1])
    probs = np.array([0.2, 0.7, 0.1])
    summary = summarize_row(
        shap_row,
        ["alcohol", "acidity", "sugar"],
        [12.5, 0.3, 2.0],
        task=Task.MULTICLASS,
        unit=Unit.LOG_ODDS,
        prediction=probs,
        average=np.array([0.3, 0.4, 0.3]),
        output=0,
        output_names=["5", "6", "7"],
    )
    assert "a 20% chance of class '5' (most likely: class '6', 70%)" in summary.text
    assert "against 30% on average" in summary.text
    assert "For class '5', alcohol of 12.5 (+0.80 log-odds)" in summary.text
    assert summary.text.endswith("acidity of 0.3 (-0.20) lowers it most.")


def test_edge_cases_nothing_moves_or_nothing_lowers() -> None:
    zero = summarize_row(
        np.zeros(3),
        ["a", "b", "c"],
        [1, 2, 3],
        task=Task.BINARY,
        unit=Unit.LOG_ODDS,
        prediction=0.5,
    )
    assert "No feature moves it" in zero.text and "(" not in zero.text
    up_only = summarize_row(
        np.array([0.3, 0.0, 0.1]),
        ["a", "b", "c"],
        [1, 2, float("nan")],
        task=Task.BINARY,
        unit=Unit.LOG_ODDS,
        prediction=0.8,
    )
    assert "nothing lowers it" in up_only.text
    assert "c missing (+0.10)" in up_only.text
    assert "an 80% chance" in up_only.text


@given(st.floats(min_value=-1e7, max_value=1e7, allow_nan=False).filter(lambda v: abs(v) > 1e-9))
def test_format_effect_is_close_and_signed(value: float) -> None:
    text = format_effect(value)
    number = float(text.replace(",", ""))
    assert text[0] == ("+" if value > 0 else "-")
    assert abs(number - value) <= 0.051 * abs(value)
    assert "e" not in text


def test_identifiers_keep_their_case_and_class_names_are_not_doubled() -> None:
    summary = summarize_row(
        np.array([206_664.0, -316.0]),
        ["median_income", "households"],
        [8.3252, 177],
        task=Task.REGRESSION,
        unit=Unit.TARGET,
        prediction=432_200.7,
        average=155_700.2,
    )
    assert "predicts 432,201 for this row, against 155,700 on average" in summary.text
    assert "median_income of 8.325 (+206,664 units of the prediction)" in summary.text
    multi = summarize_row(
        np.array([0.5]), ["alcohol"], [9.8], task=Task.MULTICLASS, unit=Unit.LOG_ODDS,
        prediction=np.array([0.3, 0.7]), output=1, output_names=["class 0", "class 1"],
    )  # fmt: skip
    assert "chance of class 1 (its most likely class)" in multi.text
    assert "For class 1, alcohol" in multi.text
