"""Each plot draws something real: not blank, shap's colours, readable labels, clicks map to rows."""

from __future__ import annotations

import re

import numpy as np
import pyqtgraph as pg
import pytest
from PySide6.QtCore import QPoint, QPointF, Qt
from PySide6.QtGui import QImage

from app.core.explain import views
from app.plots import style
from app.plots.beeswarm import BeeswarmPlot, raster_rgba
from app.plots.importance import ImportancePlot
from app.plots.waterfall import WaterfallPlot
from tests.ui import test_plots_data as plot_data


def pixels(image: QImage) -> np.ndarray:
    """(h, w, 3) uint8 RGB."""
    image = image.convertToFormat(QImage.Format.Format_RGB888)
    w, h, stride = image.width(), image.height(), image.bytesPerLine()
    raw = np.frombuffer(image.constBits(), dtype=np.uint8, count=stride * h)
    return raw.reshape(h, stride)[:, : w * 3].reshape(h, w, 3).copy()  # image is freed after


def share_near(rgb: np.ndarray, colour: str, tol: int = 40) -> float:
    """Fraction of pixels within `tol` of a colour (per channel)."""
    c = style.QColor(colour)
    target = np.array([c.red(), c.green(), c.blue()])
    return float(np.mean(np.all(np.abs(rgb.astype(int) - target) <= tol, axis=-1)))


def not_blank(rgb: np.ndarray) -> bool:
    return bool(np.mean(np.any(rgb < 200, axis=-1)) > 0.01)


def test_importance_draws_sorted_bars_with_values(show) -> None:
    plot = show(ImportancePlot())
    plot.set_data(plot_data.importance())
    rgb = pixels(plot.grab().toImage())
    assert not_blank(rgb)
    assert share_near(rgb, style.SHAP.bar, 12) > 0.03
    assert "estimate from 2,000 of 48,842 rows" in plot.title.text()
    ticks = plot.plot.getAxis("left")._tickLevels[0]
    labels = [t[1] for t in sorted(ticks, key=lambda t: -t[0])]
    assert labels[0] == "age" and len(labels) == 5
    # A long name is shortened on screen (its full text is in the tooltip and in exports).
    assert labels[1] == plot.label(plot_data.LONG_NAME) and "…" in labels[1]
    assert plot_data.LONG_NAME in plot._tooltip(0.1, 3.0)


def test_importance_folds_the_tail_into_one_bar(show) -> None:
    names = [f"f{i}" for i in range(30)]
    data = views.importance(np.linspace(1, 0.01, 30)[:, None], names, style_unit(), 10, 10)
    plot = show(ImportancePlot(max_bars=8))
    plot.set_data(data)
    labels = [t[1] for t in plot.plot.getAxis("left")._tickLevels[0]]
    assert "Sum of 23 other features" in labels and len(labels) == 8


def _bar_state(plot: ImportancePlot) -> tuple:
    """What the importance plot shows: title, bar widths, value labels, axis names, x range."""
    bar_items = [i for i in plot.plot.items if isinstance(i, pg.BarGraphItem)]
    texts = sorted((y, x, text) for x, y, text in plot._drawn.labels.labels())
    ticks = sorted(plot.plot.getAxis("left")._tickLevels[0])
    widths = [tuple(np.round(b.opts["width"], 9)) for b in bar_items]
    x_range = tuple(np.round(plot.plot.getViewBox().viewRange()[0], 9))
    grid = [
        tuple(np.round(c.getData()[0], 9))
        for c in plot.plot.items
        if isinstance(c, pg.PlotCurveItem)
    ]
    return plot.title.text(), widths, texts, ticks, x_range, grid


def test_a_refined_estimate_redraws_in_place_exactly_as_a_fresh_plot(show) -> None:
    names = [f"f{i}" for i in range(12)]
    rng = np.random.default_rng(3)
    first = views.importance(rng.random((12, 1)), names, style_unit(), 2_000, 50_000)
    later = views.importance(rng.random((12, 1)) * 7, names, style_unit(), 9_000, 50_000)
    plot = show(ImportancePlot(max_bars=8))
    plot.set_data(first)
    kept = [i for i in plot.plot.items if isinstance(i, pg.BarGraphItem)]
    plot.set_data(later)  # same number of bars: items are moved, not rebuilt
    assert [i for i in plot.plot.items if isinstance(i, pg.BarGraphItem)] == kept
    fresh = show(ImportancePlot(max_bars=8))
    fresh.set_data(later)
    assert _bar_state(plot) == _bar_state(fresh)
    grid_x = _bar_state(plot)[-1][0]
    assert (
        len(grid_x) >= 2
        and min(grid_x) > 0
        and max(grid_x) <= plot._drawn.bars.opts["width"].max() * 2
    )
    assert "9,000 of 50,000" in plot.title.text()
    # A different shape (fewer bars than the fold limit) is drawn from scratch, also after clear.
    fewer = views.importance(rng.random((5, 1)), names[:5], style_unit(), 50_000, 50_000)
    for data in (fewer, later):
        plot.clear()
        plot.set_data(data)
        fresh.set_data(data)
        assert _bar_state(plot) == _bar_state(fresh)


