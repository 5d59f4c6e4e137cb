"""The interaction heatmap and a pair's dependence plot read cleanly at every size: 40 features
with long names, drawn small, default and large (the checker of tests/ui/_layout.py)."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest
from PySide6.QtWidgets import QApplication

from app.core.base.types import Unit
from app.core.debugging.dependence import dependence
from app.core.explain.interaction_views import heatmap
from app.core.explain.models.base import FeatureSpec
from app.plots.interactions import InteractionHeatmap
from app.ui.panels.debug_dependence import DependencePlot
from tests.ui._layout import problems
from tests.ui.test_layout_sizes import _names

SIZES = [(640, 400), (1400, 860), (2560, 1440)]
M, N = 40, 1500


@pytest.fixture(scope="module")
def heat():
    return heat_data()


@pytest.fixture(scope="module")
def pair():
    return pair_data()


def heat_data():
    """The heatmap of 40 long-named features (also exported by test_layout_exports)."""
    rng = np.random.default_rng(5)
    a = np.abs(rng.normal(size=(M, M))) * 0.02
    a = (a + a.T) / 2
    np.fill_diagonal(a, np.abs(rng.normal(size=M)))
    return heatmap(a[:, :, None], _names(), Unit.LOG_ODDS, N)


def pair_data():
    """A pair's dependence data, coloured by a long-labelled category."""
    rng = np.random.default_rng(6)
    names = _names()[:2]
    labels = [f"A long category label, number {k}, as census data has them" for k in range(6)]
    specs = [FeatureSpec(names[0]), FeatureSpec(names[1], labels)]
    X = np.column_stack([rng.normal(size=N), rng.integers(0, 6, N)]).astype(np.float64)
    values = np.zeros((N, 2), np.float32)
    values[:, 0] = X[:, 0] * (X[:, 1] - 2.5) * 0.1
    data = dependence(names[0], values, X, specs, Unit.LOG_ODDS, colour_by=names[1])
    return replace(data, value_name="interaction", heading=f"{names[0]} × {names[1]}")


def _shown(qtbot, plot, data, size):
    qtbot.addWidget(plot)
    plot.resize(*size)
    plot.show()
    plot.set_data(data)
    QApplication.processEvents()
    QApplication.processEvents()
    return plot


@pytest.mark.parametrize("size", SIZES, ids=[f"{w}x{h}" for w, h in SIZES])
def test_heatmap_reads_cleanly(qtbot, heat, size) -> None:
    plot = _shown(qtbot, InteractionHeatmap(), heat, size)
    assert problems(plot) == []
    assert 2 <= plot.shown <= M
    if plot.shown < M:  # the rest are left out, and the title says so
        assert f"top {plot.shown} of {M} features" in plot.title.text()


@pytest.mark.parametrize("size", [(700, 260), (500, 200)], ids=["docked", "small-dock"])
def test_short_docks_fold_to_what_fits(qtbot, heat, size) -> None:
    plot = _shown(qtbot, InteractionHeatmap(), heat, size)
    assert problems(plot) == [] and 2 <= plot.shown < M


def test_too_small_a_heatmap_says_to_enlarge_it(qtbot, heat) -> None:
    plot = _shown(qtbot, InteractionHeatmap(), heat, (300, 160))
    assert plot.notice.isVisible() and not plot.view.isVisible()


def test_heatmap_shows_more_features_when_larger(qtbot, heat) -> None:
    small = _shown(qtbot, InteractionHeatmap(), heat, SIZES[0])
    large = _shown(qtbot, InteractionHeatmap(), heat, SIZES[-1])
    assert small.shown < large.shown == M
    assert "top" not in large.title.text()


@pytest.mark.parametrize("size", SIZES, ids=[f"{w}x{h}" for w, h in SIZES])
def test_pair_plot_reads_cleanly(qtbot, pair, size) -> None:
    plot = _shown(qtbot, DependencePlot(), pair, size)
    assert problems(plot) == []
    # The categorical colouring's legend fits the plot instead of widening it.
    assert plot.view.width() <= size[0]
    assert plot.plot.getAxis("left").labelText.startswith("interaction value")


def test_the_check_catches_squeezed_columns(qtbot, heat, monkeypatch) -> None:
    # Every feature forced into a small view: the column numbers collide and the check says so.
    monkeypatch.setattr(InteractionHeatmap, "feature_limit", lambda self: M)
    plot = _shown(qtbot, InteractionHeatmap(), heat, SIZES[0])
    assert any(p.startswith("overlap") for p in problems(plot))


EXPORT_SIZES = [(640, 380), (900, 530)]  # a small export and the default one's layout


@pytest.mark.parametrize("size", EXPORT_SIZES, ids=[f"{w}x{h}" for w, h in EXPORT_SIZES])
def test_exported_heatmap_and_pair_read_cleanly(qtbot, heat, pair, size) -> None:
    """As File > Export View lays them out (full labels): nothing overlaps or is cut, the
    heatmap keeps a useful number of features, and no legend name is cut in an export."""
    plot = InteractionHeatmap()
    plot.set_full_labels(True)
    plot = _shown(qtbot, plot, heat, size)
    assert problems(plot) == [] and plot.shown >= 8
    assert "enlarge" not in plot.title.text()  # an exported figure cannot be enlarged
    pair_plot = DependencePlot()
    pair_plot.set_full_labels(True)
    pair_plot = _shown(qtbot, pair_plot, pair, size)
    assert problems(pair_plot) == []
    assert all("…" not in name for name in pair_plot.legend.names())
