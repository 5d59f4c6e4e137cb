"""PlotTabs extras: the class contrast waterfall, filter-scoped views, glossary display names."""

from __future__ import annotations

import lightgbm as lgb
import numpy as np
import pytest

from app.core.data.align import align
from app.core.data.model_io import load_model
from app.core.explain import views
from app.core.explain.chunked import explain_all
from app.core.explain.snapshot import mean_abs_of
from app.core.review.glossary import FeatureInfo, Glossary
from app.ui.plot_tabs import PlotTabs
from app.ui.state import AppState
from app.workers import Workers
from tests import datasets
from tests.ui._hardening import TIMEOUT

N_ROWS = 178  # every row of scikit-learn's wine data


@pytest.fixture(scope="module")
def wine(tmp_path_factory: pytest.TempPathFactory):
    """A small multiclass LightGBM (3 classes, few trees) on scikit-learn's wine data."""
    frame, label = datasets.load("wine")
    frame = frame.drop(columns=["cellar"]).reset_index(drop=True)
    target = frame[label].to_numpy() - 1  # cultivars 1-3 as LightGBM's classes 0-2
    features = frame.drop(columns=[label])
    booster = lgb.train(
        {"objective": "multiclass", "num_class": 3, "verbose": -1, "num_leaves": 7},
        lgb.Dataset(features, target),
        num_boost_round=8,
    )
    path = tmp_path_factory.mktemp("wine") / "wine_lgbm.txt"
    booster.save_model(str(path))
    model = load_model(path)
    data = align(model, frame, label)
    explanation = explain_all(model, data.X)
    return model, path, data, explanation


@pytest.fixture
def tabs(qtbot, wine):
    model, path, data, explanation = wine
    state = AppState()
    workers = Workers()
    widget = PlotTabs(state, workers)
    qtbot.addWidget(widget)
    widget.resize(900, 600)
    widget.show()
    state.set_inputs(model, path, data, path, explanation.raw_output)
    state.set_explanation(explanation, mean_abs_of(explanation.values))
    yield widget
    workers.cancel_all()
    qtbot.waitUntil(lambda: not workers.busy(), timeout=TIMEOUT)


def test_contrast_steps_sum_to_the_difference_of_raw_outputs(wine) -> None:
    model, _, _, explanation = wine
    row = 17
    values, base, raw = explanation.values[row], explanation.base_values, explanation.raw_output
    names = model.feature_names
    data_ = views.contrast_waterfall(
        row, values[:, 2], values[:, 0], base[2], base[0], [0.0] * len(names), names,
        model.unit, "class 2", "class 0", top=5,
    )  # fmt: skip
    total = data_.base_value + sum(step.shap for step in data_.steps)
    assert total == pytest.approx(raw[row, 2] - raw[row, 0], abs=1e-4)
    assert data_.output_value == pytest.approx(raw[row, 2] - raw[row, 0], abs=1e-4)
    assert data_.base_value == pytest.approx(base[2] - base[0])
    assert data_.output_name == "class 2 rather than class 0"
    assert data_.prediction_text.startswith("log-odds(class 2) − log-odds(class 0) = ")


def test_rather_than_combo_switches_the_waterfall_to_the_contrast(tabs, qtbot, wine) -> None:
    _, _, _, explanation = wine
    tabs.setCurrentWidget(tabs.slots["waterfall"])
    assert tabs.options.rather.isVisible()
    assert tabs.options.rather.count() == 4  # none + 3 classes
    tabs.state.set_output(1)
    tabs.state.select_row(5)
    assert tabs.waterfall_data.output_value == pytest.approx(explanation.raw_output[5, 1], abs=1e-4)
    tabs.options.rather.setCurrentIndex(3)  # class 2
    raw = explanation.raw_output[5]
    assert tabs.waterfall_data.output_value == pytest.approx(raw[1] - raw[2], abs=1e-4)
    assert "rather than class 2" in tabs.waterfall_data.output_name
    tabs.grab().save("/tmp/plot_tabs_contrast.png")


