"""The main window end to end (offscreen): open, explain, select, cancel, errors, keyboard."""

from __future__ import annotations

import threading

import numpy as np
import pandas as pd
import pytest
from PySide6.QtCore import Qt

from app.core.base.errors import UntrustedPickleError
from app.ui import controller as controller_module
from app.ui import explain_runner as runner_module
from tests.ui._hardening import TIMEOUT, open_and_wait


def test_open_explain_select_row_shows_its_waterfall(
    qtbot, window, small_model_path, small_data_path
) -> None:
    open_and_wait(qtbot, window, small_model_path, small_data_path)
    state = window.state
    explanation = state.explanation
    assert explanation is not None and explanation.complete
    assert explanation.n_rows == 2_500
    # SHAP values add up to what the model predicts, row by row.
    raw = state.model.predict_raw(state.data.X)
    total = explanation.values.sum(axis=1, dtype=np.float64) + explanation.base_values
    assert np.allclose(total, raw, atol=1e-4)
    qtbot.waitUntil(
        lambda: (
            window.plots.importance_data is not None and not window.plots.importance_data.partial
        ),
        timeout=TIMEOUT,
    )

    table = window.table
    target = table.rows_model.table_row(7)
    table.selectRow(target)
    assert state.selected_row == 7
    qtbot.waitUntil(lambda: getattr(window.plots.waterfall_data, "row", None) == 7, timeout=TIMEOUT)
    wf = window.plots.waterfall_data
    assert wf.output_value == pytest.approx(raw[7, 0], abs=1e-4)
    # Display values come from the original frame: category labels, not codes.
    workclass = state.data.frame["workclass"].iloc[7]
    assert any(step.label == f"workclass = {workclass}" for step in wf.steps) or len(wf.steps) < 13
    assert "P(positive class)" in wf.prediction_text and "log-odds" in wf.prediction_text
    assert (
        window.plots.slots["waterfall"].currentWidget() is not window.plots.slots["waterfall"].note
        or window.plots.slots["waterfall"].plot is None
    )


def test_cancel_then_new_data_completes_without_stale_results(
    qtbot, window, monkeypatch, small_model_path, small_data_path, other_data_path, request
) -> None:
    # Hold the first run after its first chunk, so the cancel surely lands mid-run and the chunk
    # it computes afterwards is a late result that must be dropped.
    gate = threading.Event()
    real = runner_module.iter_explanation

    def gated(model, X, first, size):
        chunks = real(model, X, first, size)
        yield next(chunks)
        gate.wait(TIMEOUT / 1000)
        return (yield from chunks)

    monkeypatch.setattr(runner_module, "iter_explanation", gated)
    request.addfinalizer(gate.set)  # a failing test never leaves the worker waiting
    window.controller.first_chunk = 100
    window.controller.chunk_rows = 100
    with qtbot.waitSignal(
        window.state.explanation_changed,
        timeout=TIMEOUT,
        check_params_cb=lambda *a: window.state.rows_explained() > 0,
    ):
        window.controller.open(small_model_path, small_data_path)
    window.controller.cancel_computation()
    gate.set()
    assert not window.cancel_button.isVisibleTo(window)
    assert "explain" not in window.workers.running()
    assert window.state.rows_explained() == 100
    # What was computed before the cancel stays, drawn as an estimate.
    qtbot.waitUntil(lambda: window.plots.importance_data is not None, timeout=TIMEOUT)
    partial = window.plots.importance_data
    assert partial.partial and partial.rows_covered < 2_500
    assert f"estimate from {partial.rows_covered:,} of 2,500 rows" in partial.title
    # The cancelled worker computes one more chunk after the gate opens; it must be dropped.
    qtbot.waitUntil(lambda: not window.workers.busy(), timeout=TIMEOUT)
    assert window.state.rows_explained() == 100
    open_and_wait(qtbot, window, small_model_path, other_data_path)
    qtbot.waitUntil(lambda: not window.workers.busy(), timeout=TIMEOUT)
    state = window.state
    assert state.data_path == other_data_path
    explanation = state.explanation
    assert explanation.complete and explanation.n_rows == 2_000
    expected, _ = state.model.contributions(state.data.X[:50])
    assert np.allclose(explanation.values[:50], expected, atol=1e-5)


