"""The importance plot's value labels and axis while a run refines its estimate (issue 14:
each refresh must cost the GUI thread little)."""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
import pytest

from app.core.explain import views
from app.plots.importance import ImportancePlot
from tests.ui.test_plots import _bar_state, style_unit


def test_a_refined_estimate_keeps_the_axis_while_it_fits_and_a_complete_one_is_fitted(
    show,
) -> None:
    names = [f"f{i}" for i in range(6)]
    base = np.linspace(1.0, 0.2, 6)[:, None]

    def x_range(plot: ImportancePlot) -> tuple:
        return tuple(np.round(plot.plot.getViewBox().viewRange()[0], 9))

    plot = show(ImportancePlot(max_bars=8))
    plot.set_data(views.importance(base, names, style_unit(), 1_000, 9_000))
    first = x_range(plot)
    # A slightly smaller estimate: the axis stays (no re-layout of every label).
    plot.set_data(views.importance(base * 0.9, names, style_unit(), 2_000, 9_000))
    assert x_range(plot) == first
    # A larger one no longer fits: the axis grows, so no bar or label is cut.
    plot.set_data(views.importance(base * 1.5, names, style_unit(), 3_000, 9_000))
    assert x_range(plot)[1] > first[1]
    # The complete explanation is drawn exactly as a fresh plot would draw it.
    complete = views.importance(base * 1.2, names, style_unit(), 9_000, 9_000)
    plot.set_data(complete)
    fresh = show(ImportancePlot(max_bars=8))
    fresh.set_data(complete)
    assert _bar_state(plot) == _bar_state(fresh)


def test_value_labels_keep_their_size_on_screen_whatever_the_zoom(show) -> None:
    from PySide6.QtGui import QFont, QFontMetricsF

    from app.plots.value_labels import ValueLabels

    widget = show(pg.PlotWidget())
    labels = ValueLabels(QFont(), "#000000")
    widget.addItem(labels)
    labels.set_labels([1.0, 1.5], [1.0, 0.0], ["0.123", "4.56"])
    advance = QFontMetricsF(QFont()).horizontalAdvance("0.123")
    widths = []
    for right in (2.0, 20.0):
        widget.setXRange(0, right, padding=0)
        widget.grab()  # paints, which records what was drawn
        text, rect = labels.drawn_text[0]
        assert text == "0.123"
        widths.append(labels.deviceTransform_().mapRect(rect).width())
    assert widths == pytest.approx([advance, advance], abs=0.5)
    assert labels.boundingRect().contains(labels.drawn_text[1][1])
