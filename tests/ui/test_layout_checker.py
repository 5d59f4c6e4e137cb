"""The layout checker's newer rules can fail, and the shortening they call for works: category
labels shortened to the same text, a cut axis title, and a legend's long labels in an export."""

from __future__ import annotations

import numpy as np
from PySide6.QtWidgets import QApplication, QLabel

from app.plots import style
from app.plots.axis_ticks import fit_labels
from app.ui.panels.production_plots import HistogramPlot
from tests.ui._layout import problems

LABELS = [f"A long category label, number {k}, as census data has them" for k in range(6)]
NAME = "f02_average_monthly_balance_of_the_primary_account_over_the_last_twelve_months"


def test_shortened_labels_stay_distinct() -> None:
    short = style.elide_distinct([*LABELS, "(missing)"], 18)
    assert len(set(short)) == 7 and short[-1] == "(missing)"
    assert short[3] == "…label, number 3…" and all(len(s) <= 18 for s in short)
    # Labels that differ where `elide` keeps them are shortened as before.
    assert style.elide_distinct(["Married-civ-spouse", "Never-married"], 12) == [
        style.elide("Married-civ-spouse", 12),
        "Never-married"[:6] + "…" + "Never-married"[-5:],
    ]
    assert style.elide_distinct(["same text", "same text"], 5) == [style.elide("same text", 5)] * 2
    shown = fit_labels(LABELS, 60)
    assert len(set(shown)) == 6 and all("…" in s for s in shown)


def _histogram(qtbot, size):
    plot = HistogramPlot()
    qtbot.addWidget(plot)
    plot.resize(*size)
    plot.show()
    qtbot.waitExposed(plot)
    return plot


def test_category_axis_names_each_bar(qtbot) -> None:
    plot = _histogram(qtbot, (420, 300))
    shares = np.full(6, 1 / 6)
    plot.set_categories(LABELS, [("reference", shares), ("current", shares)], "shares")
    QApplication.processEvents()
    assert problems(plot) == []
    left = plot.plot.getAxis("left")
    assert len({label for _, label in left._tickLevels[0]}) == 6
    assert left.toolTip().splitlines() == LABELS  # whole, in the axis's tooltip
    # The check fails on ticks shortened to one text (as they were: "A long ca…has them").
    left.setTicks([[(float(i), style.elide(t, 18)) for i, t in enumerate(LABELS)], []])
    QApplication.processEvents()
    assert any(p.startswith("indistinguishable left ticks") for p in problems(plot))


def test_long_axis_and_title_words_are_shortened_not_cut(qtbot) -> None:
    plot = _histogram(qtbot, (300, 220))
    edges = np.linspace(0, 1, 11)
    plot.set_data(edges, [("reference", np.ones(10))], f"{NAME}: PSI 0.5", NAME, "share")
    for _ in range(3):
        QApplication.processEvents()
    assert problems(plot) == []
    bottom = plot.plot.getAxis("bottom")
    assert "…" in bottom.labelText and bottom.toolTip() == NAME
    assert "…" in plot.title.text() and plot.title.toolTip() == f"{NAME}: PSI 0.5"
    plot.resize(2000, 400)  # room again: whole words
    for _ in range(3):
        QApplication.processEvents()
    assert bottom.labelText == NAME and NAME in plot.title.text()
    # Unshortened, the check sees the cut title.
    plot.resize(300, 220)
    QApplication.processEvents()
    plot._labels = {}  # or the plot shortens it again on its next layout
    plot.plot.setLabel("bottom", NAME)
    bottom.resizeEvent()
    plot.title.setText(NAME)
    QApplication.processEvents()
    found = problems(plot)
    assert any(p.startswith("clipped") for p in found)
    assert any(p.startswith("label wider") for p in found)


def test_the_widget_check_sees_cut_labels_buttons_and_overlaps(qtbot) -> None:
    """A panel squeezed below its layout's minimum: its label is cut, its button's text too; a
    widget over another or out of its parent is seen; at its own size it reads cleanly."""
    from PySide6.QtWidgets import QLayout, QPushButton, QVBoxLayout, QWidget

    from tests.ui._widget_layout import widget_problems

    panel = QWidget()
    layout = QVBoxLayout(panel)
    label = QLabel(" ".join(["A sentence that wraps onto many lines."] * 6), panel)
    label.setWordWrap(True)
    layout.addWidget(label)
    layout.addWidget(QPushButton("Find counterfactuals for the selected row", panel))
    qtbot.addWidget(panel)
    panel.resize(600, 300)
    panel.show()
    qtbot.waitExposed(panel)
    assert widget_problems(panel) == []
    layout.setSizeConstraint(QLayout.SizeConstraint.SetNoConstraint)
    panel.setMinimumSize(0, 0)
    panel.resize(120, 40)
    QApplication.processEvents()
    found = widget_problems(panel)
    assert any(p.startswith("label clipped") for p in found)
    assert any(p.startswith("button text cut") for p in found)
    button = panel.findChild(QPushButton)
    button.setGeometry(label.geometry().translated(0, 2))  # laid over the label
    assert any(p.startswith("overlap") for p in widget_problems(panel))
    button.move(500, 500)
    assert any(p.startswith("cut by its parent") for p in widget_problems(panel))
