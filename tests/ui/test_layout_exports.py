"""Every registered view reads cleanly as exported: File > Export View, a panel's Export…, Copy
View Image, `shaplens export` and the report all draw through app.plots.export's figure (a hidden
twin with full labels, laid out at the target's logical size, with the provenance caption).

Each view of app.plots.registry is exported at 640x400, 1400x860 and 2560x1440 with 40 long-named
features and long category labels; no two texts overlap, none is cut off, the caption fits under
the plot, and no export shows "enlarge to read" (a file cannot be enlarged). A view registered
without data here fails `test_every_registered_view_is_checked`.
"""

from __future__ import annotations

import functools
import os

import pytest
from PySide6.QtWidgets import QApplication

from app.plots import registry
from app.plots.export import Caption, _caption_height, _Figure
from app.plots.report_figures import FIGURE_SIZE
from app.ui.panels import behaviour_curves, behaviour_decision, behaviour_pdp
from tests.ui._layout import TOLERANCE_PX, problems
from tests.ui.test_interaction_layout import heat_data, pair_data
from tests.ui.test_layout_panels import (
    CATEGORICAL,
    NUMERIC,
    SHOTS,
    SIZES,
    TIMEOUT,
    _filled,
    idle,
    shown,
)
from tests.ui.test_layout_sizes import central_data

IDS = [f"{w}x{h}" for w, h in SIZES]
# A caption as long as a real one: file names, both hashes, the rows, unit, explainer, a note.
CAPTION = Caption(
    "census_income_lightgbm_model_2024_q3.txt", "census_income_300k_rows_2024_q3.parquet", None,
    "log-odds", "exact TreeSHAP (LightGBM pred_contrib)", extra="partial dependence",
    model_hash="3f9a1c2b7d", data_hash="8e7d6c5b4a", cohort="1,200 of 1,200 rows",
)  # fmt: skip


def _pd(qtbot, state, second: str | None, show: int):
    panel = shown(qtbot, behaviour_pdp.create(state))
    panel.set_feature(CATEGORICAL, second)
    qtbot.waitUntil(lambda: panel.result is not None and panel.result.complete, timeout=TIMEOUT)
    panel.show_combo.setCurrentIndex(show)
    panel.render()
    return panel.current_plot()


def _curve(qtbot, state, kind: str):
    panel = shown(qtbot, behaviour_curves.create(state))
    by = CATEGORICAL if kind in ("roc", "pr", "calibration", "lift") else None
    panel.set_view(kind, by)
    plot = panel.curve_plot if by else panel.fit_plot
    qtbot.waitUntil(
        lambda: plot.data is not None and getattr(plot.data, "kind", kind) == kind,
        timeout=TIMEOUT,
    )
    idle(qtbot, state)
    return plot


def _decision(qtbot, state):
    panel = shown(qtbot, behaviour_decision.create(state))
    qtbot.waitUntil(lambda: panel.plot.data is not None, timeout=TIMEOUT)
    return panel.plot


# How each view's plot-ready data is made: as the window's panel makes it (a real LightGBM
# model on seeded data; "binary" or "regression"), or from the layout tests' data.
PANEL_VIEWS = {
    "pdp": ("binary", lambda qtbot, s: _pd(qtbot, s, None, 0)),
    "ice": ("binary", lambda qtbot, s: _pd(qtbot, s, None, 1)),
    "pdp2": ("binary", lambda qtbot, s: _pd(qtbot, s, NUMERIC, 0)),
    "decision": ("binary", _decision),
    **{
        kind: ("binary", lambda qtbot, s, kind=kind: _curve(qtbot, s, kind))
        for kind in ("roc", "pr", "calibration", "lift")
    },
    "fit": ("regression", lambda qtbot, s: _curve(qtbot, s, "fit")),
    "residuals": ("regression", lambda qtbot, s: _curve(qtbot, s, "residuals")),
}
_central = functools.cache(central_data)
DATA_VIEWS = {
    **{
        name: lambda name=name: _central()[name] for name in ("importance", "beeswarm", "waterfall")
    },
    "interactions": heat_data,
    "interaction_pair": pair_data,
}
VIEWS = [*DATA_VIEWS, *PANEL_VIEWS]
_made: dict[str, object] = {}  # each view's data, made once for its three sizes


@pytest.fixture(scope="module")
def states(qapp, tmp_path_factory):
    made = {}

    def state_of(objective: str):
        if objective not in made:
            made[objective] = _filled(tmp_path_factory, objective)
        return made[objective]

    return state_of


def data_of(qtbot, states, view: str) -> object:
    if view not in _made:
        if view in DATA_VIEWS:
            _made[view] = DATA_VIEWS[view]()
        else:
            objective, make = PANEL_VIEWS[view]
            plot = make(qtbot, states(objective))
            _made[view] = plot.data
    return _made[view]


def test_every_registered_view_is_checked() -> None:
    assert sorted(VIEWS) == sorted(registry.VIEWS)


def exported(view: str, data: object, size: tuple[int, int], caption: Caption | None = CAPTION):
    """The figure an export of `view` at `size` draws (the caller closes it)."""
    figure = _Figure(registry.plot_class(view), data, *size, caption)
    QApplication.processEvents()
    return figure


def export_problems(figure: _Figure) -> list[str]:
    figure.image()  # painted once, as the file is: items that paint text record where it went
    plot = figure.plot
    found = problems(plot)
    if not plot.view.isVisible():
        found.append("an exported figure says to enlarge it")
    below = plot.height() + _caption_height(figure.caption, figure.lw)
    if below > figure.lh + TOLERANCE_PX:
        found.append(f"caption cut: {below:.0f} px of {figure.lh:.0f}")
    return found


@pytest.mark.parametrize("size", SIZES, ids=IDS)
@pytest.mark.parametrize("view", VIEWS)
def test_exported_view_reads_cleanly(qtbot, states, view, size) -> None:
    data = data_of(qtbot, states, view)
    assert data is not None
    figure = exported(view, data, size)
    try:
        assert export_problems(figure) == []
        if SHOTS:  # the exported PNGs, to look at
            figure.image().save(os.path.join(SHOTS, f"export_{view}_{size[0]}x{size[1]}.png"))
    finally:
        figure.close()


def test_the_check_sees_a_cut_caption() -> None:
    """A caption taller than the figure leaves it, and the export check says so."""
    data = _central()["importance"]
    long = Caption("m" * 40, "d" * 40, None, "log-odds", "x", extra=" ".join(["word"] * 2000))
    figure = exported("importance", data, (640, 400), long)
    try:
        assert any(p.startswith("caption cut") for p in export_problems(figure))
    finally:
        figure.close()


@pytest.mark.parametrize("view", sorted(FIGURE_SIZE))
def test_report_figures_read_cleanly(view) -> None:
    """The HTML/PDF report draws its figures through the same export at its own sizes."""
    figure = exported(view, _central()[view], FIGURE_SIZE[view])
    try:
        assert export_problems(figure) == []
    finally:
        figure.close()
