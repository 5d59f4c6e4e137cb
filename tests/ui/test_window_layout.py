"""The docked panels give way to the central views: in a small window and at the default size
the views keep a readable height (the panels scroll) instead of showing "Too small to read"."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt

from app.plots.base import MIN_READABLE
from app.ui.docks import MIN_PANEL_PX, PanelDock
from tests.ui._hardening import TIMEOUT, open_and_wait


@pytest.mark.parametrize("size", [(915, 610), (1400, 860)], ids=["915x610", "default"])
def test_central_view_keeps_a_readable_height(
    qtbot, window, small_model_path, small_data_path, size
) -> None:
    window.resize(*size)
    window.show()
    qtbot.waitExposed(window)
    open_and_wait(qtbot, window, small_model_path, small_data_path)
    plot = window.plots.slots["importance"].plot
    qtbot.waitUntil(lambda: window.plots.importance_data is not None, timeout=TIMEOUT)
    qtbot.waitUntil(lambda: plot.isVisible() and plot.height() > 0, timeout=TIMEOUT)
    assert window.height() <= size[1]  # the window did not grow to fit its panels
    assert plot.height() >= MIN_READABLE[1] and plot.width() >= MIN_READABLE[0]
    assert plot.view.isVisible() and not plot.notice.isVisible()
    bottom = [
        d for d in window.dock_set.docks
        if d.isVisible() and window.dockWidgetArea(d) == Qt.DockWidgetArea.BottomDockWidgetArea
    ]  # fmt: skip
    assert bottom and all(d.height() >= MIN_PANEL_PX for d in bottom)


def test_a_panel_scrolls_in_a_short_dock_and_is_still_the_docks_widget(window) -> None:
    dock = window.dock_set.by_module["app.ui.panels.debug_slices"]
    assert isinstance(dock, PanelDock)
    panel = dock.widget()
    assert type(panel).__name__ != "QScrollArea"  # callers get the panel itself
    # The dock can be shorter than the panel: its minimum is the scroll area's, not the panel's.
    assert dock.minimumSizeHint().height() < panel.minimumSizeHint().height()
    filter_dock = window.dock_set.by_module["app.ui.panels.debug_filter"]
    assert filter_dock.minimumSizeHint().height() >= filter_dock.widget().minimumSizeHint().height()


def test_a_panel_that_needs_room_gets_it_when_shown(qtbot, window) -> None:
    """The bottom docks are sized for controls; the Interactions heatmap shown there at the
    default size said "too small to read" until the dock grew to its USEFUL_HEIGHT."""
    window.resize(1400, 860)
    window.show()
    qtbot.waitExposed(window)
    dock = window.dock_set.by_module["app.ui.panels.interactions"]
    grown = 300  # about as far as the central views' minimum allows here
    assert dock.height() < grown or not dock.isVisible()
    dock.show()
    dock.raise_()
    # It was 76-165 px before, a "too small to read" heatmap.
    qtbot.waitUntil(lambda: dock.isVisible() and dock.height() >= grown, timeout=TIMEOUT)
    slot = window.plots.slots["importance"]
    assert slot.height() >= MIN_READABLE[1]  # the central views keep a readable height


def test_a_narrow_dock_gives_wrapped_text_its_height_and_scrolls(qtbot) -> None:
    from PySide6.QtWidgets import QLabel, QVBoxLayout, QWidget

    from app.ui.docks import PanelScroll

    holder = QWidget()
    qtbot.addWidget(holder)
    panel = QWidget()
    layout = QVBoxLayout(panel)
    title = QLabel("Mean |SHAP interaction| (log-odds) over all 48,842 rows, top 5 of 13 " * 3)
    title.setWordWrap(True)
    layout.addWidget(title)
    layout.addWidget(QLabel("Too small to read: enlarge this view."))
    scroll = PanelScroll(panel, holder)
    scroll.resize(260, MIN_PANEL_PX)
    holder.show()
    qtbot.waitExposed(holder)
    width = panel.width()
    # Without the height-for-width, the panel got its (one-line) minimum size hint and the
    # wrapped title and the line under it were cut.
    assert (
        panel.height()
        >= layout.totalMinimumHeightForWidth(width)
        > panel.minimumSizeHint().height()
    )
    assert title.height() >= title.heightForWidth(title.width())


def test_whatif_waterfalls_read_in_the_default_window(
    qtbot, window, small_model_path, small_data_path
) -> None:
    """Docked under the views at 1400x860, What-if's table took the panel and both waterfalls
    said "too small to read"; in a wide, short dock they now sit beside the table, one at a
    time when two would be too narrow."""
    window.resize(1400, 860)
    window.show()
    qtbot.waitExposed(window)
    open_and_wait(qtbot, window, small_model_path, small_data_path)
    dock = window.dock_set.by_module["app.ui.panels.debug_whatif"]
    dock.hide()  # brought into view as a user does, so it asks for its USEFUL_HEIGHT
    dock.show()
    dock.raise_()
    qtbot.waitUntil(lambda: dock.height() >= 300, timeout=TIMEOUT)
    panel = dock.widget()
    window.state.select_row(3)
    waterfalls = panel.waterfalls
    qtbot.waitUntil(lambda: waterfalls.edited.data is not None, timeout=TIMEOUT)
    qtbot.waitUntil(lambda: waterfalls.edited.isVisible(), timeout=TIMEOUT)
    assert panel.width() >= 2 * panel.height()
    assert panel.split.orientation() == Qt.Orientation.Horizontal
    shown = [p for p in (waterfalls.original, waterfalls.edited) if p.isVisible()]
    assert shown and all(not p.too_small() and not p.notice.isVisible() for p in shown)
    if waterfalls.choice.isVisible():  # one at a time: the tab bar brings the other forward
        waterfalls.choice.setCurrentIndex(1)
        qtbot.waitUntil(lambda: waterfalls.original.isVisible(), timeout=TIMEOUT)
        assert not waterfalls.edited.isVisible() and not waterfalls.original.too_small()
