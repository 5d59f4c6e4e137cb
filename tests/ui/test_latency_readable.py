"""The latency panel reads at a docked size: no legend over the points, decade labels that do
not overlap, a budget field wide enough for its example, a progress bar that says what it is."""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
import pytest
from PySide6.QtWidgets import QApplication

from app.core.production.latency import LatencyProgress
from app.plots.decade_axis import DecadeAxis, decade_label
from app.ui.panels.production_latency import BUDGET_EXAMPLE, IDLE_TEXT, LatencyPanel
from app.ui.panels.production_plots import CurvePlot, HistogramPlot
from tests.ui._layout import problems

SIZES = [(520, 240), (640, 400), (1400, 860), (2560, 1440)]
# Batches as a real run gives them: throughput (rows/s), latency (ms), batch size.
SERIES = [
    ("predict", np.array([2e3, 3e4, 9e4, 1.1e5, 1.2e5]), np.array([0.5, 0.33, 1.1, 9.0, 85.0]),
     [1, 10, 100, 1000, 10000]),
    ("explain", np.array([900.0, 1e3, 2.5e3, 4e3]), np.array([1.1, 10.0, 40.0, 250.0]),
     [1, 10, 100, 1000]),
]  # fmt: skip


def shown(qtbot, widget, size):
    qtbot.addWidget(widget)
    widget.resize(*size)
    widget.show()
    qtbot.waitExposed(widget)
    QApplication.processEvents()
    return widget


@pytest.mark.parametrize("size", SIZES, ids=[f"{w}x{h}" for w, h in SIZES])
def test_batch_chart_reads_cleanly_and_names_series_outside_the_points(qtbot, size) -> None:
    plot = shown(qtbot, CurvePlot(), size)
    plot.set_data(SERIES, "Batches: latency vs throughput (labels: batch size)")
    QApplication.processEvents()
    assert problems(plot) == []
    assert not [i for i in plot.plot.scene().items() if isinstance(i, pg.LegendItem)]
    assert "predict" in plot.title.text() and "explain" in plot.title.text()
    visible = [label for label in plot.point_labels if label.isVisible()]
    assert visible  # some batch sizes are named even in a small panel
    if size[0] >= 1400:
        assert len(visible) == len(plot.point_labels)


@pytest.mark.parametrize("size", SIZES, ids=[f"{w}x{h}" for w, h in SIZES])
def test_latency_histogram_reads_cleanly(qtbot, size) -> None:
    plot = shown(qtbot, HistogramPlot(), size)
    edges = np.logspace(-2, 2, 41)
    counts = np.exp(-((np.arange(40) - 8) ** 2) / 6.0) * 400
    plot.set_data(edges, [("predict one row", counts)], "predict one row: 1,000 calls",
                  x_label="latency (ms)", y_label="calls", log_x=True)  # fmt: skip
    QApplication.processEvents()
    assert problems(plot) == []


def test_decade_axis_thins_labels_on_a_short_axis() -> None:
    axis = DecadeAxis("bottom")
    wide = axis.tickValues(-2.0, 5.0, 1000.0)[0][1]
    narrow = axis.tickValues(-2.0, 5.0, 120.0)[0][1]
    assert wide == [-2.0, -1.0, 0.0, 1.0, 2.0, 3.0, 4.0, 5.0]
    assert 1 < len(narrow) < len(wide) and set(narrow) <= set(wide)
    labels = [decade_label(10.0**k) for k in wide]
    assert labels == ["0.01", "0.1", "1", "10", "100", "1k", "10k", "100k"]


def test_the_check_sees_overlapping_log_labels(qtbot) -> None:
    # pyqtgraph's own log axis (minor ticks labelled) overlapped in a short panel: the layout
    # check must fail on it, or the tests above would prove nothing.
    plot = shown(qtbot, CurvePlot(), (520, 240))
    plot.plot.setAxisItems({"bottom": pg.AxisItem("bottom")})
    plot.plot.getPlotItem().setLogMode(x=True, y=False)
    plot.plot.plot(np.array([900.0, 1.2e5]), np.array([0.0, 1.0]))
    plot.plot.setXRange(np.log10(900.0), np.log10(1.2e5), padding=0)
    QApplication.processEvents()
    assert any(p.startswith("overlap") for p in problems(plot))


def test_budget_field_shows_its_example_and_progress_is_labelled(qtbot) -> None:
    from app.ui.state import AppState

    panel = shown(qtbot, LatencyPanel(AppState()), (520, 260))  # the default dock's width
    metrics = panel.budget.fontMetrics()
    assert panel.budget.placeholderText() == BUDGET_EXAMPLE
    assert panel.budget.width() >= metrics.horizontalAdvance(BUDGET_EXAMPLE) + 8
    assert panel.progress.isTextVisible() and panel.progress.text() == IDLE_TEXT
    panel._on_progress(LatencyProgress("predict one row", 0.5, "predict one row: 40 calls"))
    assert panel.progress.text() == "measuring: predict one row: 40 calls (50%)"
