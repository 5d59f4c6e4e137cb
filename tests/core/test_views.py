"""Plot-ready data: waterfall arithmetic, importance order, beeswarm rows and labels."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from app.core.base.types import Task, Unit
from app.core.explain import views
from app.core.explain.models.base import FeatureSpec, ModelAdapter, ModelInfo


def test_waterfall_steps_add_up_to_the_output() -> None:
    rng = np.random.default_rng(3)
    shap_row = rng.normal(size=23)
    names = [f"f{i}" for i in range(23)]
    data = views.waterfall(5, shap_row, -1.25, list(range(23)), names, Unit.LOG_ODDS, "p", top=10)
    assert data.output_value == pytest.approx(-1.25 + shap_row.sum())
    running = data.base_value
    for step in data.steps:
        assert step.start == pytest.approx(running)
        running += step.shap
    assert running == pytest.approx(data.output_value)
    # 10 features shown plus one folded bar for the other 13, drawn first (next to the base).
    assert len(data.steps) == 11
    assert data.steps[0].feature is None and data.steps[0].label == "13 other features"
    shown = [abs(s.shap) for s in data.steps[1:]]
    assert shown == sorted(shown)  # the largest effect is drawn last, on top


def test_waterfall_labels_name_the_value() -> None:
    data = views.waterfall(
        0, np.array([0.5, -0.2]), 0.0, ["Private", np.nan], ["workclass", "age"], Unit.TARGET, ""
    )
    labels = {s.feature: s.label for s in data.steps}
    assert labels == {"workclass": "workclass = Private", "age": "age = missing"}


def test_importance_is_sorted_and_title_says_estimate() -> None:
    mean_abs = np.array([[0.1], [0.5], [0.3]])
    data = views.importance(mean_abs, ["a", "b", "c"], Unit.LOG_ODDS, 200, 1000)
    assert data.features == ["b", "c", "a"]
    assert "estimate from 200 of 1,000 rows" in data.title
    full = views.importance(mean_abs, ["a", "b", "c"], Unit.LOG_ODDS, 1000, 1000)
    assert "estimate" not in full.title


def test_beeswarm_keeps_dataset_rows_and_marks_categories() -> None:
    rng = np.random.default_rng(0)
    values = rng.normal(size=(50, 2, 1)).astype(np.float32)
    X = np.column_stack([rng.integers(0, 3, 50), rng.normal(size=50)]).astype(float)
    X[4, 1] = np.nan
    specs = [FeatureSpec("colour", ["red", "green", "blue"]), FeatureSpec("size")]
    rows = np.arange(100, 150)
    data = views.beeswarm(values, X, specs, None, Unit.LOG_ODDS, ["size", "colour"], rows=rows,
                          rows_total=500)  # fmt: skip
    assert [lane.feature for lane in data.lanes] == ["size", "colour"]
    assert data.lanes[1].categories == ["red", "green", "blue"]
    assert np.isnan(data.lanes[0].colour[4])
    assert data.row_of(7) == 107
    assert "estimate from 50 of 500 rows" in data.title
    assert np.all(np.abs(data.lanes[0].offset) <= 0.4 + 1e-6)


def test_display_values_are_labels_not_codes() -> None:
    frame = pd.DataFrame({"job": ["a", "b"], "age": [30.0, np.nan]})
    assert views.display_values(frame, ["job", "age"], 1) == ["b", None]


class _Binary(ModelAdapter):
    def __init__(self, task: Task = Task.BINARY, unit: Unit = Unit.LOG_ODDS) -> None:
        self.features = [FeatureSpec("x")]
        self.info = ModelInfo("fake", task, unit)
        self.output_names = ["output"] if task is not Task.MULTICLASS else ["a", "b", "c"]

    def predict_raw(self, X: np.ndarray) -> np.ndarray:
        return X

    def contributions(self, X: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        return X[:, :, None].astype(np.float32), np.zeros(1)


def test_prediction_text_reads_as_probability_or_value() -> None:
    assert views.prediction_text(_Binary(), np.array([0.0])) == "P(positive class) = 0.50"
    assert views.prediction_text(_Binary(), np.array([-8.0])) == "P(positive class) = 0.000335"
    regression = _Binary(Task.REGRESSION, Unit.TARGET)
    assert views.prediction_text(regression, np.array([212000.0])) == "prediction = 212,000"
    assert views.prediction_text(regression, np.array([3.14159])) == "prediction = 3.142"
    multi = _Binary(Task.MULTICLASS)
    assert views.prediction_text(multi, np.array([0.0, 0.0, 0.0]), 2) == "P(c) = 0.33"


def test_categorical_lane_groups_by_category_not_on_a_numeric_scale() -> None:
    labels = [f"c{i}" for i in range(10)]
    # c9 is the most frequent, c0 absent: with 9 present categories, the 7 most frequent (c9
    # down to c3) get colours, most frequent slot 0; c2 and c1 share "other".
    counts = {9: 50, 8: 40, 7: 30, 6: 25, 5: 20, 4: 15, 3: 3, 2: 2, 1: 1}
    codes = np.concatenate([np.full(n, c, float) for c, n in counts.items()] + [[np.nan] * 4])
    shap = codes.copy()
    shap[np.isnan(shap)] = -9.0
    specs = [FeatureSpec("job", labels)]
    data = views.beeswarm(shap[:, None, None].astype(np.float32), codes[:, None], specs, None,
                          Unit.LOG_ODDS, ["job"])  # fmt: skip
    lane = data.lanes[0]
    assert lane.is_categorical and np.all(np.isnan(lane.colour))  # no fake low → high
    assert lane.group[0] == 0 and lane.group[50] == 1 and lane.group[codes == 3][0] == 6
    assert np.all(lane.group[codes <= 2] == views.GROUP_OTHER)
    assert np.all(lane.group[np.isnan(codes)] == views.GROUP_MISSING)
    # Named entries ordered by mean SHAP (here: the code), then other, then missing.
    names = [e.label for e in lane.legend]
    assert names == ["c3", "c4", "c5", "c6", "c7", "c8", "c9", "other (2)", "missing"]
    other = lane.legend[-2]
    assert other.rows == 3 and other.mean_shap == pytest.approx((2 * 2 + 1) / 3)
    assert lane.legend[-1].rows == 4 and lane.legend[-1].mean_shap == pytest.approx(-9.0)
    assert lane.n_missing == 4


def test_few_categories_keep_their_colour_whatever_the_counts() -> None:
    specs = [FeatureSpec("sex", ["Female", "Male"])]
    slots = []
    for codes in (np.array([0.0, 1.0, 1.0, 1.0]), np.array([0.0, 0.0, 0.0, 1.0])):
        data = views.beeswarm(np.zeros((4, 1, 1), np.float32), codes[:, None], specs, None,
                              Unit.LOG_ODDS, ["sex"])  # fmt: skip
        slots.append({e.label: e.group for e in data.lanes[0].legend})
    assert slots[0] == slots[1] == {"Female": 0, "Male": 1}
