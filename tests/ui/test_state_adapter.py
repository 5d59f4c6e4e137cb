"""AppState is the one Qt face of the workspace: its events arrive as Qt signals, its
sub-states are attributes, and a workspace outliving its window stops relaying quietly."""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import QCoreApplication, QEvent, QObject

from app.core.data.align import align
from app.core.data.data_io import load_dataset
from app.core.data.model_io import load_model
from app.core.workspace import Workspace
from app.ui.state import AppState
from app.ui.state_contexts import DebugContext, ReviewContext


def test_workspace_events_arrive_as_qt_signals(qtbot, small_model_path, small_data_path) -> None:
    ws = Workspace()
    state = AppState(workspace=ws)
    assert state.workspace is ws
    assert isinstance(state.debug, DebugContext) and state.debug.core is ws.debug
    assert isinstance(state.review, ReviewContext) and state.review.core is ws.review
    model = load_model(small_model_path)
    data = align(model, load_dataset(small_data_path))
    with qtbot.waitSignals(
        [state.model_changed, state.data_changed, state.visible_rows_changed],
        order="strict",
    ):
        ws.set_inputs(model, small_model_path, data, small_data_path, model.predict_raw(data.X))
    assert state.data is data and state.visible_rows.size == data.n_rows
    with qtbot.waitSignal(state.row_selected) as selected:
        ws.selection.select_row(4)
    assert selected.args == [4] and state.selected_row == 4
    with qtbot.waitSignal(state.debug.filter_changed):
        ws.debug.set_filter(expression="age > 40")
    assert np.array_equal(state.visible_rows, ws.selection.visible_rows)
    with qtbot.waitSignal(state.review.bookmarks_changed):
        ws.review.bookmarks.add(4)
    with qtbot.waitSignal(state.error_raised) as error:
        state.set_threshold(2.0)
    assert "between 0 and 1" in error.args[0]


def test_a_workspace_outliving_its_window_stops_relaying(qtbot) -> None:
    parent = QObject()
    state = AppState(parent)
    ws = state.workspace
    heard: list[str] = []
    state.status_changed.connect(heard.append)
    ws.messages.report_status("before")
    del state
    parent.deleteLater()
    QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)
    ws.messages.report_status("after")  # no deleted Qt object is reached: nothing raises
    ws.selection.set_threshold(0.3)
    assert heard == ["before"]
