"""Hovering a categorical lane names the category of the dot under the pointer."""

from __future__ import annotations

import numpy as np
from PySide6.QtWidgets import QApplication

from app.plots.beeswarm import BeeswarmPlot
from tests.ui import test_plots_data as D


def test_hover_names_the_category_under_the_pointer(qtbot) -> None:
    plot = BeeswarmPlot()
    qtbot.addWidget(plot)
    plot.resize(900, 600)
    plot.show()
    plot.set_data(D.beeswarm())
    QApplication.processEvents()
    data = plot.shown()
    i = next(k for k, lane in enumerate(data.lanes) if lane.is_categorical)
    lane = data.lanes[i]
    for j in (0, 5, 11):
        x = float(lane.shap[j])
        y = (len(data.lanes) - 1 - i) + float(lane.offset[j])
        text = plot._tooltip(x, y)
        (entry,) = [e for e in lane.legend if e.group == int(lane.group[j])]
        assert "under the pointer: <span" in text and f"<b>{entry.label}</b>" in text
    far = plot._tooltip(float(lane.shap.max()) + 100.0, float(len(data.lanes) - 1 - i))
    assert "under the pointer" not in far  # no dot near: only the lane's legend


def test_hover_names_the_value_a_numeric_dots_colour_stands_for(qtbot) -> None:
    plot = BeeswarmPlot()
    qtbot.addWidget(plot)
    plot.resize(900, 600)
    plot.show()
    source = D.beeswarm()
    plot.set_data(source)
    QApplication.processEvents()
    data = plot.shown()
    i = next(k for k, lane in enumerate(data.lanes) if not lane.is_categorical)
    lane = data.lanes[i]
    lo, hi = lane.colour_scale
    assert lo < hi
    inside = np.flatnonzero((lane.colour > 0.05) & (lane.colour < 0.95))
    for j in (int(inside[0]), int(np.argmin(lane.colour)), int(np.argmax(lane.colour))):
        x = float(lane.shap[j])
        y = (len(data.lanes) - 1 - i) + float(lane.offset[j])
        text = plot._tooltip(x, y)
        under = [line for line in text.split("<br>") if line.startswith("under the pointer")]
        assert len(under) == 1, text
        picked = plot._nearest_point(i, x, y)
        c = float(lane.colour[picked])
        if c <= 0:
            assert f"value <b>≤ {lo:.4g}</b>" in under[0]
        elif c >= 1:
            assert f"value <b>≥ {hi:.4g}</b>" in under[0]
        else:
            assert f"value <b>≈ {lo + c * (hi - lo):.4g}</b>" in under[0]