def style_unit():
    from app.core.base.types import Unit

    return Unit.LOG_ODDS


def test_beeswarm_dots_show_blue_low_and_red_high(show) -> None:
    plot = show(BeeswarmPlot())
    plot.set_data(plot_data.beeswarm(300))
    assert plot.mode == "dots"
    rgb = pixels(plot.grab().toImage())
    assert share_near(rgb, style.SHAP.positive, 45) > 0.002
    assert share_near(rgb, style.SHAP.negative, 45) > 0.002
    assert share_near(rgb, style.SHAP.missing, 8) > 0.0001  # missing values in grey
    tip = plot._tooltip(0.0, 1.0)  # middle lane: the categorical feature
    assert "job" in tip and all(f"</span> {c}: " in tip for c in "abcd")


def test_beeswarm_switches_to_raster_above_the_dot_limit(show) -> None:
    data = plot_data.beeswarm(3_000)
    plot = show(BeeswarmPlot(dot_limit=1_000))
    plot.set_data(data)
    assert plot.mode == "raster"
    rgb = pixels(plot.grab().toImage())
    assert share_near(rgb, style.SHAP.positive, 50) > 0.002
    assert share_near(rgb, style.SHAP.negative, 50) > 0.002


def test_raster_counts_every_row() -> None:
    data = plot_data.beeswarm(5_000, seed=2)
    image = raster_rgba(data, (-4.0, 4.0), nx=200, ny=10)
    assert image.shape == (3 * 10, 200, 4)
    for i, lane in enumerate(data.lanes):  # every point lands in a visible cell
        xb = np.clip(((lane.shap + 4.0) / 8.0 * 200).astype(int), 0, 199)
        yb = np.clip(((lane.offset + 0.5) * 10).astype(int), 0, 9)
        row = (len(data.lanes) - 1 - i) * 10 + yb
        assert np.all(image[row, xb, 3] > 0)
    assert np.count_nonzero(image[..., 3]) < image[..., 3].size  # and empty cells stay clear


def test_clicking_a_dot_emits_its_dataset_row(show, qtbot) -> None:
    data = plot_data.beeswarm(40)
    plot = show(BeeswarmPlot())
    plot.set_data(data)
    lane, j = data.lanes[0], 7
    vb = plot.plot.getViewBox()
    scene = vb.mapViewToScene(QPointF(float(lane.shap[j]), 2.0 + float(lane.offset[j])))
    at = plot.view.mapFromScene(scene)
    with qtbot.waitSignal(plot.row_clicked) as blocker:
        qtbot.mouseClick(plot.view.viewport(), Qt.MouseButton.LeftButton, pos=QPoint(at))
    picked = blocker.args[0] - 1000
    # The nearest point to the click: the one clicked or one drawn on top of it.
    assert abs(lane.shap[picked] - lane.shap[j]) < 0.05
    assert abs(lane.offset[picked] - lane.offset[j]) < 0.05


def test_waterfall_has_red_and_blue_bars_and_marks(show) -> None:
    data = plot_data.waterfall()
    plot = show(WaterfallPlot())
    plot.set_data(data)
    rgb = pixels(plot.grab().toImage())
    assert share_near(rgb, style.SHAP.positive, 20) > 0.005
    assert share_near(rgb, style.SHAP.negative, 20) > 0.005
    assert plot.title.text() == "Row 17: P(positive class) = 0.62"
    texts = [item.textItem.toPlainText() for item in plot._markers]
    assert texts[0].startswith("E[f(x)] = −1.2")
    assert "P(positive class) = 0.62" in texts[1]
    assert len(plot.plot.getAxis("left")._tickLevels[0]) == 11  # 10 features + "2 other features"


@pytest.mark.parametrize("height", [240, 700])
def test_waterfall_captions_stay_inside_the_plot_at_any_height(show, height) -> None:
    plot = show(WaterfallPlot(), h=height)
    plot.set_data(plot_data.waterfall())
    plot.grab()  # text items follow the view's transform when drawn
    view = plot.plot.getViewBox().sceneBoundingRect()
    for marker in plot._markers:  # E[f(x)] below the bars, f(x) above them
        box = marker.textItem.mapRectToScene(marker.textItem.boundingRect())
        assert view.top() <= box.top() and box.bottom() <= view.bottom(), (height, box, view)


