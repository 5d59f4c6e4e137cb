"""The Interactions view and the row's top pairs against a real AppState and the real engine:
the summary is computed in the background once shown, a click on a cell opens that pair's
dependence plot, a click on a dot there selects the row, the row list follows the selection
with the engine's numbers, and cancel stops the run."""

from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtCore import QPointF, Qt

from app.core.explain.interaction_views import top_pairs
from app.core.explain.interactions import all_interactions, row_interactions
from app.plots import style
from app.ui.panels import interactions
from app.ui.panels import row_interactions as row_panel
from tests.ui._debug_state import filled_state

TIMEOUT = 60_000
ROWS = 400


@pytest.fixture
def state(small_model_path, small_data_path):
    return filled_state(small_model_path, small_data_path, rows=ROWS)


def shown(qtbot, panel, width: int = 900, height: int = 600):
    qtbot.addWidget(panel)
    panel.resize(width, height)
    panel.show()
    qtbot.waitExposed(panel)
    return panel


def summarised(qtbot, state):
    context = state.interactions
    panel = interactions.create(state)
    progress: list[float] = []
    context.progress_changed.connect(progress.append)
    shown(qtbot, panel)  # on screen: the summary starts by itself
    qtbot.waitUntil(lambda: context.summary is not None, timeout=TIMEOUT)
    qtbot.waitUntil(lambda: not context.workers.busy(), timeout=TIMEOUT)
    assert progress and progress[-1] == pytest.approx(1.0)
    return panel, context


def click(qtbot, plot, scene_pos: QPointF) -> None:
    pos = plot.view.mapFromScene(scene_pos)
    qtbot.mouseClick(plot.view.viewport(), Qt.MouseButton.LeftButton, pos=pos)


def test_heatmap_holds_the_exact_mean_interactions(qtbot, state) -> None:
    panel, _ = summarised(qtbot, state)
    d = panel.heatmap.data
    assert panel.heat_page.currentWidget() is panel.heatmap
    exact = np.abs(all_interactions(state.model, state.data.X)).mean(axis=0)[:, :, 0]
    i, j = int(d.index[0]), int(d.index[1])
    assert d.pairs[0, 1] == pytest.approx(exact[i, j] + exact[j, i], rel=1e-5)
    assert d.main[0] == pytest.approx(exact[i, i], rel=1e-5)
    # Importance order: the most important feature by mean |SHAP| first.
    assert d.features[0] == state.model.feature_names[int(np.argmax(state.mean_abs()[:, 0]))]
    assert f"{ROWS:,} rows" in panel.heatmap.title.text()
    # Hovering a cell names the pair and gives its number.
    tip = panel.heatmap._tooltip(1.0, float(panel.heatmap.shown - 1))  # row 1, column 2
    assert tip.startswith(f"{d.features[0]} × {d.features[1]}")
    assert f"= {style.format_plain(d.pairs[0, 1])} (log-odds)" in tip


def test_click_on_a_cell_opens_the_pairs_plot_and_a_dot_selects_its_row(qtbot, state) -> None:
    panel, _ = summarised(qtbot, state)
    heat = panel.heatmap
    d = heat.data
    names = state.model.feature_names
    with qtbot.waitSignal(heat.pair_clicked, timeout=5000) as blocker:
        click(qtbot, heat, heat.cell_centre(2, 0))  # row 3's feature with column 1's
    i, j = int(d.index[2]), int(d.index[0])
    assert blocker.args == [i, j]
    assert panel.pages.currentIndex() == interactions.PAIR
    qtbot.waitUntil(lambda: panel.pair_plot.data is not None, timeout=TIMEOUT)
    qtbot.waitUntil(lambda: not panel.workers.busy(), timeout=TIMEOUT)
    dots = panel.pair_plot.data
    assert dots.feature == names[i] and dots.colour_feature == names[j]
    exact = all_interactions(state.model, state.data.X, dots.rows)
    assert np.allclose(dots.shap, exact[:, i, j, 0] + exact[:, j, i, 0], atol=1e-5)

    # A dot picks its row, as in the dependence panel.
    plot = panel.pair_plot
    k = int(np.argmax(dots.shap))  # the top dot
    x, y = plot._xy()
    scene = plot.plot.getViewBox().mapViewToScene(QPointF(float(x[k]), float(y[k])))
    with qtbot.waitSignal(state.row_selected, timeout=5000) as picked:
        click(qtbot, plot, scene)
    row = picked.args[0]
    assert state.selected_row == row
    assert dots.shap[dots.rows == row][0] == pytest.approx(dots.shap[k], abs=0.02)

    panel.back_button.click()
    assert panel.pages.currentIndex() == interactions.HEATMAP and panel.pair is None


def test_the_main_effect_strip_opens_a_main_effect_plot(qtbot, state) -> None:
    panel, _ = summarised(qtbot, state)
    heat = panel.heatmap
    with qtbot.waitSignal(heat.pair_clicked, timeout=5000) as blocker:
        click(qtbot, heat, heat.cell_centre(1, None))
    i = int(heat.data.index[1])
    assert blocker.args == [i, i]
    qtbot.waitUntil(lambda: panel.pair_plot.data is not None, timeout=TIMEOUT)
    qtbot.waitUntil(lambda: not panel.workers.busy(), timeout=TIMEOUT)
    assert "main effect" in panel.pair_plot.title.text()


