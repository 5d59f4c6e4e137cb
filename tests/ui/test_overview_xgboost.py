"""The Model overview panel describes an XGBoost model (it once showed a raw LightGBM error)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from app.core.data.align import align
from app.core.data.model_io import load_model
from app.ui.state import AppState
from app.workers import Workers
from tests.core import hostile_models as H

TIMEOUT = 120_000  # generous for a busy machine; the wait ends as soon as the result arrives


def test_overview_panel_describes_an_xgboost_model(qtbot, tmp_path_factory) -> None:
    from app.ui.panels.production_overview import OverviewPanel

    path = H.xgb_file("json")
    model = load_model(path)
    X, _, names = H.cancer()
    state = AppState()
    state.set_inputs(model, path, align(model, pd.DataFrame(X, columns=names)), Path("c.csv"))
    workers = Workers()
    panel = OverviewPanel(state, workers)
    qtbot.addWidget(panel)
    try:
        qtbot.waitUntil(lambda: panel.overview is not None, timeout=TIMEOUT)
    finally:
        workers.cancel_all()
    assert "Could not inspect" not in panel.message.text()
    assert panel.overview.framework == "XGBoost"
    assert panel.table.rowCount() == 6
    panel.resize(900, 420)
    panel.grab().save(str(tmp_path_factory.getbasetemp() / "overview_xgboost.png"))
