"""The Interactions view's figures export like the other plots: the heatmap and a pair's plot
to PNG and SVG from the panel's Export… and from File > Export View, captioned with the model,
data, unit and which rows the figure covers; a bad path or a personal column is refused with a
message and nothing is written."""

from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QImage

from app.core.review.glossary import FeatureInfo, Glossary
from app.core.review.redaction import Redaction
from app.ui.panels import interactions
from tests.ui._debug_state import filled_state
from tests.ui.test_export_vector import raster_images

pytest.importorskip("app.plots.export")
TIMEOUT = 60_000
ROWS = 400
# Longer than any adult census name, short enough for an export's share of the width.
LONG = "Relationship to the head of the household (census)"


@pytest.fixture
def state(small_model_path, small_data_path):
    return filled_state(small_model_path, small_data_path, rows=ROWS)


def _distinct_colours(image: QImage) -> int:
    return len(
        {image.pixel(x, y) for x in range(0, image.width(), 4) for y in range(0, image.height(), 4)}
    )


def summarised(qtbot, state):
    panel = interactions.create(state)
    qtbot.addWidget(panel)
    panel.resize(900, 600)
    panel.show()
    qtbot.waitExposed(panel)
    qtbot.waitUntil(lambda: panel.heatmap.data is not None, timeout=TIMEOUT)
    qtbot.waitUntil(lambda: not panel.workers.busy(), timeout=TIMEOUT)
    return panel


def long_names(state, column: str = "age") -> None:
    """Show a numeric feature (its name is the x axis's title) under a long glossary name."""
    state.review.set_glossary(Glossary({column: FeatureInfo(column, display=LONG)}))


def open_pair(qtbot, panel, first: str | None = None) -> None:
    """The pair plot of `first` (a shown name; default the second feature) with another."""
    heat = panel.heatmap
    r = heat.data.features.index(first) if first else 1
    with qtbot.waitSignal(heat.pair_clicked, timeout=5000):
        heat.click_at(heat.cell_centre(r, 0 if r else 1))
    qtbot.waitUntil(lambda: panel.pair_plot.data is not None, timeout=TIMEOUT)
    qtbot.waitUntil(lambda: not panel.workers.busy(), timeout=TIMEOUT)


def test_heatmap_exports_to_png_and_svg_with_unit_rows_and_names(qtbot, state, tmp_path) -> None:
    long_names(state)
    panel = summarised(qtbot, state)
    r = panel.heatmap.data.features.index(LONG)
    assert r < panel.heatmap.shown  # among the features drawn
    png = panel.export(tmp_path / "heatmap.png")
    assert png is not None and png.exists()
    image = QImage(str(png))
    assert image.width() == 2 * panel.heatmap.width()  # twice the screen size, as File > Export
    assert _distinct_colours(image) > 20  # cells of many shades, bars, text: not blank

    svg = panel.export(tmp_path / "heatmap.svg")
    text = svg.read_text(encoding="utf-8")
    assert raster_images(text) == []  # the cells are vector rectangles, not an embedded image
    assert f">{r + 1}  {LONG}<" in text  # the long name whole, as text
    assert f"Mean |SHAP interaction| (log-odds) over all {ROWS:,} rows" in text  # title
    assert f"mean over all {ROWS:,} rows" in text and "Unit: log-odds" in text  # caption
    assert "Model: adult_small_lgbm.txt" in text
    assert panel.export(tmp_path / "heatmap.pdf").read_bytes().startswith(b"%PDF")


def test_a_filtered_heatmap_says_which_rows_its_means_cover(qtbot, state, tmp_path) -> None:
    panel = summarised(qtbot, state)
    rows = np.arange(0, ROWS, 4, dtype=np.int64)
    state.set_visible_rows(rows)
    panel.filtered.setChecked(True)
    heat = panel.heatmap
    qtbot.waitUntil(
        lambda: heat.data is not None and heat.data.n_rows == rows.size, timeout=TIMEOUT
    )
    qtbot.waitUntil(lambda: not panel.workers.busy(), timeout=TIMEOUT)
    text = panel.export(tmp_path / "filtered.svg").read_text(encoding="utf-8")
    assert f"over {rows.size:,} rows in the filter" in text
    assert f"mean over the {rows.size:,} of {ROWS:,} rows in the filter" in text


def test_pair_plot_exports_to_png_and_svg(qtbot, state, tmp_path) -> None:
    long_names(state)
    panel = summarised(qtbot, state)
    open_pair(qtbot, panel, LONG)
    assert panel.export_target().view == "interaction_pair"
    png = panel.export(tmp_path / "pair.png")
    image = QImage(str(png))
    assert image.width() == 2 * panel.pair_plot.width() and _distinct_colours(image) > 10
    text = panel.export(tmp_path / "pair.svg").read_text(encoding="utf-8")
    assert raster_images(text) == []
    assert "interaction value (log-odds)" in text  # the unit on the axis
    assert f"one dot per row: all {ROWS:,} rows" in text and "Unit: log-odds" in text
    # Named as the heatmap names it (the glossary's LONG), whole on the x axis.
    assert panel.pair_plot.data.feature == LONG and f">{LONG} <" in text
    # Hovering a dot gives its row, value and number in the model's unit.
    plot = panel.pair_plot
    x, y = plot._xy()
    tip = plot._tooltip(float(x[0]), float(y[0]))
    assert tip.startswith(f"row {int(plot.data.rows[0])}:") and "(log-odds)" in tip
    assert f"; colour: {plot.data.colour_feature} = " in tip  # and what its colour stands for