def test_palette_switch_redraws_every_plot(show) -> None:
    plot = show(WaterfallPlot())
    plot.set_data(plot_data.waterfall())
    try:
        style.set_palette("colour-blind")
        rgb = pixels(plot.grab().toImage())
        assert share_near(rgb, style.COLOUR_BLIND.positive, 20) > 0.005
        assert share_near(rgb, style.SHAP.positive, 20) == 0.0
    finally:
        style.set_palette("shap")
    assert share_near(pixels(plot.grab().toImage()), style.SHAP.positive, 20) > 0.005


def test_clear_empties_the_plot(show) -> None:
    plot = show(ImportancePlot())
    plot.set_data(plot_data.importance())
    plot.clear()
    assert plot.data is None and plot.title.text() == ""
    assert share_near(pixels(plot.grab().toImage()), style.SHAP.bar, 12) == 0.0


# ------------------------------------------------------------------ categorical lanes
MARITAL = ["Divorced", "Married-civ-spouse", "Never-married", "Separated", "Widowed"]


def categorical_swarm(n_rows: int, seed: int = 0) -> views.BeeswarmData:
    """A numeric lane (age) and a categorical one whose categories push different ways."""
    from app.core.explain.models.base import FeatureSpec

    rng = np.random.default_rng(seed)
    age = rng.normal(40, 10, n_rows)
    marital = rng.integers(0, len(MARITAL), n_rows).astype(float)
    marital[::23] = np.nan
    values = np.stack([(age - 40) / 10, np.nan_to_num(marital, nan=2.0) - 2.0], axis=1)
    specs = [FeatureSpec("age"), FeatureSpec("marital_status", list(MARITAL))]
    return views.beeswarm(values[:, :, None].astype(np.float32), np.column_stack([age, marital]),
                          specs, None, style_unit(), ["marital_status", "age"])  # fmt: skip


def _rgb_set(hexes) -> set[tuple[int, int, int]]:
    return {(style.QColor(h).red(), style.QColor(h).green(), style.QColor(h).blue()) for h in hexes}


def _dot_colours(plot: BeeswarmPlot) -> list[tuple[int, int, int]]:
    import pyqtgraph as pg

    (scatter,) = [i for i in plot.plot.items if isinstance(i, pg.ScatterPlotItem)]
    return [b.color().getRgb()[:3] for b in scatter.data["brush"]]


@pytest.mark.parametrize("name", ["shap", "colour-blind"])
def test_categorical_dots_use_the_qualitative_palette_not_the_gradient(show, name) -> None:
    data = categorical_swarm(400)
    plot = show(BeeswarmPlot())
    try:
        style.set_palette(name)
        plot.set_data(data)
        pal = style.palette()
        assert plot.mode == "dots"
        colours = _dot_colours(plot)
        n = data.n_points
        cat, num = colours[:n], colours[n:]  # lane 0 (top) is marital_status
        assert set(cat) <= _rgb_set(pal.categories) | _rgb_set([pal.missing])
        # No category colour is (nearly) a colour of the value gradient.
        gradient = style.value_lut(pal).astype(int)
        for c in set(cat) - _rgb_set([pal.missing]):
            assert np.abs(gradient - np.array(c)).max(axis=1).min() >= 25, c
        assert len(set(cat) & _rgb_set(pal.categories)) == len(MARITAL)  # a colour per category
        # Each dot's colour is its own category's: the palette slot of its code.
        lane = data.lanes[0]
        for j in (0, 1, 5, 23):
            expected = pal.missing if lane.group[j] < 0 else pal.categories[lane.group[j]]
            assert cat[j] == next(iter(_rgb_set([expected])))
        # The numeric lane keeps its gradient, colour for colour.
        rgba = style.colours_for(data.lanes[1].colour, pal)
        assert num == [tuple(int(v) for v in c[:3]) for c in rgba]
        assert plot.colour_bar.title == "Feature value (numeric features)"
        assert plot.colour_bar.isVisible() and plot.legend.isVisible()
    finally:
        style.set_palette("shap")


def test_legend_names_each_category_in_svg_exports(qapp, tmp_path) -> None:
    from app.plots import export

    path = export.export_view("beeswarm", categorical_swarm(400), tmp_path / "b.svg", 1920, 1080)
    text = path.read_text(encoding="utf-8")
    for label in [*MARITAL, "missing", "marital_status", "Feature value (numeric features)"]:
        assert f">{label}<" in text or label in re.findall(r">([^<]+)<", text), label
    # Ordered by mean SHAP, low to high: Divorced (code 0) pushes down most, Widowed up most.
    assert text.index(">Divorced<") < text.index(">Never-married<") < text.index(">Widowed<")


