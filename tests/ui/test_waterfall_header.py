"""The waterfall's f(x) caption is never crossed by the dashed E[f(x)] line (issue 17 saw the
line run through the header text) and is never cut at the plot's edges."""

from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtCore import QPoint, QPointF
from PySide6.QtGui import QColor
from PySide6.QtWidgets import QApplication

from app.core.base.types import Unit
from app.core.explain import views
from app.plots import style
from app.plots.waterfall import WaterfallPlot
from tests.ui._layout import problems


def near_base(output_minus_base: float) -> views.WaterfallData:
    # Steps that nearly cancel: f(x) ends just beside E[f(x)], so the caption, which starts at
    # the output line, spans the dashed base line.
    shap = np.array([0.9, -0.8, 0.4, -0.35, 0.2, -0.2])
    shap[-1] += output_minus_base - shap.sum()
    names = [f"feature_number_{i}" for i in range(shap.size)]
    return views.waterfall(
        3, shap, -1.2, [f"v{i}" for i in range(shap.size)], names, Unit.LOG_ODDS,
        "P(positive class) = 0.23",
    )  # fmt: skip


@pytest.mark.parametrize("offset", [0.05, 0.1])
@pytest.mark.parametrize("size", [(640, 400), (1400, 860)])
def test_base_line_does_not_cross_the_fx_caption(show, size, offset) -> None:
    plot = show(WaterfallPlot(), *size)
    data = near_base(offset)
    plot.set_data(data)
    QApplication.processEvents()
    image = plot.grab().toImage()
    scene = plot._scene
    caption = scene.out_text
    box = caption.mapRectToScene(caption.boundingRect())
    view = plot.view

    def to_plot(scene_point: QPointF) -> QPoint:
        return view.viewport().mapTo(plot, view.mapFromScene(scene_point))

    top_left, bottom_right = to_plot(box.topLeft()), to_plot(box.bottomRight())
    vb = plot.plot.getViewBox()
    line_x = to_plot(vb.mapViewToScene(QPointF(data.base_value, 0.0))).x()
    assert top_left.x() + 3 < line_x < bottom_right.x() - 3  # the line is under the caption
    dash = QColor(style.palette().muted)

    def is_dash(x: int, y: int) -> bool:
        c = image.pixelColor(QPoint(x, y))
        return max(abs(c.red() - dash.red()), abs(c.green() - dash.green()),
                   abs(c.blue() - dash.blue())) < 12  # fmt: skip

    def longest_run(y0: int, y1: int) -> int:
        longest = 0
        for x in (line_x - 1, line_x, line_x + 1):
            run = 0
            for y in range(y0, y1):
                run = run + 1 if is_dash(x, y) else 0
                longest = max(longest, run)
        return longest

    # The dashed line paints vertical runs of its colour: below the caption it is there (so
    # the check sees it), on the caption's fill there is none (a lone glyph pixel is no line).
    assert longest_run(bottom_right.y() + 2, plot.height() - 60) >= 3
    assert longest_run(top_left.y() + 1, bottom_right.y()) < 3
    assert problems(plot) == []  # and nothing is cut (the caption slides inward instead)


def test_a_wide_waterfall_shows_long_category_labels_whole(show) -> None:
    # "f01_average_monthly_b…f_the_primary_account = Married, living wi…the same household"
    # was cut in the middle in a 1400-px view whose bars used a third of the width.
    name = "f01_average_monthly_balance_of_the_primary_account"
    value = "Married, living with a spouse in the same household"
    shap = np.array([0.4, -0.3, 0.2, -0.1])
    names = [name, "feature_1", "feature_2", "feature_3"]
    data = views.waterfall(
        3, shap, -1.2, [value, 1.0, 2.0, 3.0], names, Unit.LOG_ODDS, "P(positive class) = 0.3"
    )
    full = f"{name} = {value}"
    wide = show(WaterfallPlot(), 1400, 500)
    wide.set_data(data)
    QApplication.processEvents()
    assert wide._step_label(full) == full
    assert problems(wide) == []
    narrow = show(WaterfallPlot(), 640, 400)
    narrow.set_data(data)
    QApplication.processEvents()
    assert "…" in narrow._step_label(full)  # a small view still shortens (tooltip in full)
    assert problems(narrow) == []
