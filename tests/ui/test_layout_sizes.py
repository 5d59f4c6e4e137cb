"""Every central plot reads cleanly at every size: no two texts overlap and none is cut off.

40 features with long names and long category labels, drawn at a small, a default and a large
size, a short docked size, on screen and as exported (names in full). Below a readable size a
plot shows fewer lanes ("N other features"), then says to enlarge it.
"""

from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtWidgets import QApplication, QToolTip

from app.core.base.types import Unit
from app.core.explain import views
from app.core.explain.models.base import FeatureSpec
from app.plots.beeswarm import BeeswarmPlot
from app.plots.importance import ImportancePlot
from app.plots.waterfall import WaterfallPlot
from tests.ui._layout import problems

SIZES = [(640, 400), (1400, 860), (2560, 1440), (700, 260)]
M, N = 40, 1500
PARTS = ["average_monthly_balance", "of_the_primary_account", "over_the_last_twelve_months"]


def _names() -> list[str]:
    return [f"f{i:02d}_" + "_".join(PARTS[: 1 + i % 3]) for i in range(M)]


@pytest.fixture(scope="module")
def datasets() -> dict[str, object]:
    return central_data()


def central_data() -> dict[str, object]:
    """The three central views' plot-ready data (also exported by test_layout_exports)."""
    rng = np.random.default_rng(3)
    names = _names()
    X = rng.normal(size=(N, M))
    specs = []
    for j in range(M):
        if j % 5 == 1:
            labels = [
                f"A long category label, number {k}, as census data has them" for k in range(6)
            ]
            specs.append(FeatureSpec(names[j], labels))
            X[:, j] = rng.integers(0, 6, N)
        else:
            specs.append(FeatureSpec(names[j]))
    values = (X * rng.uniform(0.01, 1, M)).astype(np.float32)[:, :, None]
    mean_abs = np.abs(values).mean(axis=0)
    order = [names[i] for i in np.argsort(-mean_abs[:, 0])]
    row = 7
    shown = [
        specs[j].categories[int(X[row, j])] if specs[j].categories else float(X[row, j])
        for j in range(M)
    ]
    return {
        "importance": views.importance(mean_abs, names, Unit.LOG_ODDS, N, N),
        "beeswarm": views.beeswarm(values, X, specs, None, Unit.LOG_ODDS, order, rows=np.arange(N)),
        "waterfall": views.waterfall(
            row, values[row, :, 0].astype(np.float64), -1.2, shown, names, Unit.LOG_ODDS,
            "P(positive class) = 0.62", top=20,
        ),
    }  # fmt: skip


PLOTS = {"importance": ImportancePlot, "beeswarm": BeeswarmPlot, "waterfall": WaterfallPlot}


def drawn(qtbot, name: str, data: object, size: tuple[int, int], exported: bool):
    plot = PLOTS[name]()
    qtbot.addWidget(plot)
    plot.set_full_labels(exported)
    plot.resize(*size)
    plot.show()
    plot.set_data(data)
    QApplication.processEvents()  # layout, then the resize that folds lanes
    QApplication.processEvents()
    return plot


@pytest.mark.parametrize("exported", [False, True], ids=["window", "export"])
@pytest.mark.parametrize("size", SIZES, ids=[f"{w}x{h}" for w, h in SIZES])
@pytest.mark.parametrize("name", list(PLOTS))
def test_no_text_overlaps_or_is_cut(qtbot, datasets, name, size, exported) -> None:
    plot = drawn(qtbot, name, datasets[name], size, exported)
    assert problems(plot) == []


def test_the_check_catches_overlapping_names(qtbot, datasets, monkeypatch) -> None:
    # Without folding, 20 bars in a short view overlap: the check must say so.
    monkeypatch.setattr(ImportancePlot, "bar_limit", lambda self: self.max_bars)
    plot = drawn(qtbot, "importance", datasets["importance"], (700, 260), False)
    assert any(p.startswith("overlap") for p in problems(plot))


def test_short_views_fold_lanes_and_keep_the_sum(qtbot, datasets) -> None:
    tall = drawn(qtbot, "waterfall", datasets["waterfall"], (900, 900), False)
    short = drawn(qtbot, "waterfall", datasets["waterfall"], (900, 260), False)
    assert len(short.steps()) < len(tall.steps()) == 21
    assert short.steps()[0].label.endswith("other features")
    # The folded bar holds the rest: the steps still add up to the row's output.
    for plot in (tall, short):
        last = plot.steps()[-1]
        assert last.start + last.shap == pytest.approx(datasets["waterfall"].output_value)
    bees = drawn(qtbot, "beeswarm", datasets["beeswarm"], (900, 260), False)
    assert len(bees.shown().lanes) < len(datasets["beeswarm"].lanes)
    assert f"top {len(bees.shown().lanes)} of" in bees.plot.getAxis("bottom").labelText


def test_too_small_a_view_says_to_enlarge_it(qtbot, datasets) -> None:
    plot = drawn(qtbot, "importance", datasets["importance"], (200, 120), False)
    assert plot.notice.isVisible() and not plot.view.isVisible()
    plot.resize(640, 400)
    QApplication.processEvents()
    assert plot.view.isVisible() and not plot.notice.isVisible()
    assert problems(plot) == []


def test_names_get_the_room_there_is(qtbot, datasets) -> None:
    narrow = drawn(qtbot, "importance", datasets["importance"], (640, 400), False)
    wide = drawn(qtbot, "importance", datasets["importance"], (2560, 1440), False)
    longest = max(_names(), key=len)
    assert narrow.label(longest) != longest and "…" in narrow.label(longest)
    assert wide.label(longest) == longest  # a large view shows whole names


def test_waterfall_label_keeps_its_value(qtbot, datasets) -> None:
    plot = drawn(qtbot, "waterfall", datasets["waterfall"], (640, 400), False)
    label = plot._step_label(f"{_names()[2]} = A long category label, number 3, as census data")
    name, sep, value = label.partition(" = ")
    assert sep and "…" in name  # the name gave way
    assert value.startswith("A long") and value.endswith("data")  # the value kept both ends


def test_a_new_row_hides_the_old_rows_tooltip(qtbot, datasets, monkeypatch) -> None:
    hidden = []
    monkeypatch.setattr(QToolTip, "hideText", lambda: hidden.append(True))
    plot = drawn(qtbot, "waterfall", datasets["waterfall"], (900, 600), False)
    hidden.clear()
    plot.set_data(datasets["waterfall"])
    assert hidden