def test_filtered_importance_is_mean_abs_over_the_filter(tabs, qtbot, wine) -> None:
    _, _, data, explanation = wine
    tabs.setCurrentWidget(tabs.slots["importance"])
    assert tabs.options.filtered.isVisible()
    full = dict(zip(tabs.importance_data.features, tabs.importance_data.mean_abs, strict=True))
    subset = np.flatnonzero(data.frame["alcohol"].to_numpy() > 13.0)
    assert 0 < subset.size < N_ROWS
    tabs.state.set_visible_rows(subset)
    with qtbot.waitSignal(
        tabs.views_updated, check_params_cb=lambda v: v == "importance", timeout=TIMEOUT
    ):
        tabs.options.filtered.setChecked(True)
    got = tabs.importance_data
    k = tabs.state.output_index
    expected = np.abs(explanation.values[subset, :, k]).mean(axis=0)
    names = tabs.state.model.feature_names
    for name, value in zip(got.features, got.mean_abs, strict=True):
        assert value == pytest.approx(expected[names.index(name)], rel=1e-5)
    assert got.title.endswith(f"{subset.size:,} rows (filtered)")
    assert dict(zip(got.features, got.mean_abs, strict=True)) != full
    tabs.setCurrentWidget(tabs.slots["beeswarm"])
    qtbot.waitUntil(
        lambda: isinstance(tabs.beeswarm_data, views.FilteredBeeswarmData), timeout=TIMEOUT
    )
    assert tabs.beeswarm_data.n_points == subset.size
    assert set(tabs.beeswarm_data.rows.tolist()) == set(subset.tolist())
    # Unticking goes back to every row.
    with qtbot.waitSignal(
        tabs.views_updated, check_params_cb=lambda v: v == "importance", timeout=TIMEOUT
    ):
        tabs.options.filtered.setChecked(False)
    assert tabs.importance_data.rows_covered == N_ROWS


def test_glossary_display_names_label_the_views(tabs, qtbot) -> None:
    tabs.state.select_row(3)
    qtbot.waitUntil(lambda: tabs.beeswarm_data is not None, timeout=TIMEOUT)
    glossary = Glossary(features={"alcohol": FeatureInfo("alcohol", display="alcohol (% vol)")})
    tabs.state.review.set_glossary(glossary)
    assert not tabs.view_widget("importance").grab().isNull()  # drawn without error
    shown = views_shown(tabs)
    assert "alcohol (% vol)" in shown["importance"] and "alcohol" not in shown["importance"]
    assert "alcohol (% vol)" in shown["beeswarm"]
    assert any(label.startswith("alcohol (% vol) = ") for label in shown["waterfall"])
    # The stored data keeps the model's names (other views look features up by them).
    assert "alcohol" in tabs.importance_data.features


def views_shown(tabs: PlotTabs) -> dict[str, list[str]]:
    """Feature labels of the data each plot last received."""
    got = {}
    for view in ("importance", "beeswarm", "waterfall"):
        data = tabs.slots[view].plot._data  # what the plot draws
        if view == "importance":
            got[view] = list(data.features)
        elif view == "beeswarm":
            got[view] = [lane.feature for lane in data.lanes]
        else:
            got[view] = [step.label for step in data.steps]
    return got


def _importance_draws(widget: PlotTabs) -> list[str]:
    drawn: list[str] = []
    widget.views_updated.connect(lambda view: drawn.append(view) if view == "importance" else None)
    return drawn


def test_a_complete_explanation_draws_the_importance_once(qtbot, wine) -> None:
    """`explanation_changed` and `explanation_finished` both arrive as a run ends (or a cached
    explanation loads): the throttled refresh of the first is dropped for the second's."""
    from app.core.explain.chunked import filed_into, iter_explanation

    model, path, data, explanation = wine
    state, workers = AppState(), Workers()
    widget = PlotTabs(state, workers)
    qtbot.addWidget(widget)
    widget.resize(900, 600)
    widget.show()
    state.set_inputs(model, path, data, path, explanation.raw_output)
    drawn = _importance_draws(widget)
    with qtbot.waitSignal(state.explanation_finished, timeout=TIMEOUT):
        state.set_explanation(explanation, mean_abs_of(explanation.values))
    assert drawn == ["importance"]
    # The end of a bulk run: chunks first (each may redraw), then one draw for the end.
    state.start_explanation()
    assert state.builder is not None
    chunks = filed_into(state.builder, iter_explanation(model, data.X, 50, 50))
    for progress in chunks:
        state.chunk_filed(progress)
    drawn.clear()
    with qtbot.waitSignal(state.explanation_finished, timeout=TIMEOUT):
        state.finish_explanation(explanation.base_values)
    assert drawn == ["importance"]
    assert widget.importance_data is not None and not widget.importance_data.partial
    workers.cancel_all()
    qtbot.waitUntil(lambda: not workers.busy(), timeout=TIMEOUT)
