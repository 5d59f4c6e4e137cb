"""The debugging panels against a real AppState: threshold slider, confusion cells, N key,
cohorts, error slices, fairness, dependence clicks, compare and what-if."""

from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtCore import QPointF, Qt
from PySide6.QtWidgets import QMainWindow
from sklearn.metrics import confusion_matrix as sk_confusion

from app.core.debugging.filters import filter_mask
from app.ui.panels import (
    debug_compare,
    debug_dependence,
    debug_fairness,
    debug_filter,
    debug_slices,
    debug_threshold,
    debug_whatif,
)
from tests.ui._debug_state import filled_state

TIMEOUT = 60_000
PANELS = (debug_filter, debug_threshold, debug_slices, debug_fairness, debug_dependence,
          debug_compare, debug_whatif)  # fmt: skip


@pytest.fixture
def state(small_model_path, small_data_path):
    return filled_state(small_model_path, small_data_path)


def idle(qtbot, state) -> None:
    workers = state.debug.workers
    qtbot.waitUntil(lambda: not workers.busy(), timeout=TIMEOUT)


def shown(qtbot, panel, width: int = 800, height: int = 500):
    """Panels compute only while on screen (a hidden dock tab catches up when shown)."""
    qtbot.addWidget(panel)
    panel.resize(width, height)
    panel.show()
    qtbot.waitExposed(panel)
    return panel


def settled(qtbot, state, *jobs) -> None:
    """Every requested panel job has run and the workers are idle (the evaluation included:
    its arrival requests the panels' jobs before its thread counts as finished)."""
    workers = state.debug.workers
    qtbot.waitUntil(
        lambda: not workers.busy() and not any(job.pending for job in jobs), timeout=TIMEOUT
    )


def truth(state) -> tuple[np.ndarray, np.ndarray]:
    y = state.data.frame["income_gt_50k"].to_numpy()
    p = state.predictions()[:, 0]
    return y, p


def test_threshold_slider_drives_state_and_matrix(qtbot, state) -> None:
    panel = shown(qtbot, debug_threshold.create(state))
    y, p = truth(state)
    with qtbot.waitSignal(state.threshold_changed):
        panel.slider.setValue(300)
    assert state.threshold == pytest.approx(0.3)
    settled(qtbot, state, panel.job)  # the counts come from a worker
    assert np.array_equal(panel.counts, sk_confusion(y, (p >= 0.3).astype(int)))
    assert panel.matrix.item(1, 0).text().startswith(f"{panel.counts[1, 0]:,}")
    state.set_threshold(0.7)  # from elsewhere: the slider follows
    assert panel.slider.value() == 700
    settled(qtbot, state, panel.job)
    assert np.array_equal(panel.counts, sk_confusion(y, (p >= 0.7).astype(int)))