def test_a_bad_path_is_refused_with_a_message(qtbot, state, tmp_path) -> None:
    panel = summarised(qtbot, state)
    with qtbot.waitSignal(state.error_raised, timeout=5000) as message:
        assert panel.export(tmp_path / "heatmap.txt") is None
    assert "use a .png, .svg or .pdf file name" in message.args[0]
    blocker = tmp_path / "a_file"
    blocker.write_text("not a folder")
    with qtbot.waitSignal(state.error_raised, timeout=5000) as message:
        assert panel.export(blocker / "heatmap.png") is None
    assert message.args[0]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a_file"]  # nothing else written


def test_a_pair_of_a_personal_column_is_not_exported(qtbot, state, tmp_path) -> None:
    panel = summarised(qtbot, state)
    open_pair(qtbot, panel)
    state.review.set_redaction(Redaction.of([panel.pair_plot.data.feature]))
    with qtbot.waitSignal(state.error_raised, timeout=5000) as message:
        assert panel.export(tmp_path / "pair.png") is None
    assert "a personal column" in message.args[0] and not (tmp_path / "pair.png").exists()
    panel.show_heatmap()  # the heatmap shows no one's values: it exports
    assert panel.export(tmp_path / "heatmap.png") is not None


# ------------------------------------------------------------------ File > Export View
@pytest.fixture
def window(qtbot, small_model_path, small_data_path):
    from app.ui.main_window import MainWindow
    from tests.ui._hardening import open_and_wait

    window = MainWindow()
    qtbot.addWidget(window)
    window.resize(1300, 900)
    window.show()
    window.activateWindow()
    qtbot.waitActive(window)
    open_and_wait(qtbot, window, small_model_path, small_data_path)
    yield window
    window.close()


def _interactions_shown(qtbot, window):
    """The Interactions dock in front, its heatmap drawn; returns (dock, panel)."""
    dock = window.dock_set.by_module["app.ui.panels.interactions"]
    dock.show()
    dock.raise_()  # the front tab of its dock stack
    panel = dock.widget()
    qtbot.waitUntil(panel.isVisible, timeout=5000)
    qtbot.waitUntil(lambda: panel.heatmap.data is not None, timeout=TIMEOUT)
    return dock, panel


def test_file_export_view_exports_the_interactions_view_worked_in_last(
    qtbot, window, tmp_path
) -> None:
    dock, panel = _interactions_shown(qtbot, window)
    exporter = window.exporter
    assert exporter.target().view == window.plots.current_view()  # not used yet: the tab

    # Keyboard: Tab from the panel's option reaches the heatmap, which Export View then means.
    panel.filtered.setFocus(Qt.FocusReason.OtherFocusReason)
    qtbot.waitUntil(panel.filtered.hasFocus, timeout=5000)
    qtbot.keyClick(panel.filtered, Qt.Key.Key_Tab)
    qtbot.waitUntil(panel.heatmap.view.hasFocus, timeout=5000)
    qtbot.waitUntil(lambda: exporter.target().view == "interactions", timeout=5000)
    n = window.state.data.n_rows
    svg = exporter.export_view(tmp_path / "heat.svg")
    text = svg.read_text(encoding="utf-8")
    assert "Mean |SHAP interaction| (log-odds)" in text and f"mean over all {n:,} rows" in text
    assert "interactions view" in window.statusBar().currentMessage()

    # A bad path: refused with the window's message, as for the other views.
    assert exporter.export_view(tmp_path / "heat.bmp") is None
    assert "use a .png, .svg or .pdf" in window.message_bar.text()

    # On the pair's page, Export View means the pair's plot.
    heat = panel.heatmap
    heat.click_at(heat.cell_centre(0, 1))
    qtbot.waitUntil(lambda: panel.pair_plot.data is not None, timeout=TIMEOUT)
    qtbot.waitUntil(lambda: not panel.workers.busy(), timeout=TIMEOUT)
    assert exporter.target().view == "interaction_pair"
    pair = QImage(str(exporter.export_view(tmp_path / "pair.png")))
    assert _distinct_colours(pair) > 10

    # Back to the central tabs: Export View means the tab again.
    window.plots.setCurrentIndex((window.plots.currentIndex() + 1) % window.plots.count())
    assert exporter.target().view == window.plots.current_view()
    panel.pair_plot.view.setFocus(Qt.FocusReason.MouseFocusReason)  # a click on the pair plot
    qtbot.waitUntil(lambda: exporter.target().view == "interaction_pair", timeout=5000)
    dock.hide()  # a hidden panel is never what Export View means
    assert exporter.target().view == window.plots.current_view()


def test_copy_view_image_copies_the_heatmap(qtbot, window) -> None:
    from PySide6.QtGui import QGuiApplication

    _dock, panel = _interactions_shown(qtbot, window)
    window.exporter.active.use(panel)
    QGuiApplication.clipboard().clear()
    window.exporter.copy_view()
    image = QGuiApplication.clipboard().image()
    assert not image.isNull() and image.width() == 2 * max(panel.heatmap.width(), 200)
    assert window.exporter.caption().cohort.startswith("mean over all")


def test_cells_and_strip_say_their_number_on_hover(qtbot, state) -> None:
    panel = summarised(qtbot, state)
    heat, d = panel.heatmap, panel.heatmap.data
    k = heat.shown
    strip = heat.plot.getViewBox().mapSceneToView(heat.cell_centre(0, None))
    tip = heat._tooltip(strip.x(), strip.y())
    assert "main effect" in tip and "(log-odds)" in tip and "Click" in tip
    cell = heat._tooltip(0.0, float(k - 2))  # row 2, column 1
    assert cell.startswith(f"{d.features[1]} × {d.features[0]}") and "(log-odds)" in cell
    assert heat._tooltip(-0.5 - 1.0, 0.0) == ""  # outside every cell: no tooltip
