"""What-if answers while the user types: no Enter needed; a half-typed number says nothing."""

from __future__ import annotations

import pytest
from PySide6.QtWidgets import QLineEdit

from app.ui.panels import debug_whatif
from tests.ui._layout import problems
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


def test_edited_row_gets_its_waterfall_beside_the_original(qtbot, state, tmp_path) -> None:
    panel = shown(qtbot, debug_whatif.create(state), 900, 700)
    state.select_row(3)
    qtbot.waitUntil(lambda: panel.result is not None, timeout=TIMEOUT)
    panel.set_value("capital_gain", 20000)
    qtbot.waitUntil(
        lambda: panel.result is not None and "capital_gain" in panel.result.changed,
        timeout=TIMEOUT,
    )
    idle(qtbot, state)
    before, after = panel.waterfalls.original.data, panel.waterfalls.edited.data
    assert before is not None and after is not None and before.row == after.row == 3
    # Each ends at its own model output: the edit moved the edited one only.
    k = state.output_index
    assert after.output_value == pytest.approx(float(panel.result.raw[k]), abs=1e-4)
    assert after.output_value != pytest.approx(before.output_value, abs=1e-6)
    labels = [step.label for step in after.steps]
    assert "capital_gain = 20000" in labels
    panel.grab().save(str(tmp_path / "whatif.png"))
    assert problems(panel.waterfalls.original) == [] and problems(panel.waterfalls.edited) == []


def test_a_long_number_shows_its_start_in_a_narrow_editor(qtbot, state) -> None:
    # A float such as -0.872221559599 showed '21559599' in a narrow editor: its end.
    panel = shown(qtbot, debug_whatif.create(state))
    state.select_row(3)
    qtbot.waitUntil(lambda: panel.result is not None, timeout=TIMEOUT)
    idle(qtbot, state)
    lines = [e for e in panel.editors.values() if isinstance(e, QLineEdit) and e.text()]
    assert lines and all(e.cursorPosition() == 0 for e in lines)
    panel.set_value("capital_gain", 123456.7890123)
    assert panel.editors["capital_gain"].cursorPosition() == 0
