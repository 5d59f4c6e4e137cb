"""Every finished feature through the real main window: all panels docked and following a row
and a filter, sessions, the report, the memory guard, dataset options, palette and settings."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from PySide6.QtWidgets import QTabBar

from app.core.base.memory import MemoryEstimate
from app.ui.main_window import MainWindow
from app.ui.panels import DEFAULT_VISIBLE, PANEL_MODULES
from app.workers import Workers
from tests.ui._hardening import TIMEOUT, open_and_wait


@pytest.fixture
def window(qtbot) -> MainWindow:
    w = MainWindow()
    qtbot.addWidget(w)
    w.resize(1600, 1000)
    yield w
    w.close()


def quiet(qtbot) -> None:
    qtbot.waitUntil(lambda: Workers.live_count() == 0, timeout=TIMEOUT)


def panel(window: MainWindow, name: str):
    return window.dock_set.by_module[f"app.ui.panels.{name}"].widget()


def test_every_panel_is_docked_with_a_default_set_visible(qtbot, window) -> None:
    window.show()
    qtbot.waitExposed(window)
    docks = window.dock_set
    assert docks.failed == []
    assert list(docks.by_module) == PANEL_MODULES
    visible = {name for name, dock in docks.by_module.items() if dock.isVisible()}
    assert visible == DEFAULT_VISIBLE
    # The filter bar sits above the views; the other groups are tab stacks below, side by side.
    top = window.dockWidgetArea(docks.by_module["app.ui.panels.debug_filter"])
    assert top.name == "TopDockWidgetArea"
    slices = docks.by_module["app.ui.panels.debug_slices"]
    summary = docks.by_module["app.ui.panels.review_summary"]
    assert summary not in window.tabifiedDockWidgets(slices)
    assert summary.geometry().left() > slices.geometry().right()
    # View > Panels lists every panel; hidden ones are one click away.
    toggles = [a for a in window.menu_actions.panels_menu.actions() if a.isCheckable()]
    assert len(toggles) == len(PANEL_MODULES)
    fairness = docks.by_module["app.ui.panels.debug_fairness"]
    fairness.toggleViewAction().trigger()
    assert fairness.isVisible()
    window.reset_layout()
    assert not fairness.isVisible() and summary.isVisible()


def stray_tab_bars(window: MainWindow) -> list[list[str]]:
    """Dock tab bars drawn inside the window whose tabs are not all visible, tabbed docks."""
    visible = {d.windowTitle() for d in window.dock_set.docks if d.isVisible()}
    stray = []
    for bar in window.findChildren(QTabBar):
        if bar.parent() is not window or not bar.isVisible():
            continue
        if not bar.geometry().intersects(window.rect()):
            continue  # Qt parks the tab bars it no longer uses outside the window
        titles = [bar.tabText(i) for i in range(bar.count())]
        if len(titles) < 2 or not set(titles) <= visible:
            stray.append(titles)
    return stray


def test_no_stray_dock_tab_bar_is_drawn_over_the_panels(qtbot, window) -> None:
    """Hiding the non-default panels after tabifying them left Qt's tab bar of the review group
    ('Summary | Bookmarks') drawn over the error slices table (seen in a rendered window)."""
    window.show()
    qtbot.waitExposed(window)
    assert stray_tab_bars(window) == []
    window.dock_set.show_all()
    qtbot.waitUntil(lambda: stray_tab_bars(window) == [], timeout=TIMEOUT)
    window.dock_set.show_defaults()
    qtbot.waitUntil(lambda: stray_tab_bars(window) == [], timeout=TIMEOUT)
    window.reset_layout()
    qtbot.waitUntil(lambda: stray_tab_bars(window) == [], timeout=TIMEOUT)


def test_panels_follow_a_row_and_a_filter(qtbot, window, small_model_path, small_data_path):
    window.show()
    open_and_wait(qtbot, window, small_model_path, small_data_path)
    window.dock_set.show_all()
    state = window.state
    state.select_row(7)
    qtbot.waitUntil(lambda: "7" in panel(window, "review_summary").heading.text(), timeout=TIMEOUT)
    assert panel(window, "debug_compare").row_a.value() == 7
    qtbot.waitUntil(lambda: "7" in panel(window, "debug_whatif").row_label.text(), timeout=TIMEOUT)

    bar = panel(window, "debug_filter")
    bar.expression.setText("age > 40")
    bar.apply_expression()
    ages = state.data.frame["age"].to_numpy()
    assert np.array_equal(state.visible_rows, np.flatnonzero(ages > 40))
    assert window.table.rows_model.rowCount() == state.visible_rows.size
    # Rows outside the filter are no longer selectable through the table; a visible one is.
    first = int(state.visible_rows[0])
    window.table.selectRow(window.table.rows_model.table_row(first))
    assert state.selected_row == first
    qtbot.waitUntil(
        lambda: f"{first}" in panel(window, "review_summary").heading.text(), timeout=TIMEOUT
    )
    quiet(qtbot)


def test_session_round_trip_restores_files_settings_filter_and_bookmarks(
    qtbot, window, small_model_path, small_data_path, tmp_path
) -> None:

    model, data = tmp_path / "model.txt", tmp_path / "data.parquet"
    shutil.copy(small_model_path, model)
    shutil.copy(small_data_path, data)
    open_and_wait(qtbot, window, model, data)
    state = window.state
    state.set_threshold(0.3)
    context = state.debug
    context.cohorts.add("older", "age > 50")
    context.set_filter(expression="hours_per_week >= 40")
    state.review.bookmarks.add(12, tag="odd", note="check this")
    saved = window.sessions.save_session(tmp_path / "review")
    assert saved is not None and saved.name == "review.shaplens.json"
    qtbot.waitUntil(lambda: saved in window.settings.recent_files(), timeout=TIMEOUT)

    # The data file changes afterwards: the session still opens and says so.
    frame = pd.read_parquet(data)
    frame.iloc[:2_000].to_parquet(data)
    other = MainWindow()
    qtbot.addWidget(other)
    with qtbot.waitSignal(other.state.explanation_finished, timeout=TIMEOUT):
        other.sessions.open_session(saved)
    restored = other.state
    assert restored.model_path == model.resolve() or restored.model_path == model
    assert restored.data.n_rows == 2_000
    assert restored.threshold == pytest.approx(0.3)
    other_context = restored.debug
    assert other_context.expression == "hours_per_week >= 40"
    assert "older" in other_context.cohorts.names()
    hours = restored.data.frame["hours_per_week"].to_numpy()
    assert np.array_equal(restored.visible_rows, np.flatnonzero(hours >= 40))
    marks = list(restored.review.bookmarks)
    assert [(b.row, b.tag, b.note) for b in marks] == [(12, "odd", "check this")]
    text = other.message_bar.text()
    assert "changed since the session was saved" in text and "data.parquet" in text
    quiet(qtbot)
    other.close()


@pytest.mark.parametrize("suffix", [".html", ".pdf"])
def test_report_export_draws_figures_and_lists_chosen_rows(
    qtbot, window, small_model_path, small_data_path, tmp_path, suffix
) -> None:

    open_and_wait(qtbot, window, small_model_path, small_data_path)
    window.state.review.bookmarks.add(5, note="bookmarked")
    window.state.select_row(9)
    assert window.exporter.report_rows() == [5, 9]
    path = tmp_path / f"report{suffix}"
    job = window.exporter.export_report(path)
    assert job is not None
    with qtbot.waitSignal(job.finished, timeout=TIMEOUT) as blocker:
        pass
    assert blocker.args == [path]
    figures = list(job.report.figures())
    assert len(figures) >= 4 and len(job.images) == len(figures)  # importance, beeswarm, 2 rows
    assert all(isinstance(png, bytes) and png.startswith(b"\x89PNG") for png in job.images)
    from app.core.review.report_html import render_html

    html = render_html(job.report, job.images)
    assert html.count('<img src="data:image/png;base64,iVBOR') == len(figures)
    assert "bookmarked" in html
    written = path.read_bytes()
    if suffix == ".pdf":
        assert written.startswith(b"%PDF") and len(written) > 20_000
    else:
        assert written.decode("utf-8") == html
    quiet(qtbot)


def test_memory_guard_explains_a_random_sample_or_nothing(
    qtbot, window, small_model_path, small_data_path
) -> None:
    asked: list[int] = []

    def tight(n_rows: int, n_features: int, n_outputs: int) -> MemoryEstimate:
        # Needs four times what is available at 80 % headroom: a fifth of the rows fit.
        return MemoryEstimate(4_000_000, 1_000_000, f"Explaining {n_rows:,} rows")

    window.controller.estimate = tight
    window.controller.ask_sample = lambda estimate, fit: asked.append(fit) or True
    open_and_wait(qtbot, window, small_model_path, small_data_path)
    state = window.state
    assert asked == [500]  # 2,500 rows * 0.8 / 4
    explanation = state.explanation
    assert explanation is not None and not explanation.complete
    assert explanation.n_rows == 500 == state.rows_explained()
    assert np.all(np.diff(explanation.rows) > 0) and explanation.rows[-1] < state.data.n_rows
    # The sample's values are the model's own: they add up to its raw output.
    raw = state.model.predict_raw(state.data.X[explanation.rows])
    total = explanation.values.sum(axis=1, dtype=np.float64) + explanation.base_values
    assert np.allclose(total, raw, atol=1e-4)

    window.controller.ask_sample = lambda estimate, fit: False
    window.controller.start_computation()
    assert not window.workers.is_running("explain")
    quiet(qtbot)


def test_dataset_options_and_excel_sheet_choice(
    qtbot, window, monkeypatch, small_model_path, small_data_path, tmp_path
) -> None:
    from app.ui import dialogs

    frame = pd.read_parquet(small_data_path).iloc[:300]
    csv = tmp_path / "semicolons.txt.csv"
    frame.to_csv(csv, sep=";", index=False, encoding="latin-1")
    with qtbot.waitSignal(window.state.model_changed, timeout=TIMEOUT):
        window.controller.open(small_model_path)
    with qtbot.waitSignal(window.state.data_changed, timeout=TIMEOUT):
        window.files.open_data(csv, {"delimiter": ";", "encoding": "latin-1"})
    quiet(qtbot)
    assert window.state.data.n_rows == 300

    book = tmp_path / "two_sheets.xlsx"
    with pd.ExcelWriter(book) as writer:
        frame.iloc[:50].to_excel(writer, sheet_name="first", index=False)
        frame.iloc[50:170].to_excel(writer, sheet_name="second", index=False)
    asked = []
    monkeypatch.setattr(
        dialogs, "ask_sheet", lambda parent, path, sheets: asked.append(sheets) or "second"
    )
    with qtbot.waitSignal(window.state.data_changed, timeout=TIMEOUT):
        window.files.open_paths([book])
    assert asked == [["first", "second"]]
    assert window.state.data.n_rows == 120
    quiet(qtbot)


def test_palette_is_remembered_and_settings_stay_out_of_the_home_folder(qtbot) -> None:
    from app.plots import style

    first = MainWindow()
    qtbot.addWidget(first)
    assert not Path(first.settings.file_name()).is_relative_to(Path.home() / ".config")
    try:
        first.menu_actions.colour_blind.trigger()
        assert style.palette().name == "colour-blind"
        first.close()
        style.set_palette("shap")
        second = MainWindow()
        qtbot.addWidget(second)
        assert style.palette().name == "colour-blind"
        assert second.menu_actions.colour_blind.isChecked()
        second.close()
    finally:
        style.set_palette("shap")


def test_approximate_explainer_shows_a_badge(qtbot, window, small_model_path) -> None:
    with qtbot.waitSignal(window.state.model_changed, timeout=TIMEOUT):
        window.controller.open(small_model_path)
    assert window.exact_badge.isHidden()
    model = window.state.model
    model.info.exact = False
    model.info.extra["background_rows"] = 100
    window.state.model_changed.emit()
    assert not window.exact_badge.isHidden()
    assert window.exact_badge.text() == "approximate (background 100 rows)"
    assert window.plots.tabText(0).endswith("(approximate)")
    assert "approximate (background 100 rows)" in window.exporter.caption().extra
    quiet(qtbot)


def test_explained_dataset_folder_that_is_not_one_says_why(qtbot, window, tmp_path) -> None:
    (tmp_path / "values").mkdir()
    view = window.files.open_explained_dataset(tmp_path / "values")
    with qtbot.waitSignal(view.failed, timeout=TIMEOUT) as blocker:
        pass
    assert "not a complete explained dataset" in blocker.args[0]
    assert "not a complete explained dataset" in view.info.text()
    view.close()
    quiet(qtbot)


def test_explained_dataset_shows_importance_and_pages_rows(
    qtbot, window, small_model_path, small_data_path, tmp_path
) -> None:
    distributed = pytest.importorskip("distributed")
    from app.core.explain.distributed.dask_explain import explain_dask, plan_run

    frame = pd.read_parquet(small_data_path).iloc[:600]
    (tmp_path / "data").mkdir()
    frame.to_parquet(tmp_path / "data" / "part0.parquet", row_group_size=200)
    plan = plan_run(small_model_path, tmp_path / "data", tmp_path / "values")
    with distributed.Client(
        processes=False, n_workers=1, threads_per_worker=1, dashboard_address=None
    ) as client:
        out = explain_dask(client, plan)
    view = window.files.open_explained_dataset(out)
    with qtbot.waitSignal(view.page_shown, timeout=TIMEOUT):
        pass
    assert view.store is not None and view.store.n_rows == 600
    assert "600 rows" in view.info.text()
    shown = view.importance.data
    assert shown.rows_covered == 600 and len(shown.features) == len(view.store.feature_names)
    assert np.all(np.diff(shown.mean_abs) <= 0)  # most important first
    view.grab().save(str(tmp_path / "explained.png"))
    assert view.table.rowCount() == 200
    with qtbot.waitSignal(view.page_shown, timeout=TIMEOUT) as blocker:
        view.page.setValue(3)
    assert blocker.args == [2] and view.page_frame.index[0] == 400
    # The page's SHAP values are the stored ones for those rows.
    column = view.page_frame.columns[-1]
    stored = view.store.read_rows(400, 600, [column])[column].to_numpy()
    assert np.array_equal(view.page_frame[column].to_numpy(), stored)
    view.close()
    quiet(qtbot)