def test_clicking_a_confusion_cell_filters_rows(qtbot, state) -> None:
    panel = shown(qtbot, debug_threshold.create(state), 600, 400)
    settled(qtbot, state, panel.job)
    y, p = truth(state)
    rect = panel.matrix.visualRect(panel.matrix.model().index(1, 0))
    with qtbot.waitSignal(state.visible_rows_changed):
        qtbot.mouseClick(panel.matrix.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    expected = np.flatnonzero((y == 1) & (p < 0.5))  # false negatives
    assert state.visible_rows.tolist() == expected.tolist()
    assert state.debug.expression == "label == 1 and predicted == 0"


def test_n_key_walks_misclassified_rows_of_the_filter(qtbot, state) -> None:
    window = QMainWindow()
    qtbot.addWidget(window)
    panel = debug_filter.FilterPanel(state)
    window.setCentralWidget(panel)
    with qtbot.waitActive(window):  # window shortcuts need the active window
        window.show()
        window.activateWindow()
    y, p = truth(state)
    women = (state.data.frame["sex"] == "Female").to_numpy()
    wrong = np.flatnonzero(((p >= 0.5) != (y == 1)) & women)
    panel.expression.setText('sex == "Female"')
    panel.apply_expression()
    assert state.visible_rows.tolist() == np.flatnonzero(women).tolist()
    qtbot.keyClick(window, Qt.Key.Key_N)
    assert state.selected_row == wrong[0]
    qtbot.keyClick(window, Qt.Key.Key_N)
    assert state.selected_row == wrong[1]
    qtbot.keyClick(window, Qt.Key.Key_N, Qt.KeyboardModifier.ShiftModifier)
    assert state.selected_row == wrong[0]
    qtbot.keyClick(window, Qt.Key.Key_N, Qt.KeyboardModifier.ShiftModifier)
    assert state.selected_row == wrong[-1]  # wraps around


def test_presets_errors_and_cohort_switching(qtbot, state) -> None:
    panel = debug_filter.FilterPanel(state)
    qtbot.addWidget(panel)
    y, p = truth(state)
    fp = panel.preset_combo.findData("false_positives")
    panel.preset_combo.setCurrentIndex(fp)
    panel.preset_combo.activated.emit(fp)
    assert state.visible_rows.tolist() == np.flatnonzero((p >= 0.5) & (y == 0)).tolist()
    panel.preset_combo.activated.emit(panel.preset_combo.findData("all"))
    before = state.visible_rows.copy()
    panel.expression.setText("agee > 40")
    panel.apply_expression()
    assert "did you mean 'age'" in panel.message.text()
    assert np.array_equal(state.visible_rows, before)  # a bad filter changes nothing
    panel.save_cohort("Older", "age > 50")
    older = np.flatnonzero(state.data.frame["age"].to_numpy() > 50)
    assert state.visible_rows.tolist() == older.tolist()
    assert panel.cohort_combo.currentText() == "Older"
    panel.choose_cohort("All rows")
    assert state.visible_rows.size == state.data.n_rows
    panel.expression.setText('sex == "Male"')
    panel.apply_expression()
    panel.choose_cohort("Older")  # cohort and expression combine
    men = (state.data.frame["sex"] == "Male").to_numpy()
    assert state.visible_rows.tolist() == np.flatnonzero(men & (state.data.frame.age > 50)).tolist()
    assert "of the rows shown are misclassified" in panel.message.text()


def test_clicking_a_slice_filters_rows(qtbot, state) -> None:
    panel = debug_slices.create(state)
    qtbot.addWidget(panel)
    panel.resize(800, 400)
    panel.show()
    qtbot.waitUntil(lambda: len(panel.slices) == 20, timeout=TIMEOUT)
    idle(qtbot, state)
    best = panel.slices[0]
    rect = panel.table.visualRect(panel.table.model().index(0, 0))
    with qtbot.waitSignal(state.visible_rows_changed):
        qtbot.mouseClick(panel.table.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    expected = np.flatnonzero(filter_mask(best.expression, state.data.frame))
    assert state.visible_rows.tolist() == expected.tolist() and expected.size == best.count
    assert state.debug.expression == best.expression
    y, p = truth(state)
    assert ((p[expected] >= 0.5) != (y[expected] == 1)).mean() == pytest.approx(best.rate)


def test_fairness_panel_by_sex(qtbot, state) -> None:
    panel = shown(qtbot, debug_fairness.create(state))
    panel.set_column("sex")
    settled(qtbot, state, panel.job, panel.shap_job)
    y, p = truth(state)
    women = (state.data.frame["sex"] == "Female").to_numpy()
    groups = {g.group: g for g in panel.report.groups}
    assert groups["Female"].base_rate == pytest.approx(y[women].mean())
    assert groups["Female"].selection_rate == pytest.approx((p[women] >= 0.5).mean())
    assert panel.groups.rowCount() == 2
    assert panel.shap_table.rowCount() == len(state.model.feature_names)
    assert "four-fifths" in panel.summary.text()


def test_dependence_click_selects_the_row(qtbot, state) -> None:
    panel = debug_dependence.create(state)
    qtbot.addWidget(panel)
    panel.resize(800, 500)
    panel.show()
    qtbot.waitExposed(panel)
    panel.set_feature("age")
    qtbot.waitUntil(lambda: panel.plot.data is not None, timeout=TIMEOUT)
    idle(qtbot, state)
    data = panel.plot.data
    assert data.feature == "age" and data.rows.size == state.data.n_rows
    i = int(np.argmin(data.shap))  # an isolated dot at the bottom
    vb = panel.plot.plot.getViewBox()
    scene = vb.mapViewToScene(QPointF(float(data.x[i]), float(data.shap[i])))
    pos = panel.plot.view.mapFromScene(scene)
    with qtbot.waitSignal(state.row_selected, timeout=5000) as blocker:
        qtbot.mouseClick(panel.plot.view.viewport(), Qt.MouseButton.LeftButton, pos=pos)
    picked = blocker.args[0]
    assert data.shap[data.rows == picked][0] == pytest.approx(data.shap[i], abs=0.05)
    panel.set_feature("occupation")
    qtbot.waitUntil(lambda: panel.plot.data.feature == "occupation", timeout=TIMEOUT)
    idle(qtbot, state)
    assert panel.plot.data.categories[0] == "Adm-clerical"


def test_compare_finds_correct_neighbours(qtbot, state) -> None:
    panel = shown(qtbot, debug_compare.create(state))
    ev = state.debug.evaluation()
    wrong = int(np.flatnonzero(ev.misclassified)[0])
    state.select_row(wrong)
    assert panel.row_a.value() == wrong
    panel.find_neighbours()  # in a worker: O(rows x features)
    qtbot.waitUntil(lambda: panel.neighbours.count() == 10, timeout=TIMEOUT)
    idle(qtbot, state)
    b = panel.row_b.value()
    assert ev.correct[b] and ev.y_true[b] == ev.y_true[wrong]
    assert panel.neighbours.count() == 10
    assert panel.table.rowCount() == len(state.model.feature_names)
    assert "WRONG" in panel.note.text() and "correct" in panel.note.text()


def test_whatif_prediction_matches_the_model(qtbot, state) -> None:
    panel = shown(qtbot, debug_whatif.create(state))
    state.select_row(3)
    qtbot.waitUntil(lambda: panel.result is not None, timeout=TIMEOUT)
    panel.set_value("capital_gain", 20000)
    panel.set_value("occupation", "Exec-managerial")
    qtbot.waitUntil(
        lambda: panel.result is not None and len(panel.result.changed) == 2, timeout=TIMEOUT
    )
    idle(qtbot, state)
    x = state.data.X[3].copy()
    names = state.model.feature_names
    x[names.index("capital_gain")] = 20000
    x[names.index("occupation")] = state.model.features[names.index("occupation")].categories.index(
        "Exec-managerial"
    )
    expected = state.model.raw_to_prediction(state.model.predict_raw(x[None, :]))[0, 0]
    assert panel.result.prediction[0] == pytest.approx(expected)
    assert f"{expected:.3f}" in panel.prediction.text()
    panel.set_value("age", "old")
    assert "needs a number" in panel.message.text()
    panel.reset()
    qtbot.waitUntil(lambda: panel.result is not None and not panel.result.changed, timeout=TIMEOUT)
    idle(qtbot, state)


@pytest.mark.parametrize("module", PANELS, ids=lambda m: m.__name__.rsplit(".", 1)[-1])
def test_panels_render(qtbot, state, module, tmp_path) -> None:
    panel = module.create(state)
    qtbot.addWidget(panel)
    panel.resize(900, 520)
    panel.show()
    qtbot.waitExposed(panel)
    if hasattr(panel, "set_feature"):
        panel.set_feature("age")
        qtbot.waitUntil(lambda: panel.plot.data is not None, timeout=TIMEOUT)
    state.select_row(5)
    settled(qtbot, state, *[job for job in (getattr(panel, "job", None),) if job is not None])
    assert isinstance(module.TITLE, str) and module.TITLE
    path = tmp_path / "panel.png"
    assert panel.grab().save(str(path))
    image = panel.grab().toImage()
    assert image.width() == 900 and image.height() == 520
    colours = {image.pixel(x, y) for x in range(0, 900, 15) for y in range(0, 520, 15)}
    assert len(colours) > 4  # not blank
