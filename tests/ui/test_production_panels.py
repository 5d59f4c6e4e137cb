"""Production dialogs and panels with pytest-qt: compare with model, compare with data, the
overview and latency panels (offscreen, real computation on small slices)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from app.core.data.align import align
from app.core.data.model_io import load_model
from app.core.explain.chunked import explain_all, iter_explanation
from app.ui.dialogs_compare import CompareDataDialog, CompareModelsDialog
from app.ui.state import AppState
from app.workers import Workers
from tests.core.test_compare_models import train_small_model
from tests.ui._debug_state import file_chunk

TIMEOUT = 120_000  # generous for a busy machine; waits end as soon as the signal arrives
ROWS = 1_200


@pytest.fixture(scope="module")
def frame(sample_data_path) -> pd.DataFrame:
    return pd.read_parquet(sample_data_path).iloc[:ROWS].reset_index(drop=True)


@pytest.fixture
def state(qtbot, small_model_path, frame) -> AppState:
    s = AppState()
    model = load_model(small_model_path)
    data = align(model, frame)
    s.set_inputs(model, small_model_path, data, Path("adult_small.parquet"))
    return s


@pytest.fixture
def workers(qtbot) -> Workers:
    w = Workers()
    yield w
    w.cancel_all()


def test_compare_models_dialog_shows_flips_and_selects_a_row(
    qtbot, state, workers, sample_data_path, tmp_path, tmp_path_factory
) -> None:
    other = train_small_model(sample_data_path, tmp_path / "b.txt", seed=3, rounds=10)
    dialog = CompareModelsDialog(state, workers)
    qtbot.addWidget(dialog)
    dialog.show()
    dialog.set_path(other)
    dialog.group_combo.setCurrentText("sex")
    with qtbot.waitSignal(dialog.finished_computing, timeout=TIMEOUT):
        dialog.run()
    result = dialog.result
    assert result is not None and result.flipped_rows.size > 0
    assert dialog.metrics_table.rowCount() == 4  # accuracy, AUC, log-loss, Brier
    assert dialog.flips_table.rowCount() == min(result.flipped_rows.size, 500)
    assert {dialog.groups_table.item(r, 0).text() for r in range(2)} == {"Male", "Female"}
    assert dialog.features_table.rowCount() == 13
    # Double-clicking a flipped row selects that dataset row in the main window's state.
    with qtbot.waitSignal(state.row_selected, timeout=5_000) as blocker:
        dialog.flips_table.cellDoubleClicked.emit(0, 0)
    assert blocker.args[0] in set(result.flipped_rows.tolist())
    dialog.resize(1000, 700)
    image = dialog.grab().toImage()
    assert image.width() > 500
    dialog.grab().save(str(tmp_path_factory.getbasetemp() / "compare_models.png"))


def test_compare_models_dialog_shows_latency_and_both_waterfalls_for_a_flipped_row(
    qtbot, state, workers, sample_data_path, tmp_path, tmp_path_factory
) -> None:
    other_path = train_small_model(sample_data_path, tmp_path / "b.txt", seed=5, rounds=12)
    dialog = CompareModelsDialog(state, workers)
    qtbot.addWidget(dialog)
    dialog.show()
    dialog.set_path(other_path)
    with qtbot.waitSignal(dialog.finished_computing, timeout=TIMEOUT):
        dialog.run()
    result = dialog.result
    assert result is not None and result.flipped_rows.size > 0
    # Latency: p50 / p90 / p99 / max for A and B, in the table as computed.
    assert [dialog.latency_table.item(r, 0).text() for r in range(4)] == [
        "p50",
        "p90",
        "p99",
        "max",
    ]
    for column, summary in ((1, result.latency_a), (2, result.latency_b)):
        shown = [float(dialog.latency_table.item(r, column).data(0x0100)) for r in range(4)]
        assert shown == sorted(shown) and shown[0] > 0
        assert shown[3] == pytest.approx(summary.max)
    assert dialog.waterfall_a.data is None  # nothing selected yet
    dialog.flips_table.selectRow(2)
    row = int(dialog.flips_table.item(2, 0).data(0x0100))
    assert row in set(result.flipped_rows.tolist())
    wf_a, wf_b = dialog.waterfall_a.data, dialog.waterfall_b.data
    assert wf_a is not None and wf_b is not None and wf_a.row == wf_b.row == row
    other = load_model(other_path)
    for model, wf in ((state.model, wf_a), (other, wf_b)):
        raw = model.predict_raw(align(model, state.data.frame.iloc[[row]]).X)[0, 0]
        assert wf.output_value == pytest.approx(raw, abs=1e-4)
    assert [s.feature for s in wf_a.steps] == [s.feature for s in wf_b.steps]
    assert wf_a.prediction_text != wf_b.prediction_text  # the class flipped
    assert f"Row {row}" in dialog.waterfall_b.title.text()
    dialog.resize(1300, 800)
    dialog.grab().save(str(tmp_path_factory.getbasetemp() / "compare_models_row.png"))


def test_compare_models_dialog_reports_a_bad_file(qtbot, state, workers, tmp_path) -> None:
    bogus = tmp_path / "m.txt"
    bogus.write_text("not a model\n")
    dialog = CompareModelsDialog(state, workers)
    qtbot.addWidget(dialog)
    dialog.set_path(bogus)
    with qtbot.waitSignal(dialog.failed, timeout=TIMEOUT) as blocker:
        dialog.run()
    assert "m.txt" in blocker.args[0]
    assert dialog.run_button.isEnabled()


def test_compare_data_dialog_ranks_the_shifted_feature_first(
    qtbot, state, workers, frame, tmp_path, tmp_path_factory
) -> None:
    current = frame.copy()
    current["age"] = current["age"] + frame["age"].std()
    path = tmp_path / "current.parquet"
    current.to_parquet(path)
    dialog = CompareDataDialog(state, workers)
    qtbot.addWidget(dialog)
    dialog.show()
    dialog.set_path(path)
    with qtbot.waitSignal(dialog.finished_computing, timeout=TIMEOUT):
        dialog.run()
    assert dialog.table.item(0, 0).text() == "age"
    assert float(dialog.table.item(0, 1).data(0x0100)) > 0.25  # UserRole holds the PSI
    assert "age" in dialog.overlay.title.text()
    assert len(dialog.overlay.plot.listDataItems()) == 2  # reference and current bars
    # Choosing another feature redraws the overlay for it.
    dialog.table.setCurrentCell(3, 0)
    assert dialog.table.item(3, 0).text() in dialog.overlay.title.text()
    dialog.resize(1000, 700)
    dialog.grab().save(str(tmp_path_factory.getbasetemp() / "compare_data_cat.png"))
    dialog.table.setCurrentCell(0, 0)
    dialog.grab().save(str(tmp_path_factory.getbasetemp() / "compare_data.png"))


def test_compare_dialog_needs_loaded_inputs(qtbot, workers) -> None:
    dialog = CompareDataDialog(AppState(), workers)
    qtbot.addWidget(dialog)
    with qtbot.waitSignal(dialog.failed, timeout=5_000) as blocker:
        dialog.run()
    assert "Open a model" in blocker.args[0]


def test_closing_a_dialog_cancels_its_job(qtbot, state, workers, frame, tmp_path) -> None:
    path = tmp_path / "current.parquet"
    frame.to_parquet(path)
    dialog = CompareDataDialog(state, workers)
    qtbot.addWidget(dialog)
    dialog.set_path(path)
    dialog.run()
    assert workers.is_running("compare-data")
    dialog.reject()
    assert not workers.is_running("compare-data")
    assert dialog.result is None
    qtbot.waitUntil(lambda: not workers.busy(), timeout=TIMEOUT)
    assert dialog.result is None  # the late result was dropped


def test_histogram_overlay_colours_differ(qtbot) -> None:
    from app.ui.panels.production_plots import HistogramPlot

    plot = HistogramPlot()
    qtbot.addWidget(plot)
    plot.resize(400, 300)
    edges = np.linspace(0, 1, 11)
    plot.set_data(edges, [("reference", np.full(10, 0.1)), ("current", np.full(10, 0.05))])
    plot.show()
    qtbot.waitExposed(plot)
    image = plot.grab().toImage()
    colours = {image.pixelColor(x, y).name() for x in range(0, 400, 7) for y in range(0, 300, 7)}
    assert len(colours) > 3  # background, axes and two bar colours at least


def test_overview_panel_fills_from_the_model(qtbot, state, workers, tmp_path_factory) -> None:
    from app.ui.panels.production_overview import OverviewPanel

    panel = OverviewPanel(state, workers)
    qtbot.addWidget(panel)
    qtbot.waitUntil(lambda: panel.overview is not None, timeout=TIMEOUT)
    assert panel.table.rowCount() == len(state.model.features)
    facts = {}
    for i in range(panel.facts.rowCount()):
        label = panel.facts.itemAt(i, panel.facts.ItemRole.LabelRole)
        field = panel.facts.itemAt(i, panel.facts.ItemRole.FieldRole)
        if label is not None and field is not None:  # section headers span both columns
            facts[label.widget().text()] = field.widget().text()
    assert facts["Framework:"] == "LightGBM"
    assert facts["Trees:"].startswith(f"{state.model.info.n_trees:,}")
    splits = [panel.table.item(r, 2).data(0x0100) for r in range(panel.table.rowCount())]
    assert sum(splits) == state.model.booster.feature_importance("split").sum()
    # Once the explanation completes, mean |SHAP| fills in from it (no recomputation).
    expected = explain_all(state.model, state.data.X)
    state.start_explanation()
    generator = iter_explanation(state.model, state.data.X)
    try:
        while True:
            file_chunk(state, next(generator))
    except StopIteration as finished:
        state.finish_explanation(finished.value)
    mean_abs = np.abs(expected.values).mean(axis=0)[:, 0]
    shown = {panel.table.item(r, 0).text(): panel.table.item(r, 4).data(0x0100)
             for r in range(panel.table.rowCount())}  # fmt: skip
    for j, name in enumerate(state.model.feature_names):
        assert shown[name] == pytest.approx(mean_abs[j], rel=1e-4)
    panel.resize(900, 420)
    panel.grab().save(str(tmp_path_factory.getbasetemp() / "overview.png"))


def test_overview_panel_on_a_hidden_tab_fills_in_when_shown(qtbot, state, workers) -> None:
    """Issue 14: building the overview cost the GUI thread ~20 ms as a run ended, for a dock
    nobody had open; hidden, it waits for its showEvent."""
    from PySide6.QtWidgets import QLabel, QTabWidget

    from app.ui.panels.production_overview import OverviewPanel

    tabs = QTabWidget()
    qtbot.addWidget(tabs)
    tabs.addTab(QLabel("front"), "front")
    panel = OverviewPanel(state, workers)
    tabs.addTab(panel, "overview")
    tabs.show()
    qtbot.waitExposed(tabs)
    qtbot.waitUntil(lambda: panel.overview is not None, timeout=TIMEOUT)
    assert panel.table.rowCount() == 0 and panel.facts.rowCount() == 0
    tabs.setCurrentWidget(panel)
    qtbot.waitUntil(lambda: panel.table.rowCount() == len(state.model.features), timeout=TIMEOUT)
    assert panel.facts.rowCount() > 3


def test_latency_panel_measures_and_draws(qtbot, state, workers, tmp_path_factory) -> None:
    from app.ui.panels.production_latency import LatencyPanel

    panel = LatencyPanel(state, workers)
    qtbot.addWidget(panel)
    panel.seconds.setValue(2.0)
    panel.budget.setText("p99 < 10 s")
    with qtbot.waitSignal(workers.job_finished, timeout=TIMEOUT):
        panel.run()
    qtbot.waitUntil(lambda: panel.report is not None, timeout=TIMEOUT)
    report = panel.report
    assert report.predict_one.calls > 0 and report.budget_met is True
    assert (
        "Budget p99 &lt; 10 s" in panel.summary.text()
        or "Budget p99 < 10 s" in panel.summary.text()
    )
    assert len(panel.histogram.plot.listDataItems()) == 1
    assert len(panel.curve.plot.listDataItems()) >= 1
    assert panel.run_button.isEnabled() and not panel.cancel_button.isEnabled()
    panel.resize(1100, 420)
    panel.grab().save(str(tmp_path_factory.getbasetemp() / "latency.png"))


def test_latency_panel_rejects_a_bad_budget_without_running(qtbot, state, workers) -> None:
    from app.ui.panels.production_latency import LatencyPanel

    panel = LatencyPanel(state, workers)
    qtbot.addWidget(panel)
    panel.budget.setText("soon")
    panel.run()
    assert "p99 &lt; 20 ms" in panel.summary.text() or "p99 < 20 ms" in panel.summary.text()
    assert not workers.is_running("production-latency")


def test_latency_panel_cancel(qtbot, state, workers) -> None:
    from app.ui.panels.production_latency import LatencyPanel

    panel = LatencyPanel(state, workers)
    qtbot.addWidget(panel)
    panel.seconds.setValue(60.0)
    panel.run()
    assert workers.is_running("production-latency")
    panel.cancel()
    assert not workers.is_running("production-latency") and panel.run_button.isEnabled()
    qtbot.waitUntil(lambda: not workers.busy(), timeout=TIMEOUT)  # it stops at the next yield
    assert panel.report is None


def test_docked_panels_use_the_windows_workers(qtbot) -> None:
    from PySide6.QtWidgets import QDockWidget

    from app.ui.main_window import MainWindow
    from app.ui.panels import production_latency, production_overview

    window = MainWindow()
    qtbot.addWidget(window)
    for module in (production_overview, production_latency):
        panel = module.create(window.state)
        dock = QDockWidget(module.TITLE, window)
        dock.setWidget(panel)
        assert panel.workers is window.workers
    window.close()