def test_alignment_error_shows_message_and_keeps_what_was_loaded(
    qtbot, window, small_model_path, small_data_path, tmp_path
) -> None:
    open_and_wait(qtbot, window, small_model_path, small_data_path)
    model_before, data_before = window.state.model, window.state.data
    bad = tmp_path / "no_age.csv"
    pd.read_parquet(small_data_path).drop(columns=["age", "sex"]).head(50).to_csv(bad, index=False)
    with qtbot.waitSignal(window.state.error_raised, timeout=TIMEOUT) as blocker:
        window.controller.open(data_path=bad)
    message = blocker.args[0]
    assert "age" in message and "sex" in message
    assert window.message_bar.text() == message
    assert window.state.model is model_before and window.state.data is data_before
    assert window.state.explanation.complete


def test_up_down_move_selection_in_table_order(
    qtbot, window, small_model_path, small_data_path
) -> None:
    open_and_wait(qtbot, window, small_model_path, small_data_path)
    table = window.table
    table.sortByColumn(1, Qt.SortOrder.DescendingOrder)  # by predicted probability
    order = table.rows_model.order
    probabilities = window.state.predictions()[order, 0]
    assert np.all(np.diff(probabilities) <= 0)
    table.setFocus()
    table.selectRow(0)
    assert window.state.selected_row == order[0]
    qtbot.keyClick(table, Qt.Key.Key_Down)
    qtbot.keyClick(table, Qt.Key.Key_Down)
    assert window.state.selected_row == order[2]
    qtbot.keyClick(table, Qt.Key.Key_Up)
    assert window.state.selected_row == order[1]
    window.step_row(1)  # Alt+Down, from anywhere in the window
    assert window.state.selected_row == order[2]


def test_clicked_row_is_explained_ahead_of_the_bulk_run(
    qtbot, window, small_model_path, small_data_path
) -> None:
    with qtbot.waitSignal(window.state.data_changed, timeout=TIMEOUT):
        window.controller.open(small_model_path, small_data_path)
    window.controller.cancel_computation()  # as if the bulk run had not got there yet
    state = window.state
    row = state.data.n_rows - 1
    if state.row_values(row) is None:
        with qtbot.waitSignal(state.row_explained, timeout=TIMEOUT) as blocker:
            state.select_row(row)
        assert blocker.args == [row]
    else:
        state.select_row(row)
    values, _base = state.row_values(row)
    expected, _ = state.model.contributions(state.data.X[row : row + 1])
    assert np.allclose(values, expected[0], atol=1e-6)
    qtbot.waitUntil(lambda: getattr(window.plots.waterfall_data, "row", None) == row)


def test_label_combo_changes_the_label_column(
    qtbot, window, small_model_path, small_data_path
) -> None:
    open_and_wait(qtbot, window, small_model_path, small_data_path)
    headers = [c.header for c in window.table.rows_model.columns]
    assert "income_gt_50k" in headers and "Correct" in headers
    assert not any(action.isVisible() for action in window.output_actions)  # one output only
    combo = window.label_combo
    assert combo.currentText() == "income_gt_50k"
    combo.setCurrentIndex(0)
    combo.activated.emit(0)
    assert window.state.data.label_column is None
    headers = [c.header for c in window.table.rows_model.columns]
    assert "Correct" not in headers


def test_untrusted_pickle_asks_and_retries_only_if_trusted(
    qtbot, window, monkeypatch, small_model_path, small_data_path
) -> None:
    real = controller_module.load_model
    calls = []

    def fake_load_model(path, trust_pickle=False):
        calls.append(trust_pickle)
        if not trust_pickle:
            raise UntrustedPickleError("model.pkl is a pickle", path)
        return real(small_model_path)

    monkeypatch.setattr(controller_module, "load_model", fake_load_model)
    asked = []
    window.controller.ask_trust = lambda path, msg: asked.append(msg) or False
    with qtbot.waitSignal(window.state.notice_raised, timeout=TIMEOUT) as blocker:
        window.controller.open(small_model_path)
    assert "chose not to trust" in blocker.args[0] and window.state.model is None
    assert window.message_bar.kind == "info"  # a choice the user made, not an error
    window.controller.ask_trust = lambda path, msg: True
    with qtbot.waitSignal(window.state.explanation_finished, timeout=TIMEOUT):
        window.controller.open(small_model_path, small_data_path)
    assert asked and calls == [False, False, True]
    assert window.state.ready


