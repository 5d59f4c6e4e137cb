"""The behaviour panels in the window: partial dependence streams and cancels, a clicked
decision line selects its row, dragging along the ROC curve moves the threshold."""

from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtCore import QPoint, QPointF, Qt

from app.core.debugging.behaviour.curves import rates_at
from app.ui.panels import behaviour_curves, behaviour_decision, behaviour_pdp
from tests.ui._debug_state import filled_state

TIMEOUT = 60_000


@pytest.fixture
def state(small_model_path, small_data_path):
    return filled_state(small_model_path, small_data_path)


def shown(qtbot, panel, width: int = 900, height: int = 560):
    qtbot.addWidget(panel)
    panel.resize(width, height)
    panel.show()
    qtbot.waitExposed(panel)
    return panel


def idle(qtbot, state, *jobs) -> None:
    workers = state.debug.workers
    qtbot.waitUntil(
        lambda: not workers.busy() and not any(job.pending for job in jobs), timeout=TIMEOUT
    )


def to_widget(plot, x: float, y: float) -> QPoint:
    scene = plot.plot.getViewBox().mapViewToScene(QPointF(x, y))
    return plot.view.mapFromScene(scene)


def test_partial_dependence_streams_to_the_exact_average(qtbot, state) -> None:
    panel = shown(qtbot, behaviour_pdp.create(state))
    state.select_row(7)
    panel.set_feature("age")
    qtbot.waitUntil(lambda: panel.result is not None and panel.result.complete, timeout=TIMEOUT)
    idle(qtbot, state)
    result = panel.result
    assert result.n_rows == state.data.n_rows and 7 in result.ice_rows
    X = state.data.X.copy()
    X[:, result.grid.index] = result.grid.values[3]
    expected = state.model.raw_to_prediction(state.model.predict_raw(X))[:, 0].mean()
    assert result.average_prediction[3] == pytest.approx(expected, abs=1e-9)
    data = panel.pd_plot.data
    assert data.selected_row == 7 and data.selected_at[0] == state.data.X[7, result.grid.index]
    assert "(2,500 rows)" in panel.pd_plot.title.text() and not panel.progress.isVisible()
    # a row outside the ICE sample gets its own line computed at once
    other = next(r for r in range(state.data.n_rows) if r not in result.ice_rows)
    state.select_row(other)
    qtbot.waitUntil(lambda: panel.pd_plot.data.selected_row == other, timeout=TIMEOUT)
    idle(qtbot, state)
    # the filter decides which rows are averaged
    state.debug.set_filter(expression="sex == 'Female'")
    qtbot.waitUntil(
        lambda: panel.result is not None and panel.result.complete
        and panel.result.rows_total == state.visible_rows.size, timeout=TIMEOUT,
    )  # fmt: skip
    idle(qtbot, state)


def test_cancel_keeps_the_estimate_and_stops_the_job(qtbot, state, monkeypatch) -> None:
    monkeypatch.setattr(behaviour_pdp, "CHUNK_PREDICTIONS", 2_000)  # many small chunks
    panel = shown(qtbot, behaviour_pdp.create(state))
    panel.grid.setValue(100)
    panel.set_feature("hours_per_week")
    qtbot.waitUntil(lambda: panel.result is not None, timeout=TIMEOUT)
    panel.cancel()
    idle(qtbot, state)
    assert not state.debug.workers.is_running(behaviour_pdp.JOB)
    assert not panel.result.complete
    assert "estimate from" in panel.progress.note.text()
    assert not panel.progress.bar.isVisible()


def test_two_feature_heatmap(qtbot, state) -> None:
    panel = shown(qtbot, behaviour_pdp.create(state))
    panel.set_feature("age", "education")
    qtbot.waitUntil(lambda: panel.result is not None and panel.result.complete, timeout=TIMEOUT)
    idle(qtbot, state)
    data = panel.pd2_plot.data
    assert panel.stack.currentWidget() is panel.pd2_plot
    assert data.z.shape == (len(data.x_labels), 16) and "Bachelors" in data.y_labels