def test_top_pairs_follow_the_selection_with_the_engines_numbers(qtbot, state) -> None:
    panel = shown(qtbot, row_panel.create(state), 420, 300)
    names = list(state.model.feature_names)
    for row in (3, 17):
        state.select_row(row)
        qtbot.waitUntil(lambda row=row: panel.row == row, timeout=TIMEOUT)
        m = row_interactions(state.model, state.data.X, row)
        expected = top_pairs(m, names)
        assert panel.pairs == expected and len(expected) == 5
        first = expected[0]
        i, j = names.index(first.first), names.index(first.second)
        assert first.value == pytest.approx(float(m[i, j, 0] + m[j, i, 0]))
        assert panel.list.count() == 5 and panel.list.item(0).text() == first.text()
        assert f"Row {row}" in panel.heading.text() and "log-odds" in panel.heading.text()
    # Glossary names replace the raw ones; the numbers stay.

    from app.core.review.glossary import FeatureInfo, Glossary

    raw = panel.pairs[0]
    shown_names = Glossary({raw.first: FeatureInfo(raw.first, display="Shown name")})
    state.review.set_glossary(shown_names)
    assert panel.pairs[0].first == "Shown name" and panel.pairs[0].value == raw.value
    assert panel.list.item(0).text().startswith("Shown name × ")
    qtbot.waitUntil(lambda: not panel.context.workers.busy(), timeout=TIMEOUT)


def test_cancel_stops_the_background_job(qtbot, state) -> None:
    context = state.interactions
    closed: list[bool] = []
    flags = []

    def endless(*args):
        """A run that never ends by itself; its clean-up shows that cancel stopped it."""
        flags.append(args[-1])  # the flag the engine checks between steps
        try:
            while True:
                yield 0.5
        finally:
            closed.append(True)

    context._job = endless
    panel = interactions.create(state)
    shown(qtbot, panel)
    qtbot.waitUntil(lambda: context.fraction == 0.5, timeout=TIMEOUT)  # the run reported
    assert context.running and panel.cancel_button.isVisible()
    with qtbot.waitSignal(context.running_changed, timeout=5000) as stopped:
        panel.cancel_button.click()
    assert stopped.args == [False] and not context.running
    assert flags[-1].is_set()  # the engine stops inside its chunk too
    qtbot.waitUntil(lambda: closed == [True], timeout=TIMEOUT)
    qtbot.waitUntil(lambda: not context.workers.busy(), timeout=TIMEOUT)
    assert context.summary is None
    assert "Cancelled at 50%" in panel.status.text()
    assert panel.compute_button.isVisible() and not panel.cancel_button.isVisible()


def test_a_new_model_drops_the_summary(qtbot, state) -> None:
    _, context = summarised(qtbot, state)
    with qtbot.waitSignal(context.summary_changed, timeout=5000):
        state.set_inputs(None, None, None, None)
    assert context.summary is None


def test_the_window_docks_both_panels_and_closes_cleanly(
    qtbot, window, small_model_path, small_data_path
) -> None:
    from app.workers import Workers
    from tests.ui._hardening import open_and_wait

    window.show()
    open_and_wait(qtbot, window, small_model_path, small_data_path)
    context = window.state.interactions
    assert context.summary is None and not context.running  # hidden panels cost nothing
    docks = window.dock_set.by_module
    docks["app.ui.panels.interactions"].show()
    docks["app.ui.panels.row_interactions"].show()
    qtbot.waitUntil(lambda: context.summary is not None, timeout=TIMEOUT)
    heat = docks["app.ui.panels.interactions"].widget().heatmap
    qtbot.waitUntil(lambda: heat.data is not None, timeout=TIMEOUT)
    assert heat.data.n_rows == window.state.data.n_rows
    window.state.select_row(11)
    rows = docks["app.ui.panels.row_interactions"].widget()
    qtbot.waitUntil(lambda: rows.row == 11 and rows.list.count() > 0, timeout=TIMEOUT)
    qtbot.waitUntil(lambda: Workers.live_count() == 0, timeout=TIMEOUT)


def test_a_model_without_interactions_says_why(qtbot, state) -> None:
    from app.core.explain.interactions import InteractionsUnavailable

    context = state.interactions

    def unavailable(*_args):
        raise InteractionsUnavailable("Interaction values need ShapLens's exact tree engine.")
        yield 0.0  # a generator, as the real job

    context._job = unavailable
    panel = interactions.create(state)
    shown(qtbot, panel)
    qtbot.waitUntil(lambda: "exact tree engine" in panel.status.text(), timeout=TIMEOUT)
    assert not context.running and not panel.cancel_button.isVisible()
    assert "exact tree engine" in panel.note.text() and panel.heatmap.data is None
    qtbot.waitUntil(lambda: not context.workers.busy(), timeout=TIMEOUT)


def test_the_heatmap_can_cover_only_the_filtered_rows(qtbot, state) -> None:
    panel, _ = summarised(qtbot, state)
    rows = np.arange(0, ROWS, 4, dtype=np.int64)
    state.set_visible_rows(rows)
    panel.filtered.setChecked(True)
    heat = panel.heatmap
    qtbot.waitUntil(lambda: heat.data is not None and bool(heat.data.scope), timeout=TIMEOUT)
    d = heat.data
    assert d.n_rows == rows.size and f"{rows.size:,} rows in the filter" in heat.title.text()
    exact = np.abs(all_interactions(state.model, state.data.X, rows)).mean(axis=0)[:, :, 0]
    i, j = int(d.index[0]), int(d.index[1])
    assert d.pairs[0, 1] == pytest.approx(exact[i, j] + exact[j, i], rel=1e-5)
    # A new filter recomputes; turning the option off shows every row again.
    state.set_visible_rows(rows[:10])
    qtbot.waitUntil(lambda: heat.data is not None and heat.data.n_rows == 10, timeout=TIMEOUT)
    panel.filtered.setChecked(False)
    assert heat.data.n_rows == ROWS and not heat.data.scope
    qtbot.waitUntil(lambda: not panel.workers.busy(), timeout=TIMEOUT)
