"""The docked panels keep O(rows) work off the GUI thread and do none while hidden.

Each heavy function a panel uses is replaced by a spy that records the thread it ran on and
calls the real one; the panels must run it in a worker, only while shown, and once per input
(not once per click or per chunk)."""

from __future__ import annotations

import threading

import numpy as np
import pytest

from app.core.debugging.dependence import dependence, stratified_sample
from app.core.debugging.fairness import group_codes, group_mean_shap
from app.core.workspace import debug as debug_context
from app.ui.panels import (
    debug_dependence,
    debug_fairness,
    debug_slices,
    debug_threshold,
    debug_whatif,
    review_summary,
)
from app.ui.rows_table import MAX_WIDTH, MIN_WIDTH, RowsTable
from tests.ui._debug_state import filled_state

TIMEOUT = 60_000


class Spy:
    """Wraps `module.name`; records for every call whether it ran on the GUI (main) thread."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch, module: object, name: str) -> None:
        self.real = getattr(module, name)
        self.threads: list[bool] = []  # True: ran on the main thread
        monkeypatch.setattr(module, name, self)

    def __call__(self, *args, **kwargs):
        self.threads.append(threading.current_thread() is threading.main_thread())
        return self.real(*args, **kwargs)

    @property
    def calls(self) -> int:
        return len(self.threads)

    @property
    def off_gui_thread(self) -> bool:
        return bool(self.threads) and not any(self.threads)


@pytest.fixture
def state(small_model_path, small_data_path):
    return filled_state(small_model_path, small_data_path)


def shown(qtbot, panel):
    qtbot.addWidget(panel)
    panel.resize(800, 500)
    panel.show()
    qtbot.waitExposed(panel)
    return panel


def settled(qtbot, state, *jobs) -> None:
    workers = state.debug.workers
    qtbot.waitUntil(
        lambda: not workers.busy() and not any(job.pending for job in jobs), timeout=TIMEOUT
    )


def test_evaluation_and_confusion_counts_run_in_workers(qtbot, state, monkeypatch) -> None:
    evaluate = Spy(monkeypatch, debug_context, "_evaluate")
    tally = Spy(monkeypatch, debug_threshold, "_tally")
    panel = shown(qtbot, debug_threshold.create(state))
    settled(qtbot, state, panel.job)
    assert evaluate.calls == 1 and evaluate.off_gui_thread
    assert tally.off_gui_thread and panel.counts is not None
    state.set_threshold(0.3)
    settled(qtbot, state, panel.job)
    assert evaluate.calls == 1  # a new threshold re-judges the rows, it does not re-encode
    assert tally.off_gui_thread
    assert int(panel.counts.sum()) == state.data.n_rows


def test_hidden_panels_do_no_work_until_shown(qtbot, state, monkeypatch) -> None:
    tally = Spy(monkeypatch, debug_threshold, "_tally")
    find = Spy(monkeypatch, debug_slices, "_find")
    report = Spy(monkeypatch, debug_fairness, "_report")
    dots = Spy(monkeypatch, debug_dependence, "dependence")
    ranges = Spy(monkeypatch, debug_whatif, "feature_ranges")
    panels = [
        module.create(state)
        for module in (debug_threshold, debug_slices, debug_fairness, debug_dependence)
    ]
    whatif = debug_whatif.create(state)
    for panel in [*panels, whatif]:
        qtbot.addWidget(panel)  # created, never shown: a dock in a background tab
    panels[3].set_feature("age")
    state.set_threshold(0.4)
    state.select_row(3)
    state.set_visible_rows(np.arange(0, state.data.n_rows, 2))
    qtbot.wait(50)  # let debounce timers run out (nothing may start)
    idle_workers = state.debug.workers
    qtbot.waitUntil(lambda: not idle_workers.busy(), timeout=TIMEOUT)
    assert [s.calls for s in (tally, find, report, dots, ranges)] == [0, 0, 0, 0, 0]
    assert whatif.whatif is None and "Row 3" in whatif.row_label.text()
    # Shown: each catches up once with the latest inputs.
    for panel in [*panels, whatif]:
        shown(qtbot, panel)
    settled(qtbot, state, *(p.job for p in panels))
    qtbot.waitUntil(
        lambda: whatif.result is not None and whatif.ranges is not None, timeout=TIMEOUT
    )
    for spy in (tally, find, report, dots, ranges):
        assert spy.calls == 1 and spy.off_gui_thread
    assert whatif.result.row == 3
    assert panels[3].plot.data.rows.tolist() == state.visible_rows.tolist()


def test_whatif_reads_the_data_ranges_once_per_dataset(qtbot, state, monkeypatch) -> None:
    ranges = Spy(monkeypatch, debug_whatif, "feature_ranges")
    panel = shown(qtbot, debug_whatif.create(state))
    for row in (3, 10, 200):
        state.select_row(row)
        qtbot.waitUntil(
            lambda r=row: panel.result is not None and panel.result.row == r, timeout=TIMEOUT
        )
    settled(qtbot, state)
    assert ranges.calls == 1 and ranges.off_gui_thread
    age = state.data.X[:, state.model.feature_names.index("age")]
    assert panel.whatif.value_range("age") == (np.nanmin(age), np.nanmax(age))
    assert f"{np.nanmax(age):g}" in panel.editors["age"].toolTip()
    warnings = panel.whatif.set_value("age", 10 * np.nanmax(age))
    assert warnings and "extrapolating" in warnings[0]


def test_fairness_group_shap_means_in_a_worker_match_the_core(qtbot, state, monkeypatch) -> None:
    means = Spy(monkeypatch, debug_fairness, "_group_means")
    panel = shown(qtbot, debug_fairness.create(state))
    panel.set_column("sex")
    settled(qtbot, state, panel.job, panel.shap_job)
    assert means.calls >= 1 and means.off_gui_thread
    e = state.explanation
    codes, names = group_codes(state.data.frame["sex"])
    keep = [names.index(g.group) for g in panel.report.groups]
    expected = group_mean_shap(e.values[:, :, 0], codes[e.rows], len(names))[keep]
    got = debug_fairness._group_means(e.values, e.rows, codes, keep, 0)
    assert np.allclose(got, expected, equal_nan=True)
    # Chunks of a new run do not recompute the means; the finished run does.
    calls = means.calls
    state.start_explanation()
    settled(qtbot, state, panel.job, panel.shap_job)
    assert means.calls == calls and "shown when every row is explained" in panel.shap_label.text()


def test_dependence_draws_a_stratified_subsample_and_clicks_still_select(
    qtbot, state, monkeypatch
) -> None:
    monkeypatch.setattr(debug_dependence, "MAX_DOTS", 500)
    dots = Spy(monkeypatch, debug_dependence, "dependence")
    panel = shown(qtbot, debug_dependence.create(state))
    panel.set_feature("age")
    settled(qtbot, state, panel.job)
    data = panel.plot.data
    assert dots.off_gui_thread
    assert data.rows.size == 500 and data.total == state.data.n_rows
    assert panel.note.text() == f"500 of {state.data.n_rows:,} rows drawn"
    values = state.explanation.values[:, :, 0]
    assert np.array_equal(data.shap, values[data.rows, 0])  # dots are real rows
    assert data.shap.min() == values[:, 0].min() and data.shap.max() == values[:, 0].max()
    # A click on a drawn dot selects its row.
    i = int(np.argmax(data.shap))
    vb = panel.plot.plot.getViewBox()
    scene = vb.mapViewToScene(_point(data, i))
    assert panel.plot._row_at(scene) == int(data.rows[i])
    state.select_row(int(data.rows[i]))
    assert panel.plot._ring is not None


def _point(data, i: int):
    from PySide6.QtCore import QPointF

    return QPointF(float(data.x[i]), float(data.shap[i]))


def test_stratified_sample_keeps_shape_and_extremes() -> None:
    values = np.random.default_rng(1).standard_cauchy(100_000)
    picks = stratified_sample(values, 2_000, seed=3)
    assert picks.size == 2_000 and np.all(np.diff(picks) > 0)
    assert values.argmin() in picks and values.argmax() in picks
    assert np.array_equal(picks, stratified_sample(values, 2_000, seed=3))  # seeded
    # One dot per 2% quantile band: the sample's median is the data's median, closely.
    assert abs(np.median(values[picks]) - np.median(values)) < 0.01
    assert stratified_sample(values[:10], 50).tolist() == list(range(10))


def test_dependence_subsample_is_a_subset_of_the_full_data(state) -> None:
    e, model = state.explanation, state.model
    full = dependence("age", e.values, state.data.X, model.features, e.unit)
    cut = dependence("age", e.values, state.data.X, model.features, e.unit, max_points=300)
    assert cut.total == full.rows.size and cut.rows.size == 300 and cut.subsampled
    at = np.searchsorted(full.rows, cut.rows)
    assert np.array_equal(full.rows[at], cut.rows)
    assert np.array_equal(full.x[at], cut.x) and np.array_equal(full.colour[at], cut.colour)
    assert cut.interactions == full.interactions


def test_summary_averages_the_predictions_once(qtbot, state, monkeypatch) -> None:
    class Counting(np.ndarray):
        means = 0

        def mean(self, *args, **kwargs):
            Counting.means += 1
            return np.asarray(self).mean(*args, **kwargs)

    predictions = state.predictions().view(Counting)
    monkeypatch.setattr(state, "predictions", lambda: predictions)
    panel = review_summary.create(state)
    qtbot.addWidget(panel)
    for row in (1, 2, 3, 4):
        state.select_row(row)
        assert panel.summary is not None
    assert Counting.means == 1


def test_table_widths_come_from_a_sample_of_rows(qtbot, state, monkeypatch) -> None:
    from app.ui import rows_table

    asked: set[int] = set()
    real = rows_table.Column.value

    def value(column, row: int):
        asked.add(row)
        return real(column, row)

    monkeypatch.setattr(rows_table.Column, "value", value)
    table = RowsTable(state)
    qtbot.addWidget(table)
    table.rows_model.rebuild()
    assert asked and max(asked) < rows_table.SIZE_SAMPLE_ROWS
    header = table.horizontalHeader().fontMetrics()
    for c, column in enumerate(table.rows_model.columns):
        width = table.columnWidth(c)
        assert MIN_WIDTH <= width <= MAX_WIDTH
        assert width >= min(header.horizontalAdvance(column.header), MAX_WIDTH)


def test_cache_toggle_in_the_view_menu(qtbot, monkeypatch) -> None:
    from PySide6.QtGui import QAction

    from app.ui.actions import CACHE_ACTION
    from app.ui.main_window import MainWindow

    monkeypatch.delenv("SHAPLENS_NO_CACHE")
    window = MainWindow()
    qtbot.addWidget(window)
    action = window.findChild(QAction, CACHE_ACTION)
    assert action.isEnabled() and action.isChecked() == window.controller.cache_enabled
    before = window.controller.cache_enabled
    action.trigger()
    assert window.controller.cache_enabled is (not before) and action.isChecked() is (not before)
    action.trigger()
    assert window.controller.cache_enabled is before
    monkeypatch.setenv("SHAPLENS_NO_CACHE", "1")
    other = MainWindow()
    qtbot.addWidget(other)
    disabled = other.findChild(QAction, CACHE_ACTION)
    assert not disabled.isEnabled() and not disabled.isChecked()
    qtbot.waitUntil(lambda: not window.workers.busy() and not other.workers.busy(), timeout=TIMEOUT)


def test_compare_finds_neighbours_in_a_worker(qtbot, state, monkeypatch) -> None:
    from app.ui.panels import debug_compare

    nearest = Spy(monkeypatch, debug_compare, "_nearest")
    panel = shown(qtbot, debug_compare.create(state))
    ev = state.debug.evaluation()
    wrong = int(np.flatnonzero(ev.misclassified)[0])
    state.select_row(wrong)
    panel.find_neighbours()
    assert panel.neighbours.count() == 0  # nothing computed on the GUI thread
    qtbot.waitUntil(lambda: panel.neighbours.count() == 10, timeout=TIMEOUT)
    settled(qtbot, state)
    assert nearest.calls == 1 and nearest.off_gui_thread
    b = panel.row_b.value()
    assert ev.correct[b] and ev.y_true[b] == ev.y_true[wrong]


def test_a_dragged_threshold_refilters_and_rebuilds_the_table_once(qtbot, state) -> None:
    context = state.debug
    context.set_filter(preset="misclassified")
    table = RowsTable(state)
    qtbot.addWidget(table)
    table.rows_model.rebuild()  # as the window does when the data loads
    filtered, resets = [], []
    state.visible_rows_changed.connect(lambda: filtered.append(1))
    table.rows_model.modelReset.connect(lambda: resets.append(1))
    for t in (0.31, 0.32, 0.33, 0.34):  # slider steps
        state.set_threshold(t)
    assert filtered == [] and resets == []  # nothing O(rows) per step
    ev = context.evaluation()
    expected = np.flatnonzero(ev.misclassified)
    qtbot.waitUntil(lambda: len(filtered) == 1 and len(resets) == 2, timeout=TIMEOUT)
    assert np.array_equal(state.visible_rows, expected) and ev.threshold == 0.34
    p = state.predictions()[:, 0]
    assert np.array_equal(table.rows_model.columns[2].values, (p >= 0.34).astype(np.int64))
    qtbot.wait(150)  # no second round comes later
    assert len(filtered) == 1 and len(resets) == 2  # the new filter, the new class column
