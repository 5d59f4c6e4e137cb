"""Docked panels read at the default window size (1400x860): Compare rows shows a useful
number of rows and every column, Fairness shows every group of a five-group column."""

from __future__ import annotations

from PySide6.QtWidgets import QTableWidget

from app.ui.panels.table_style import fully_visible_rows
from tests.ui._hardening import TIMEOUT, open_and_wait


def raised(qtbot, window, name: str):
    window.resize(1400, 860)
    window.show()
    qtbot.waitExposed(window)
    dock = window.dock_set.by_module[f"app.ui.panels.{name}"]
    dock.show()
    dock.raise_()
    qtbot.waitUntil(dock.widget().isVisible, timeout=TIMEOUT)
    return dock.widget()


def last_column_shown(table: QTableWidget) -> bool:
    last = table.columnCount() - 1
    right = table.columnViewportPosition(last) + table.columnWidth(last)
    return table.columnViewportPosition(0) >= 0 and right <= table.viewport().width()


def test_compare_rows_shows_rows_and_both_shap_columns(
    qtbot, window, small_model_path, small_data_path
) -> None:
    open_and_wait(qtbot, window, small_model_path, small_data_path)
    panel = raised(qtbot, window, "debug_compare")
    window.state.select_row(5)
    panel.row_b.setValue(8)
    qtbot.waitUntil(lambda: panel.table.rowCount() > 0, timeout=TIMEOUT)
    assert fully_visible_rows(panel.table) >= 6  # it showed about 3
    assert last_column_shown(panel.table)  # "A − B" and both SHAP columns in view
    assert not panel.neighbours.isVisible()  # no neighbours looked for: the table has the width
    long_value = panel.table.item(0, 1)
    assert long_value.toolTip() == long_value.text()  # an elided value is readable in full


def test_fairness_shows_every_group_at_the_default_size(
    qtbot, window, small_model_path, small_data_path
) -> None:
    open_and_wait(qtbot, window, small_model_path, small_data_path)
    panel = raised(qtbot, window, "debug_fairness")
    panel.set_column("race")
    qtbot.waitUntil(lambda: panel.report is not None, timeout=TIMEOUT)
    groups = panel.groups
    assert groups.rowCount() == len(panel.report.groups) == 5
    assert fully_visible_rows(groups) == groups.rowCount()  # it showed two
    assert last_column_shown(groups)
    # The panel states its rule and names the small groups; each one's reason is its tooltip.
    small = [g for g in panel.report.groups if g.small]
    assert small and "Groups are compared when" in panel.summary.text()
    row = [g.group for g in panel.report.groups].index(small[0].group)
    assert groups.item(row, 0).toolTip().startswith(f"Group '{small[0].group}' has only")
