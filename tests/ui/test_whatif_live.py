"""What-if answers while the user types: no Enter needed; a half-typed number says nothing."""

from __future__ import annotations

import pytest
from PySide6.QtWidgets import QLineEdit

from app.ui.panels import debug_whatif
from tests.ui.test_debug_panels import TIMEOUT, idle, shown
from tests.ui.test_debug_panels import state as state


def test_typing_a_value_re_evaluates_without_enter(qtbot, state) -> None:
    panel = shown(qtbot, debug_whatif.create(state))
    state.select_row(3)
    qtbot.waitUntil(lambda: panel.result is not None, timeout=TIMEOUT)
    idle(qtbot, state)
    editor = panel.editors["capital_gain"]
    assert isinstance(editor, QLineEdit)
    editor.selectAll()
    qtbot.keyClicks(editor, "-")  # on the way to a number: no error shown yet
    qtbot.waitUntil(lambda: not panel._typing.isActive(), timeout=TIMEOUT)
    assert "needs a number" not in panel.message.text()
    editor.selectAll()
    qtbot.keyClicks(editor, "20000")  # no Enter
    qtbot.waitUntil(
        lambda: panel.result is not None and "capital_gain" in panel.result.changed,
        timeout=TIMEOUT,
    )
    idle(qtbot, state)
    x = state.data.X[3].copy()
    x[state.model.feature_names.index("capital_gain")] = 20000
    expected = state.model.raw_to_prediction(state.model.predict_raw(x[None, :]))[0, 0]
    assert panel.result.prediction[0] == pytest.approx(expected)