def test_numeric_only_swarm_has_no_legend_and_plain_colour_bar(show) -> None:
    plot = show(BeeswarmPlot())
    data = plot_data.beeswarm(300)
    data.lanes = [lane for lane in data.lanes if not lane.is_categorical]
    plot.set_data(data)
    assert not plot.legend.isVisible() and plot.colour_bar.title == "Feature value"


def test_raster_colours_a_categorical_cell_by_its_most_frequent_category() -> None:
    from app.core.explain.views import BeeswarmData, BeeswarmLane, CategoryEntry

    # 30 rows of slot 0 and 10 of slot 1 share one cell at x = -1; 5 of slot 1 alone at x = +1.
    group = np.array([0] * 30 + [1] * 10 + [1] * 5, np.int8)
    shap = np.array([-1.0] * 40 + [1.0] * 5, np.float32)
    lane = BeeswarmLane("c", shap, np.zeros(45, np.float32), np.full(45, np.nan, np.float32),
                        ["x", "y"], None, group,
                        [CategoryEntry("x", 0, 30, -1.0), CategoryEntry("y", 1, 15, -0.33)])  # fmt: skip
    data = BeeswarmData([lane], style_unit(), 45)
    for pal in (style.SHAP, style.COLOUR_BLIND):
        image = raster_rgba(data, (-2.0, 2.0), nx=4, ny=2, pal=pal)
        row = 1  # offset 0 lands in the upper of the lane's two cell rows
        assert tuple(image[row, 1, :3]) == next(iter(_rgb_set([pal.categories[0]])))
        assert tuple(image[row, 3, :3]) == next(iter(_rgb_set([pal.categories[1]])))
        assert image[row, 1, 3] > image[row, 3, 3] > 0  # denser cell, more opaque
        assert image[0, :, 3].max() == 0 and image[row, 0, 3] == 0


def test_raster_mode_draws_categories_in_palette_colours(show) -> None:
    plot = show(BeeswarmPlot(dot_limit=100))
    plot.set_data(categorical_swarm(3_000))
    assert plot.mode == "raster"
    rgb = pixels(plot.grab().toImage())
    for colour in style.SHAP.categories[: len(MARITAL)]:
        assert share_near(rgb, colour, 12) > 0.0003, colour


def many_lane_swarm(n_rows: int = 300, lanes: int = 12, categorical: int = 8):
    """Like the Adult sample: a dozen lanes, most of them categorical (a legend line each)."""
    from app.core.explain.models.base import FeatureSpec

    rng = np.random.default_rng(1)
    X = rng.integers(0, 4, (n_rows, lanes)).astype(float)
    values = (X - 1.5) * rng.uniform(0.1, 1.0, lanes)
    specs = [
        FeatureSpec(f"f{j}", ["a", "b", "c", "d"]) if j < categorical else FeatureSpec(f"f{j}")
        for j in range(lanes)
    ]
    names = [s.name for s in specs]
    return views.beeswarm(
        values[:, :, None].astype(np.float32), X, specs, None, style_unit(), names
    )


def test_a_short_beeswarm_keeps_its_lanes_and_folds_the_legend_to_one_line(show, qtbot) -> None:
    """Docked at laptop size the eight-line legend left twelve lanes 60 px in all; in a view
    that short the legend becomes one line pointing to the tooltips, and comes back in full
    when the view is tall enough (and always in exports)."""
    from app.plots import beeswarm as beeswarm_module
    from app.plots import export

    data = many_lane_swarm()
    plot = show(BeeswarmPlot(), 700, 300)
    plot.set_data(data)
    box = plot.plot.getViewBox()
    assert plot.legend.compact and plot.legend.isVisible()
    assert plot.legend.height() < plot.legend.full_height() / 3
    squeezed = plot.view.height() - beeswarm_module.AXIS_PX - plot.legend.full_height()
    assert box.height() > squeezed + 2 * plot.legend.height()  # the lanes got the room back
    plot.resize(700, 900)
    qtbot.waitUntil(lambda: not plot.legend.compact)
    # The scene lays out the new legend height on its next pass.
    qtbot.waitUntil(lambda: plot.legend.height() == pytest.approx(plot.legend.full_height()))
    assert box.height() >= len(data.lanes) * beeswarm_module.MIN_LANE_PX
    twin = export._twin(BeeswarmPlot, data, 700, 300)  # an export at that small size
    try:
        assert not twin.legend.compact
    finally:
        twin.close()
