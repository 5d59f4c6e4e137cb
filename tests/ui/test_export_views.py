"""Exports switch a plot's graphics view to vector drawing through `plot.view` (a reference,
not a search of its children): every registered plot must hold exactly that one view, or an
SVG would carry the raster of a view the export never switched."""

from __future__ import annotations

import pyqtgraph as pg
import pytest

from app.plots.registry import VIEWS, plot_class
from app.ui.panels.production_plots import _Titled


@pytest.mark.parametrize("name", sorted(VIEWS))
def test_a_registered_plot_has_one_graphics_view_named_view(qtbot, name: str) -> None:
    plot = plot_class(name)()
    qtbot.addWidget(plot)
    assert isinstance(plot.view, pg.GraphicsView)
    assert plot.findChildren(pg.GraphicsView) == [plot.view]


def test_the_production_plots_name_their_view_too(qtbot) -> None:
    plot = _Titled()
    qtbot.addWidget(plot)
    assert plot.findChildren(pg.GraphicsView) == [plot.view]