def test_clicking_a_decision_line_selects_its_row(qtbot, state) -> None:
    panel = shown(qtbot, behaviour_decision.create(state))
    qtbot.waitUntil(lambda: panel.plot.data is not None, timeout=TIMEOUT)
    idle(qtbot, state, panel.job)
    data = panel.plot.data
    assert data.rows.size == 2_000 and data.rows_total == state.data.n_rows  # a sample
    top = len(data.levels)
    at = 0.1 * data.cumulative[:, -2] + 0.9 * data.cumulative[:, -1]  # lines at y = top - 0.1
    gap = np.array([np.min(np.abs(np.delete(at, j) - at[j])) for j in range(at.size)])
    i = int(np.argmax(gap))  # the line farthest from any other there
    target = int(data.rows[i])
    pos = to_widget(panel.plot, float(at[i]), top - 0.1)
    with qtbot.waitSignal(state.row_selected, timeout=5000) as blocker:
        qtbot.mouseClick(panel.plot.view.viewport(), Qt.MouseButton.LeftButton, pos=pos)
    picked = blocker.args[0]
    assert picked == target
    qtbot.waitUntil(lambda: panel.plot.data.selected == target, timeout=TIMEOUT)
    idle(qtbot, state, panel.job)
    # colouring by correct / wrong follows the label
    panel.colour.setCurrentIndex(1)
    panel.job.request()
    qtbot.waitUntil(lambda: panel.plot.data.correct is not None, timeout=TIMEOUT)
    idle(qtbot, state, panel.job)


def test_dragging_along_the_roc_curve_moves_the_threshold(qtbot, state) -> None:
    panel = shown(qtbot, behaviour_curves.create(state))
    plot = panel.curve_plot
    qtbot.waitUntil(lambda: plot.data is not None, timeout=TIMEOUT)
    idle(qtbot, state, panel.job)
    line = plot.data.lines[0]
    assert plot.data.kind == "roc" and line.marker is not None
    viewport = plot.view.viewport()
    start = int(np.argmin(np.abs(line.x - 0.05)))
    end = int(np.argmin(np.abs(line.x - 0.3)))
    a = to_widget(plot, float(line.x[start]), float(line.y[start]))
    b = to_widget(plot, float(line.x[end]), float(line.y[end]))
    qtbot.mousePress(viewport, Qt.MouseButton.LeftButton, pos=a)
    assert state.threshold == pytest.approx(line.thresholds[start], abs=0.02)
    for step in np.linspace(0, 1, 6)[1:]:
        qtbot.mouseMove(viewport, a + (b - a) * float(step))
    qtbot.mouseRelease(viewport, Qt.MouseButton.LeftButton, pos=b)
    t = state.threshold
    assert t < line.thresholds[start]  # moved towards more positives
    y, p = state.debug.evaluation().y_true, state.predictions()[:, 0]
    r = rates_at(y, p, t)
    assert r.fpr == pytest.approx(line.x[end], abs=0.02)
    # the marker follows the threshold on every curve
    qtbot.waitUntil(lambda: plot.data.threshold == t, timeout=TIMEOUT)
    assert plot.data.lines[0].marker == pytest.approx((r.fpr, r.tpr))
    idle(qtbot, state, panel.job)
    panel.set_view("calibration", "sex")
    qtbot.waitUntil(
        lambda: plot.data.kind == "calibration" and len(plot.data.lines) == 2, timeout=TIMEOUT
    )
    idle(qtbot, state, panel.job)


@pytest.mark.parametrize("module", [behaviour_pdp, behaviour_decision, behaviour_curves])
def test_panels_render_at_docked_size(qtbot, state, module, tmp_path) -> None:
    panel = shown(qtbot, module.create(state), 500, 320)
    if module is behaviour_pdp:
        panel.set_feature("occupation")
        qtbot.waitUntil(lambda: panel.result is not None and panel.result.complete, timeout=TIMEOUT)
    jobs = [panel.job] if hasattr(panel, "job") else []
    plot = panel.current_plot() if module is behaviour_pdp else getattr(panel, "plot", None)
    plot = plot or panel.curve_plot
    qtbot.waitUntil(lambda: plot.data is not None, timeout=TIMEOUT)
    idle(qtbot, state, *jobs)
    image = panel.grab().toImage()
    assert (image.width(), image.height()) == (500, 320)
    colours = {image.pixel(x, y) for x in range(0, 500, 10) for y in range(0, 320, 10)}
    assert len(colours) > 6
    written = panel.export(tmp_path / "fig.png")
    assert written is not None and written.stat().st_size > 2_000


@pytest.fixture
def regression_state(tmp_path):
    import lightgbm as lgb
    from sklearn.datasets import load_diabetes

    X, y = load_diabetes(return_X_y=True, as_frame=True)
    booster = lgb.train(
        {"objective": "regression", "verbose": -1, "num_leaves": 7}, lgb.Dataset(X, y), 20
    )
    booster.save_model(str(tmp_path / "model.txt"))
    X.assign(target=y).to_parquet(tmp_path / "data.parquet")
    return filled_state(tmp_path / "model.txt", tmp_path / "data.parquet")


