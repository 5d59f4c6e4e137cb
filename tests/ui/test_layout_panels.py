"""Every pyqtgraph plot of the panels reads cleanly at every size, as test_layout_sizes checks
the central plots: 40 long-named features and long category labels, the panel at 640x400,
1400x860 and 2560x1440; no two texts overlap and none is cut off, or the plot says to enlarge.

The panels compute from a real model (LightGBM, trained here on seeded data) as in the window.
"""

from __future__ import annotations

import os

import numpy as np
import pandas as pd
import pytest
from PySide6.QtWidgets import QApplication

from app.ui.panels import (
    behaviour_curves,
    behaviour_decision,
    behaviour_pdp,
    debug_cohort_compare,
    debug_dependence,
    debug_whatif,
)
from app.ui.panels.production_plots import HistogramPlot
from tests.ui._debug_state import filled_state
from tests.ui._layout import problems
from tests.ui.test_layout_sizes import M, _names

SIZES = [(640, 400), (1400, 860), (2560, 1440)]
IDS = [f"{w}x{h}" for w, h in SIZES]
ROWS = 1_200
TIMEOUT = 60_000
LABELS = [f"A long category label, number {k}, as census data has them" for k in range(6)]
NAMES = _names()
CATEGORICAL = NAMES[1]  # every fifth feature from the second is categorical
NUMERIC = NAMES[2]
SHOTS = os.environ.get("SHAPLENS_LAYOUT_SHOTS", "")  # a folder for the panels' screenshots


def _frame() -> pd.DataFrame:
    rng = np.random.default_rng(5)
    frame = pd.DataFrame({name: rng.normal(size=ROWS) for name in NAMES})
    for j in range(1, M, 5):
        frame[NAMES[j]] = pd.Categorical(rng.choice(LABELS, ROWS), categories=LABELS)
    signal = frame[NAMES[0]] + frame[NAMES[2]] + (frame[CATEGORICAL].cat.codes % 2)
    frame["target"] = signal + rng.normal(scale=0.8, size=ROWS)
    return frame


def _filled(tmp_path_factory, objective: str):
    import lightgbm as lgb

    frame = _frame()
    if objective == "binary":
        frame["target"] = (frame["target"] > 0.5).astype(int)
    params = {"objective": objective, "num_leaves": 7, "verbose": -1, "num_threads": 1, "seed": 1}
    booster = lgb.train(params, lgb.Dataset(frame[NAMES], frame["target"]), 15)
    folder = tmp_path_factory.mktemp("layout_panels")
    booster.save_model(str(folder / "model.txt"))
    for j in range(1, M, 5):
        frame[NAMES[j]] = frame[NAMES[j]].astype(str)
    frame.to_parquet(folder / "data.parquet")
    return filled_state(folder / "model.txt", folder / "data.parquet")


@pytest.fixture(scope="module")
def state(qapp, tmp_path_factory):
    return _filled(tmp_path_factory, "binary")


@pytest.fixture(scope="module")
def regression_state(qapp, tmp_path_factory):
    return _filled(tmp_path_factory, "regression")


def idle(qtbot, state) -> None:
    workers = state.debug.workers
    qtbot.waitUntil(lambda: not workers.busy(), timeout=TIMEOUT)
    QApplication.processEvents()


def check_at_every_size(qtbot, state, panel, plot_of) -> None:
    """Resize the panel through SIZES and collect what the layout check finds in its plot."""
    found = {}
    for w, h in SIZES:
        panel.resize(w, h)
        QApplication.processEvents()
        idle(qtbot, state)
        for _ in range(5):
            QApplication.processEvents()
        plot = plot_of()
        found[f"{w}x{h}"] = problems(plot)
        if SHOTS:  # screenshots to look at, on request
            name = f"{type(panel).__name__}_{type(plot).__name__}_{len(os.listdir(SHOTS))}"
            panel.grab().save(os.path.join(SHOTS, f"{name}_{w}x{h}.png"))
        # Below its readable size a plot shows the notice instead: never a squeezed smear.
        if plot.too_small() if hasattr(plot, "too_small") else False:
            assert plot.notice.isVisible()
    assert found == {size: [] for size in IDS}


def shown(qtbot, panel):
    qtbot.addWidget(panel)
    panel.resize(*SIZES[1])
    panel.show()
    qtbot.waitExposed(panel)
    return panel


