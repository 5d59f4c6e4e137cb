"""Counterfactuals on real models: LightGBM (the Adult sample), XGBoost with categorical
splits, scikit-learn forests on bundled datasets; every answer is checked with the model."""

from __future__ import annotations

import json

import numpy as np
import pytest

from app.core.debugging.counterfactuals import (
    CounterfactualError,
    CounterfactualOptions,
    ensemble_of,
    find_counterfactuals,
    suggest_locked,
)
from app.core.debugging.counterfactuals.domains import feature_stats
from app.core.debugging.counterfactuals.report import result_dict, result_json
from app.core.debugging.counterfactuals.search import build_domains
from tests.core import _adult, _cf_models
from tests.core._cf_checks import assert_valid, predicted, single_change_exists

ADULT_LOCKED = ["age", "marital_status", "race", "sex", "native_country"]


def test_suggested_locks_are_the_sensitive_names() -> None:
    model, _ = _adult.model_and_data()
    assert suggest_locked(model.feature_names) == ADULT_LOCKED


@pytest.mark.parametrize("row", [0, 1, 3, 4, 7])
def test_lightgbm_adult_answers_flip_and_respect_locks(row: int) -> None:
    model, data = _adult.model_and_data()
    options = CounterfactualOptions(locked=ADULT_LOCKED, seconds=2.0)
    result = find_counterfactuals(model, data.X, row, options)
    assert result.answers, result.message()
    assert_valid(model, data, result, ADULT_LOCKED)
    assert len(result.answers) <= 5
    if single_change_exists(model, data, row, ADULT_LOCKED):
        assert len(result.answers[0].changes) == 1
    # best first: fewer changes, then smaller distance
    keys = [(len(a.changes), a.distance) for a in result.answers if a.minimal]
    assert keys == sorted(keys)


def test_answers_are_diverse() -> None:
    """No later answer changes every feature of an earlier one (that would be the same idea
    with extra edits)."""
    model, data = _adult.model_and_data()
    result = find_counterfactuals(model, data.X, 3, CounterfactualOptions(locked=ADULT_LOCKED))
    sets = [set(a.changed()) for a in result.answers]
    for i, earlier in enumerate(sets):
        for later in sets[i + 1 :]:
            assert not earlier <= later


def test_xgboost_with_categorical_splits() -> None:
    model, data = _cf_models.xgboost_adult()
    assert any(f.is_categorical for f in model.features)
    found = 0
    for row in range(6):
        result = find_counterfactuals(
            model, data.X, row, CounterfactualOptions(locked=ADULT_LOCKED)
        )
        assert_valid(model, data, result, ADULT_LOCKED)
        found += bool(result.answers)
        if single_change_exists(model, data, row, ADULT_LOCKED):
            assert len(result.answers[0].changes) == 1
    assert found >= 4
    categorical = {
        c.feature
        for row in range(6)
        for a in find_counterfactuals(
            model, data.X, row, CounterfactualOptions(seconds=1.0, answers=3)
        ).answers
        for c in a.changes
    }
    assert categorical & {"workclass", "occupation", "relationship", "education"}


@pytest.mark.parametrize("dataset", ["breast_cancer", "wine"])
def test_sklearn_forest_classifiers(dataset: str) -> None:
    model, data = _cf_models.sklearn_forest(dataset)
    for row in (0, 60, 130):
        options = CounterfactualOptions(seconds=3.0, answers=2)
        result = find_counterfactuals(model, data.X, row, options)
        assert result.answers, result.message()
        assert_valid(model, data, result, [])
        if single_change_exists(model, data, row, []):
            assert len(result.answers[0].changes) == 1


def test_multiclass_target_class() -> None:
    model, data = _cf_models.sklearn_forest("wine")
    row = 0
    before = predicted(model, data.X[row])
    target = (before + 1) % 3
    options = CounterfactualOptions(target_class=target, seconds=3.0)
    result = find_counterfactuals(model, data.X, row, options)
    assert result.answers
    for answer in result.answers:
        assert predicted(model, answer.x) == target


def test_regression_moves_past_the_target() -> None:
    model, data = _cf_models.sklearn_forest("diabetes")
    row = 0
    value = predicted(model, data.X[row])
    target = value + 40.0
    result = find_counterfactuals(
        model, data.X, row, CounterfactualOptions(target=target, seconds=3.0)
    )
    assert result.answers, result.message()
    for answer in result.answers:
        assert predicted(model, answer.x) >= target
    with pytest.raises(CounterfactualError, match="target"):
        find_counterfactuals(model, data.X, row, CounterfactualOptions())


def test_max_changes_ranges_and_directions() -> None:
    model, data = _adult.model_and_data()
    x0 = data.X[3]
    hours = model.feature_names.index("hours_per_week")
    options = CounterfactualOptions(
        locked=ADULT_LOCKED,
        max_changes=1,
        ranges={"hours_per_week": (30.0, 45.0)},
        directions={"capital_gain": -1},
    )
    result = find_counterfactuals(model, data.X, 3, options)
    gain = model.feature_names.index("capital_gain")
    for answer in result.answers:
        assert len(answer.changes) == 1
        assert 30.0 <= answer.x[hours] <= 45.0 or answer.x[hours] == x0[hours]
        assert answer.x[gain] <= x0[gain]
    assert_valid(model, data, result, ADULT_LOCKED)