def test_regression_fit_point_click_selects_its_row(qtbot, regression_state) -> None:
    state = regression_state
    panel = shown(qtbot, behaviour_curves.create(state))
    plot = panel.fit_plot
    qtbot.waitUntil(lambda: plot.data is not None, timeout=TIMEOUT)
    idle(qtbot, state, panel.job)
    data = plot.data
    assert data.kind == "fit" and data.rows.size == 442 and panel.stack.currentWidget() is plot
    np.testing.assert_allclose(data.y, state.predictions()[data.rows, 0])
    i = int(np.argmax(data.x))  # the largest label: an isolated point on the right
    pos = to_widget(plot, float(data.x[i]), float(data.y[i]))
    with qtbot.waitSignal(state.row_selected, timeout=5000) as blocker:
        qtbot.mouseClick(plot.view.viewport(), Qt.MouseButton.LeftButton, pos=pos)
    assert blocker.args[0] == int(data.rows[i])
    panel.set_view("residuals")
    qtbot.waitUntil(lambda: plot.data.kind == "residuals", timeout=TIMEOUT)
    assert plot.data.selected == int(data.rows[i])
    idle(qtbot, state, panel.job)


def test_regression_partial_dependence_is_in_target_units(qtbot, regression_state) -> None:
    state = regression_state
    panel = shown(qtbot, behaviour_pdp.create(state))
    assert not panel.scale.isEnabled() and "target units" in panel.scale.currentText()
    panel.set_feature("bmi")
    qtbot.waitUntil(lambda: panel.result is not None and panel.result.complete, timeout=TIMEOUT)
    idle(qtbot, state)
    np.testing.assert_allclose(panel.result.average_prediction, panel.result.average_raw)
    assert "target units" in panel.pd_plot.data.y_label
    assert panel.result.average_prediction[-1] > panel.result.average_prediction[0]  # bmi raises it


class Spy:
    """Wraps `module.name`; records for every call whether it ran on the GUI (main) thread."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch, module: object, name: str) -> None:
        self.real = getattr(module, name)
        self.threads: list[bool] = []
        monkeypatch.setattr(module, name, self)

    def __call__(self, *args, **kwargs):
        import threading

        self.threads.append(threading.current_thread() is threading.main_thread())
        return self.real(*args, **kwargs)


def test_heavy_work_runs_in_workers_and_only_when_shown(qtbot, state, monkeypatch) -> None:
    import threading

    pdp_threads: list[bool] = []
    real = behaviour_pdp.partial_dependence_for

    def spy_steps(*args, **kwargs):  # a generator function, as the worker expects
        pdp_threads.append(threading.current_thread() is threading.main_thread())
        return (yield from real(*args, **kwargs))

    monkeypatch.setattr(behaviour_pdp, "partial_dependence_for", spy_steps)
    lines = Spy(monkeypatch, behaviour_decision, "decision")
    curves = Spy(monkeypatch, behaviour_curves, "_groups_job")
    hidden = behaviour_pdp.create(state)
    qtbot.addWidget(hidden)
    hidden.set_feature("age")
    # a hidden panel keeps the request (no timer running, nothing started) until it is shown
    assert hidden.when_shown.stale and not hidden.when_shown.timer.isActive()
    assert pdp_threads == []
    shown(qtbot, hidden)
    qtbot.waitUntil(lambda: hidden.result is not None and hidden.result.complete, timeout=TIMEOUT)
    assert pdp_threads == [False]  # the generator ran in a worker thread
    decision_panel = shown(qtbot, behaviour_decision.create(state))
    curves_panel = shown(qtbot, behaviour_curves.create(state))
    qtbot.waitUntil(lambda: curves_panel.curve_plot.data is not None, timeout=TIMEOUT)
    qtbot.waitUntil(lambda: decision_panel.plot.data is not None, timeout=TIMEOUT)
    idle(qtbot, state, decision_panel.job, curves_panel.job)
    assert lines.threads and not any(lines.threads)
    assert curves.threads and not any(curves.threads)
    before = len(curves.threads)
    for t in (0.3, 0.35, 0.4):  # a moved threshold moves the markers, not the curves
        state.set_threshold(t)
    qtbot.waitUntil(lambda: curves_panel.curve_plot.data.threshold == 0.4, timeout=TIMEOUT)
    idle(qtbot, state, decision_panel.job, curves_panel.job)
    assert len(curves.threads) == before