@pytest.mark.parametrize("second", [None, NUMERIC], ids=["one feature", "two features"])
def test_partial_dependence(qtbot, state, second) -> None:
    panel = shown(qtbot, behaviour_pdp.create(state))
    panel.set_feature(CATEGORICAL, second)
    qtbot.waitUntil(lambda: panel.result is not None and panel.result.complete, timeout=TIMEOUT)
    check_at_every_size(qtbot, state, panel, panel.current_plot)


def test_decision_plot(qtbot, state) -> None:
    panel = shown(qtbot, behaviour_decision.create(state))
    qtbot.waitUntil(lambda: panel.plot.data is not None, timeout=TIMEOUT)
    check_at_every_size(qtbot, state, panel, lambda: panel.plot)


@pytest.mark.parametrize("kind", ["roc", "calibration", "lift"])
def test_performance_curves_by_a_long_labelled_group(qtbot, state, kind) -> None:
    panel = shown(qtbot, behaviour_curves.create(state))
    panel.set_view(kind, CATEGORICAL)
    qtbot.waitUntil(
        lambda: panel.curve_plot.data is not None and panel.curve_plot.data.kind == kind,
        timeout=TIMEOUT,
    )
    check_at_every_size(qtbot, state, panel, lambda: panel.curve_plot)


@pytest.mark.parametrize(
    ("feature", "colour"), [(CATEGORICAL, NUMERIC), (NUMERIC, CATEGORICAL)],
    ids=["categorical x", "categorical colour"],
)  # fmt: skip
def test_dependence_plot(qtbot, state, feature, colour) -> None:
    panel = shown(qtbot, debug_dependence.create(state))
    panel.set_feature(feature, colour)
    qtbot.waitUntil(
        lambda: panel.plot.data is not None and panel.plot.data.feature == feature,
        timeout=TIMEOUT,
    )
    check_at_every_size(qtbot, state, panel, lambda: panel.plot)


@pytest.mark.parametrize("kind", ["fit", "residuals"])
def test_regression_fit(qtbot, regression_state, kind) -> None:
    panel = shown(qtbot, behaviour_curves.create(regression_state))
    panel.set_view(kind)
    qtbot.waitUntil(lambda: panel.fit_plot.data is not None, timeout=TIMEOUT)
    check_at_every_size(qtbot, regression_state, panel, lambda: panel.fit_plot)


def test_whatif_waterfalls(qtbot, state) -> None:
    panel = shown(qtbot, debug_whatif.create(state))
    state.select_row(3)
    qtbot.waitUntil(lambda: panel.result is not None, timeout=TIMEOUT)
    panel.set_value(CATEGORICAL, LABELS[4])
    qtbot.waitUntil(
        lambda: panel.result is not None and bool(panel.result.changed), timeout=TIMEOUT
    )
    waterfalls = panel.waterfalls
    for plot, tab in ((waterfalls.original, 1), (waterfalls.edited, 0)):
        waterfalls.choice.setCurrentIndex(tab)  # where they take turns, this one is shown
        qtbot.waitUntil(lambda plot=plot: plot.data is not None, timeout=TIMEOUT)
        check_at_every_size(qtbot, state, panel, lambda plot=plot: plot)
    # Long names and category labels are shortened in their columns, so the Value editors
    # stay in view in a 640-px panel (60-letter names pushed them out of view).
    panel.resize(640, 400)
    table, header = panel.table, panel.table.horizontalHeader()
    qtbot.waitUntil(lambda: table.viewport().width() < 640, timeout=TIMEOUT)
    room = table.viewport().width()
    assert sum(header.sectionSize(c) for c in range(table.columnCount())) <= room + 1
    assert header.sectionSize(2) >= 100  # the editors: wide enough to read a number
    name = table.item(1, 0)
    assert name.toolTip() == name.text()  # the whole name, where the column shortens it


def test_cohort_importance(qtbot, state) -> None:
    panel = shown(qtbot, debug_cohort_compare.create(state))
    qtbot.waitUntil(lambda: panel.result is not None, timeout=TIMEOUT)
    check_at_every_size(qtbot, state, panel, lambda: panel.plot)


def test_category_shares_histogram(qtbot, state) -> None:
    plot = shown(qtbot, HistogramPlot())
    shares = np.full(len(LABELS), 1 / len(LABELS))
    plot.set_categories(LABELS, [("reference", shares), ("current", shares[::-1] * 0.9)],
                        f"{CATEGORICAL}: share of rows")  # fmt: skip
    check_at_every_size(qtbot, state, plot, lambda: plot)
