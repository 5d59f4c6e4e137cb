"""Selecting another row updates the waterfall's graphics items in place instead of rebuilding."""

from __future__ import annotations

import numpy as np
import pytest

from app.core.base.types import Unit
from app.core.explain import views
from app.plots import style
from app.plots.waterfall import WaterfallPlot

NAMES = [f"feature_{i}" for i in range(12)]


def row_data(row: int, seed: int, prediction: str) -> views.WaterfallData:
    shap = np.random.default_rng(seed).normal(0, 0.5, len(NAMES))
    return views.waterfall(
        row,
        shap,
        -1.2,
        [f"r{row}v{i}" for i in range(len(NAMES))],
        NAMES,
        Unit.LOG_ODDS,
        prediction,
    )


def scene_items(plot: WaterfallPlot) -> list[object]:
    return list(plot.plot.getViewBox().addedItems)


def shared(old: list[object], new: list[object]) -> bool:
    """Whether any item survived; references are held so ids of freed items are not recycled."""
    return any(a is b for a in old for b in new)


def tick_labels(plot: WaterfallPlot) -> list[str]:
    ticks = plot.plot.getAxis("left")._tickLevels[0]
    return [label for _, label in sorted(ticks)]


@pytest.fixture
def plot(qtbot) -> WaterfallPlot:
    widget = WaterfallPlot()
    qtbot.addWidget(widget)
    widget.resize(900, 500)
    widget.show()
    qtbot.waitExposed(widget)
    return widget


def test_another_row_reuses_items_and_shows_its_values(plot) -> None:
    first, second = row_data(3, 0, "P(positive class) = 0.20"), row_data(8, 1, "P = 0.70")
    assert len(first.steps) == len(second.steps)
    plot.set_data(first)
    before = scene_items(plot)
    ids = [id(item) for item in before]
    value_ids = [id(t) for t in plot._labels]
    plot.set_data(second)
    assert [id(item) for item in scene_items(plot)] == ids
    assert [id(t) for t in plot._labels] == value_ids
    # The reused items show the second row, not the first.
    assert tick_labels(plot) == [style.elide(s.label) for s in second.steps]
    assert all(label.split(" = ")[1].startswith("r8") for label in tick_labels(plot)[1:])
    shown = [t.textItem.toPlainText() for t in plot._labels]
    assert shown == [style.format_number(s.shap) for s in second.steps]
    for text, step in zip(plot._labels, second.steps, strict=True):
        assert text.pos().x() == pytest.approx(step.start + step.shap)
        colour = style.palette().positive if step.shap >= 0 else style.palette().negative
        assert text.color.name() == style.QColor(colour).name()
    bars = next(
        i for i in plot.plot.getViewBox().addedItems if hasattr(i, "opts") and "x0" in i.opts
    )
    assert np.allclose(bars.opts["width"], [abs(s.shap) for s in second.steps])
    base_text, out_text = plot._markers
    assert out_text.textItem.toPlainText().endswith("P = 0.70")
    assert base_text.textItem.toPlainText() == f"E[f(x)] = {style.format_plain(-1.2)}"
    assert plot.title.text() == "Row 8: P = 0.70"


def test_a_different_step_count_or_palette_rebuilds(plot) -> None:
    plot.set_data(row_data(3, 0, "p"))
    before = scene_items(plot)
    shap = np.array([0.4, -0.2, 0.1])
    fewer = views.waterfall(5, shap, 0.0, [1, 2, 3], NAMES[:3], Unit.LOG_ODDS, "p")
    plot.set_data(fewer)
    assert len(plot._labels) == 3 and not shared(before, scene_items(plot))
    assert tick_labels(plot) == [s.label for s in fewer.steps]
    kept = scene_items(plot)
    try:
        style.set_palette("colour-blind")
        assert not shared(kept, scene_items(plot))
        assert plot._labels[0].color.name() == style.QColor(style.COLOUR_BLIND.positive).name()
    finally:
        style.set_palette("shap")


def test_clear_then_draw_again(plot) -> None:
    plot.set_data(row_data(3, 0, "p"))
    plot.clear()
    assert plot.plot.getViewBox().addedItems == []
    plot.set_data(row_data(4, 2, "q"))
    assert len(plot._labels) == len(plot.data.steps) and plot.title.text() == "Row 4: q"
