"""The Counterfactuals panel: answers found off the GUI thread, locked features, cancel, and a
click that loads an answer into What-if."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt

from app.core.review.session import Session, load_session, save_session
from app.ui.panels import debug_counterfactuals, debug_whatif
from tests.ui._debug_state import filled_state

TIMEOUT = 60_000


@pytest.fixture
def state(small_model_path, small_data_path):
    return filled_state(small_model_path, small_data_path)


def shown(qtbot, panel, width: int = 800, height: int = 420):
    qtbot.addWidget(panel)
    panel.resize(width, height)
    panel.show()
    qtbot.waitExposed(panel)
    return panel


def idle(qtbot, state) -> None:
    workers = state.debug.workers
    qtbot.waitUntil(lambda: not workers.busy(), timeout=TIMEOUT)


def found(qtbot, panel) -> None:
    panel.find()
    qtbot.waitUntil(lambda: panel.result is not None, timeout=TIMEOUT)


def test_click_loads_the_answer_into_whatif(qtbot, state) -> None:
    whatif = shown(qtbot, debug_whatif.create(state))
    panel = shown(qtbot, debug_counterfactuals.create(state))
    state.select_row(3)
    found(qtbot, panel)
    idle(qtbot, state)
    assert panel.answers and panel.table.rowCount() >= len(panel.answers)
    assert "Locked: 5" in panel.locks.text()
    first = panel.answers[0]
    assert not set(first.changed()) & {"age", "sex", "race", "marital_status", "native_country"}
    rect = panel.table.visualItemRect(panel.table.item(0, 1))
    qtbot.mouseClick(panel.table.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    qtbot.waitUntil(
        lambda: whatif.result is not None and set(whatif.result.changed) == set(first.changed()),
        timeout=TIMEOUT,
    )
    idle(qtbot, state)
    assert whatif.loaded_row == 3
    assert whatif.result.prediction[0] == pytest.approx(float(first.prediction[0]))
    assert "the decision flips" in whatif.prediction.text()
    for change in first.changes:
        assert whatif.whatif.display_value(change.feature) == change.after


def test_locked_features_are_respected_and_kept(qtbot, state) -> None:
    panel = shown(qtbot, debug_counterfactuals.create(state))
    context = state.debug
    actions = {a.text(): a for a in panel.lock_menu.actions()}
    assert actions["age"].isChecked() and not actions["capital_gain"].isChecked()
    actions["capital_gain"].setChecked(True)
    actions["capital_loss"].setChecked(True)
    assert set(context.locked_features) >= {"age", "capital_gain", "capital_loss"}
    assert "Locked: 7" in panel.locks.text()
    state.select_row(3)
    found(qtbot, panel)
    idle(qtbot, state)
    for answer in panel.answers:
        assert not set(answer.changed()) & {"capital_gain", "capital_loss", "age", "sex"}
    context.set_locked_features(["sex"])  # as a restored session does
    assert panel.locked() == ["sex"] and "Locked: 1" in panel.locks.text()


def test_cancel_stops_the_search(qtbot, state) -> None:
    panel = shown(qtbot, debug_counterfactuals.create(state))
    panel.seconds.setValue(60.0)
    state.select_row(0)
    panel.find()
    assert panel.cancel_button.isEnabled()
    qtbot.mouseClick(panel.cancel_button, Qt.MouseButton.LeftButton)
    idle(qtbot, state)
    assert "Cancelled" in panel.status.text()
    assert panel.find_button.isEnabled() and not panel.cancel_button.isEnabled()


def test_session_keeps_locked_features(tmp_path) -> None:
    path = tmp_path / "s.shaplens.json"
    save_session(path, Session(locked_features=["age", "sex"]))
    session, _ = load_session(path)
    assert session.locked_features == ["age", "sex"]
    save_session(path, Session())
    assert load_session(path)[0].locked_features is None


def test_in_the_window_locks_survive_a_session_and_a_click_raises_whatif(
    qtbot, small_model_path, small_data_path, tmp_path
) -> None:
    from app.ui.main_window import MainWindow
    from app.workers import Workers
    from tests.ui._hardening import open_and_wait

    window = MainWindow()
    qtbot.addWidget(window)
    window.resize(1400, 900)
    window.show()
    qtbot.waitExposed(window)
    open_and_wait(qtbot, window, small_model_path, small_data_path)
    docks = window.dock_set.by_module
    cf_dock = docks["app.ui.panels.debug_counterfactuals"]
    whatif_dock = docks["app.ui.panels.debug_whatif"]
    cf_dock.show()
    cf_dock.raise_()
    panel = cf_dock.widget()
    window.state.debug.set_locked_features(["sex", "capital_gain"])
    assert "Locked: 2" in panel.locks.text()
    window.state.select_row(3)
    found(qtbot, panel)
    assert panel.answers
    assert all(not {"sex", "capital_gain"} & set(a.changed()) for a in panel.answers)
    panel.choose(0)
    whatif = whatif_dock.widget()
    qtbot.waitUntil(
        lambda: (
            whatif.result is not None
            and set(whatif.result.changed) == set(panel.answers[0].changed())
        ),
        timeout=TIMEOUT,
    )
    assert whatif.isVisible()  # its dock was brought to the front
    saved = window.sessions.save_session(tmp_path / "cf")
    qtbot.waitUntil(lambda: Workers.live_count() == 0, timeout=TIMEOUT)
    window.close()

    other = MainWindow()
    qtbot.addWidget(other)
    with qtbot.waitSignal(other.state.explanation_finished, timeout=TIMEOUT):
        other.sessions.open_session(saved)
    restored = other.dock_set.by_module["app.ui.panels.debug_counterfactuals"].widget()
    assert other.state.debug.locked_features == ["sex", "capital_gain"]
    assert restored.locked() == ["sex", "capital_gain"]
    qtbot.waitUntil(lambda: Workers.live_count() == 0, timeout=TIMEOUT)
    other.close()


def test_regression_reaches_the_target(qtbot, tmp_path) -> None:
    from tests.core import _cf_models

    model, data = _cf_models.sklearn_forest("diabetes")
    data_path = tmp_path / "diabetes.parquet"
    data.frame.to_parquet(data_path)
    state = filled_state(model.path, data_path)
    panel = shown(qtbot, debug_counterfactuals.create(state))
    state.select_row(0)
    assert panel.target.isVisible()
    current = float(state.predictions()[0, 0])
    assert panel.target.value() == pytest.approx(current, abs=1e-4)
    panel.find()
    assert "target above or below" in panel.status.text()
    panel.target.setValue(current + 40.0)
    found(qtbot, panel)
    idle(qtbot, state)
    assert panel.answers, panel.status.text()
    for answer in panel.answers:
        assert float(answer.prediction[0]) >= current + 40.0
