"""The plots test_layout_panels leaves out read cleanly at 640x400, 1400x860 and 2560x1440 in the
window: the precision-recall curve, ICE and centred ICE, the drift dialog's two histograms
(a numeric feature and a long-labelled category) and the model comparison's two waterfalls side
by side. Same data as test_layout_panels: 40 long-named features, long category labels, a real
LightGBM model.
"""

from __future__ import annotations

import numpy as np
import pytest

from app.core.debugging.compare_rows import aligned_waterfalls
from app.core.production.drift import drift_report
from app.ui.dialogs_compare_data import CompareDataDialog
from app.ui.dialogs_compare_models import WATERFALL_TOP, CompareModelsDialog
from app.ui.panels import behaviour_curves, behaviour_pdp
from app.workers import Workers
from tests.ui.test_layout_panels import (
    CATEGORICAL,
    LABELS,
    NUMERIC,
    TIMEOUT,
    _filled,
    check_at_every_size,
    shown,
)


@pytest.fixture(scope="module")
def state(qapp, tmp_path_factory):
    return _filled(tmp_path_factory, "binary")


def test_precision_recall_by_a_long_labelled_group(qtbot, state) -> None:
    panel = shown(qtbot, behaviour_curves.create(state))
    panel.set_view("pr", CATEGORICAL)
    qtbot.waitUntil(
        lambda: panel.curve_plot.data is not None and panel.curve_plot.data.kind == "pr",
        timeout=TIMEOUT,
    )
    check_at_every_size(qtbot, state, panel, lambda: panel.curve_plot)


@pytest.mark.parametrize("show", [1, 2], ids=["ICE", "centred ICE"])
@pytest.mark.parametrize("feature", [CATEGORICAL, NUMERIC], ids=["categorical", "numeric"])
def test_ice_lines(qtbot, state, show, feature) -> None:
    panel = shown(qtbot, behaviour_pdp.create(state))
    panel.set_feature(feature)
    qtbot.waitUntil(lambda: panel.result is not None and panel.result.complete, timeout=TIMEOUT)
    panel.show_combo.setCurrentIndex(show)
    panel.render()
    assert panel.pd_plot.data is not None and len(panel.pd_plot.data.lines) > 1
    check_at_every_size(qtbot, state, panel, panel.current_plot)


@pytest.fixture(scope="module")
def drift(state):
    """The loaded data against a shifted copy: new category shares, a moved numeric feature."""
    reference = state.data.frame
    current = reference.copy()
    rng = np.random.default_rng(8)
    current[NUMERIC] = current[NUMERIC] * 1.5 + 0.7
    current[CATEGORICAL] = rng.choice(LABELS, len(current), p=[0.4, 0.3, 0.1, 0.1, 0.05, 0.05])
    return drift_report(state.model, reference, current)


@pytest.mark.parametrize("feature", [NUMERIC, CATEGORICAL], ids=["numeric", "categorical"])
def test_drift_histograms(qtbot, state, drift, feature) -> None:
    dialog = shown(qtbot, CompareDataDialog(state, Workers()))
    dialog.show_result(drift)
    row = [f.name for f in drift.features].index(feature)
    dialog.table.setCurrentCell(row, 0)
    title = dialog.overlay.title
    assert feature in title.text() or feature in title.toolTip()  # shortened: whole in the tip
    check_at_every_size(qtbot, state, dialog, lambda: dialog.overlay)
    check_at_every_size(qtbot, state, dialog, lambda: dialog.predictions)


def test_model_comparison_waterfalls(qtbot, state) -> None:
    dialog = shown(qtbot, CompareModelsDialog(state, Workers()))
    model, frame = state.model, state.data.frame
    a, b = aligned_waterfalls(model, model, frame, 3, top=WATERFALL_TOP)
    dialog.waterfall_a.set_data(a)
    dialog.waterfall_b.set_data(b)
    check_at_every_size(qtbot, state, dialog, lambda: dialog.waterfall_a)
    check_at_every_size(qtbot, state, dialog, lambda: dialog.waterfall_b)