def test_everything_locked_is_proven_impossible() -> None:
    model, data = _adult.model_and_data()
    result = find_counterfactuals(
        model, data.X, 0, CounterfactualOptions(locked=model.feature_names)
    )
    assert result.answers == [] and result.exhausted
    assert "impossible" in result.message()


def test_solver_alone_matches_enumeration() -> None:
    """With the 1-2 change enumeration off, CP-SAT never does better than it (it is exact),
    and once it proves its answer minimal, the answer costs the same."""
    model, data = _adult.model_and_data()
    both = find_counterfactuals(model, data.X, 4, CounterfactualOptions(locked=ADULT_LOCKED))
    options = CounterfactualOptions(locked=ADULT_LOCKED, enumerate=0, seconds=30, answers=1)
    solver = find_counterfactuals(model, data.X, 4, options)
    assert_valid(model, data, solver, ADULT_LOCKED)
    best = (len(both.answers[0].changes), round(both.answers[0].distance, 2))
    for answer in solver.answers:
        assert (len(answer.changes), round(answer.distance, 2)) >= best
        if answer.minimal:
            assert (len(answer.changes), round(answer.distance, 2)) == best


def test_rounding_that_flips_an_answer_is_rejected(monkeypatch) -> None:
    """Leaf values scaled to tiny integers make the solver's sums wrong; every answer still
    comes back confirmed by the model (the bad ones are excluded and the search goes on)."""
    from app.core.debugging.counterfactuals import cpsat

    monkeypatch.setattr(cpsat, "LEAF_SCALE", 2.0)
    model, data = _adult.model_and_data()
    options = CounterfactualOptions(locked=ADULT_LOCKED, enumerate=0, seconds=4)
    result = find_counterfactuals(model, data.X, 1, options)
    assert_valid(model, data, result, ADULT_LOCKED)


def test_stop_request_ends_the_search() -> None:
    model, data = _adult.model_and_data()
    options = CounterfactualOptions(locked=ADULT_LOCKED, enumerate=0, seconds=60)
    result = find_counterfactuals(model, data.X, 0, options, should_stop=lambda: True)
    assert result.answers == [] and not result.exhausted
    assert result.seconds < 30


@pytest.mark.parametrize(
    ("options", "message"),
    [
        (CounterfactualOptions(locked=["no_such"]), "no feature named"),
        (CounterfactualOptions(seconds=0), "positive"),
        (CounterfactualOptions(max_changes=0), "At least one"),
        (CounterfactualOptions(answers=9), "between 1 and 5"),
        (CounterfactualOptions(ranges={"age": (50.0, 20.0)}), "low ≤ high"),
    ],
)
def test_bad_options_say_why(options: CounterfactualOptions, message: str) -> None:
    model, data = _adult.model_and_data()
    with pytest.raises(CounterfactualError, match=message):
        find_counterfactuals(model, data.X, 0, options)


def test_bad_row_and_unsupported_model() -> None:
    model, data = _adult.model_and_data()
    with pytest.raises(CounterfactualError, match="not in the dataset"):
        find_counterfactuals(model, data.X, data.n_rows, CounterfactualOptions())

    class Other:
        info = type("Info", (), {"framework": "CatBoost", "objective": "Logloss"})()

    with pytest.raises(CounterfactualError, match="LightGBM, XGBoost or scikit-learn"):
        ensemble_of(Other(), data.X)  # type: ignore[arg-type]


def test_json_report_shape() -> None:
    model, data = _adult.model_and_data()
    result = find_counterfactuals(model, data.X, 3, CounterfactualOptions(locked=ADULT_LOCKED))
    payload = json.loads(result_json(model, result))
    assert payload["row"] == 3 and payload["class"] == 0
    assert payload["prediction"] == pytest.approx(float(result.prediction[0]))
    first = payload["counterfactuals"][0]
    assert set(first) >= {"changes", "prediction", "class", "minimal"}
    feature, change = next(iter(first["changes"].items()))
    assert set(change) == {"from", "to"} and feature in model.feature_names
    assert first["class"] == 1 and first["minimal"] is True
    assert result_dict(model, result)["locked"] == ADULT_LOCKED
    assert np.isfinite(payload["seconds"])


def test_enumeration_stops_at_the_deadline_and_says_so() -> None:
    from app.core.debugging.counterfactuals.goal import goal_for
    from app.core.debugging.counterfactuals.small_changes import BATCH, count_rows, flipping

    model, data = _adult.model_and_data()
    ensemble = ensemble_of(model, data.X)
    stats = feature_stats(data.X, [f.is_categorical for f in model.features])
    x0 = data.X[0]
    domains = build_domains(model, ensemble, x0, stats, CounterfactualOptions())
    goal = goal_for(model, model.predict_raw(x0.reshape(1, -1))[0])
    assert count_rows(domains, 2) > BATCH  # so a deadline can cut it short
    cut = flipping(model, x0, domains, goal, 2, [], deadline=0.0)
    whole = flipping(model, x0, domains, goal, 2, [])
    assert not cut.complete and whole.complete
    assert len(cut.flips) <= len(whole.flips)


def test_a_tiny_budget_still_gives_only_checked_answers() -> None:
    model, data = _adult.model_and_data()
    for row in (0, 2):
        options = CounterfactualOptions(locked=ADULT_LOCKED, seconds=0.05)
        result = find_counterfactuals(model, data.X, row, options)
        assert_valid(model, data, result, ADULT_LOCKED)