def test_drop_files_opens_model_and_data_by_kind(
    qtbot, window, small_model_path, small_data_path
) -> None:
    with qtbot.waitSignal(window.state.explanation_finished, timeout=TIMEOUT):
        window.files.open_paths([small_data_path, small_model_path])  # order does not matter
    assert window.state.model_path == small_model_path
    assert window.state.data_path == small_data_path
    recent = window.settings.recent_files()
    assert small_model_path.resolve() in recent and small_data_path.resolve() in recent
    assert window.menu_actions.recent_menu.actions()[0].text() in (
        small_model_path.name,
        small_data_path.name,
    )
    assert "adult_small" in window.windowTitle()


def test_beeswarm_covers_every_row_and_its_dots_select_rows(
    qtbot, window, small_model_path, small_data_path
) -> None:
    open_and_wait(qtbot, window, small_model_path, small_data_path)
    qtbot.waitUntil(
        lambda: (
            window.plots.beeswarm_data is not None and window.plots.beeswarm_data.n_points == 2_500
        ),
        timeout=TIMEOUT,
    )
    data = window.plots.beeswarm_data
    assert [lane.feature for lane in data.lanes] == window.plots.importance_data.features[:15]
    plot = window.plots.slots["beeswarm"].plot
    if plot is None:
        pytest.skip("beeswarm plot not available")
    plot.row_clicked.emit(1234)
    assert window.state.selected_row == 1234
    assert window.table.rows_model.dataset_row(window.table.currentIndex().row()) == 1234


def test_bundled_sample_model_on_a_slice(
    qtbot, window, sample_model_path, sample_data_path, tmp_path
) -> None:
    """The 300-tree sample itself (slow engine today, so only a few hundred rows)."""
    path = tmp_path / "adult_120.parquet"
    pd.read_parquet(sample_data_path).iloc[:120].to_parquet(path)
    open_and_wait(qtbot, window, sample_model_path, path)
    state = window.state
    assert state.model.info.n_trees == 300 and state.explanation.n_rows == 120
    state.select_row(77)
    qtbot.waitUntil(lambda: getattr(window.plots.waterfall_data, "row", None) == 77)
    raw = state.model.predict_raw(state.data.X[77:78])[0, 0]
    assert window.plots.waterfall_data.output_value == pytest.approx(raw, abs=1e-4)


def test_output_picker_for_a_multiclass_model(qtbot, window, tmp_path) -> None:
    import lightgbm as lgb

    rng = np.random.default_rng(3)
    frame = pd.DataFrame(rng.normal(size=(600, 4)), columns=["a", "b", "c", "d"])
    frame["label"] = np.digitize(frame["a"] + 0.5 * frame["b"], [-0.5, 0.5])
    params = {"objective": "multiclass", "num_class": 3, "verbose": -1, "num_threads": 1}
    booster = lgb.train(params, lgb.Dataset(frame[["a", "b", "c", "d"]], frame["label"]), 8)
    model_path, data_path = tmp_path / "three.txt", tmp_path / "three.csv"
    booster.save_model(str(model_path))
    frame.to_csv(data_path, index=False)
    open_and_wait(qtbot, window, model_path, data_path)
    assert all(action.isVisible() for action in window.output_actions)
    assert [window.output_combo.itemText(i) for i in range(3)] == window.state.output_names
    window.state.select_row(5)
    window.output_combo.setCurrentIndex(2)
    window.output_combo.activated.emit(2)
    assert window.state.output_index == 2
    qtbot.waitUntil(lambda: getattr(window.plots.waterfall_data, "output_name", "") == "class 2")
    assert window.plots.importance_data.output_name == "class 2"
    assert window.table.rows_model.columns[1].header == "P(class 2)"
    raw = window.state.raw_output()
    assert window.plots.waterfall_data.output_value == pytest.approx(raw[5, 2], abs=1e-4)
    correct = next(c for c in window.table.rows_model.columns if c.header == "Correct")
    assert np.nanmean(correct.values) > 0.8  # argmax class vs label


def test_dispose_window_deletes_the_window_and_its_plots_now(
    qtbot, small_model_path, small_data_path
) -> None:
    """run_app deletes its window before the interpreter exits (PySide's exit-time deletion of
    leftover plot items crashed once in ~20 exits); disposing twice is harmless."""
    import shiboken6

    from app.ui.app import dispose_window
    from app.ui.main_window import MainWindow

    window = MainWindow()
    window.show()
    open_and_wait(qtbot, window, small_model_path, small_data_path)
    plot = window.plots.view_widget("importance")
    workers = window.workers
    dispose_window(window)
    assert not shiboken6.isValid(window) and not shiboken6.isValid(plot)
    assert not shiboken6.isValid(workers)  # a child: its jobs were cancelled in closeEvent
    dispose_window(window)
