"""A second counterfactual search finishes as the first did (a layout test once saw the second
search in a process never return)."""

from __future__ import annotations

import pytest

from app.ui.panels import debug_counterfactuals
from tests.ui._debug_state import filled_state
from tests.ui.test_counterfactuals_panel import TIMEOUT, idle, shown


@pytest.fixture
def state(small_model_path, small_data_path):
    return filled_state(small_model_path, small_data_path)


def test_searches_one_after_another_each_finish(qtbot, state) -> None:
    panel = shown(qtbot, debug_counterfactuals.create(state))
    for row in (3, 5, 3):
        state.select_row(row)
        panel.find()
        qtbot.waitUntil(
            lambda row=row: panel.result is not None and panel.result.row == row, timeout=TIMEOUT
        )
        idle(qtbot, state)
        assert panel.find_button.isEnabled()


def test_a_second_panel_on_a_new_state_searches_too(
    qtbot, small_model_path, small_data_path
) -> None:
    for _ in range(2):
        fresh = filled_state(small_model_path, small_data_path)
        panel = shown(qtbot, debug_counterfactuals.create(fresh))
        fresh.select_row(3)
        panel.find()
        qtbot.waitUntil(lambda panel=panel: panel.result is not None, timeout=TIMEOUT)
        idle(qtbot, fresh)
