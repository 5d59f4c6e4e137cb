"""The panel docks: built from app.ui.panels, grouped into tab stacks, listed in View > Panels.

Layout: the filter bar (a control, not a view) sits above the table and the views; the other
panels are two tab stacks below them, debugging tools on the left and review/production panels
on the right. Only a few panels are visible on a fresh layout; View > Panels shows the rest.
"""

from __future__ import annotations

import importlib
import logging
from dataclasses import dataclass, field

from PySide6.QtCore import QEvent, QSize, Qt, QTimer
from PySide6.QtWidgets import QDockWidget, QFrame, QMainWindow, QMenu, QScrollArea, QTabBar, QWidget

from app.ui.state import AppState

log = logging.getLogger(__name__)

# A panel dock may shrink to this height (its panel scrolls) so the views keep theirs.
MIN_PANEL_PX = 60


class PanelScroll(QScrollArea):
    """Fills the viewport with the panel, never making it smaller than its minimum size.

    Qt's own resizing scroll area gives a panel holding wrapped text its preferred height, so
    panels scrolled even in docks with room for them; this one scrolls only below the minimum."""

    def __init__(self, panel: QWidget, parent: QWidget) -> None:
        super().__init__(parent)
        self.setWidgetResizable(False)
        self.setFrameShape(QFrame.Shape.NoFrame)
        self.setMinimumHeight(MIN_PANEL_PX)
        self.setWidget(panel)
        panel.installEventFilter(self)

    def sizeHint(self):  # type: ignore[override]
        # The panel's own wish: a non-resizing scroll area would offer the panel's current
        # size, which before the first layout is Qt's default and made the docks start tiny.
        return self.widget().sizeHint().expandedTo(QSize(MIN_PANEL_PX, MIN_PANEL_PX))

    def _fit(self) -> None:
        panel = self.widget()
        least = panel.minimumSizeHint().expandedTo(panel.minimumSize())
        view = self.viewport().size()
        width = max(view.width(), least.width())
        height = least.height()
        layout = panel.layout()
        if layout is not None and layout.hasHeightForWidth():
            # Wrapped text (a plot's two-line title) needs more height when the dock is narrow,
            # which the minimum size hint does not count: the title and the note under it were
            # cut in half in a 915x610 window.
            height = max(height, layout.totalMinimumHeightForWidth(width))
        panel.resize(width, max(view.height(), height))

    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
        self._fit()

    def eventFilter(self, watched, event) -> bool:
        if watched is self.widget() and event.type() == QEvent.Type.LayoutRequest:
            self._fit()  # the panel's minimum may have changed (rows, messages shown)
        return super().eventFilter(watched, event)


class PanelDock(QDockWidget):
    """A dock whose panel scrolls when the dock is shorter than the panel's minimum.

    Without it a panel's minimum height became the dock's, and in a small window the docks
    took the height the central views need ("Too small to read" at 915x610). The filter bar,
    a control, is docked as it is."""

    def __init__(self, title: str, parent: QWidget, panel: QWidget, scroll: bool) -> None:
        super().__init__(title, parent)
        self._panel = panel
        # A panel whose plot needs room (USEFUL_HEIGHT) gets it when it comes into view: the
        # bottom docks are sized for controls, and a heatmap shown there said "too small".
        self.visibilityChanged.connect(self._make_room)
        if not scroll:
            self.setWidget(panel)
            return
        self.setWidget(PanelScroll(panel, self))

    def _make_room(self, visible: bool) -> None:
        wanted = int(getattr(self._panel, "USEFUL_HEIGHT", 0))
        window = self.parentWidget()
        if not visible or not wanted or self.isFloating() or not isinstance(window, QMainWindow):
            return
        # Never more than half the window: the central views keep theirs.
        target = min(wanted, window.height() // 2)
        if self.height() < target:
            # After the show settles; tied to this dock so a closed window cancels it.
            QTimer.singleShot(
                0, self, lambda: window.resizeDocks([self], [target], Qt.Orientation.Vertical)
            )

    def widget(self) -> QWidget:  # type: ignore[override]
        """The panel itself (not its scroll area): what callers of a dock want."""
        return self._panel


def dock_of(widget: QWidget) -> QDockWidget | None:
    """The dock holding `widget` (a panel sits in a scroll area inside its dock)."""
    parent = widget.parentWidget()
    while parent is not None and not isinstance(parent, QDockWidget):
        parent = parent.parentWidget()
    return parent


# Groups with their own dock area; every other group goes to the bottom, side by side.
GROUP_AREAS = {"Filter": Qt.DockWidgetArea.TopDockWidgetArea}
BOTTOM = Qt.DockWidgetArea.BottomDockWidgetArea


@dataclass
class Docks:
    docks: list[QDockWidget] = field(default_factory=list)
    by_module: dict[str, QDockWidget] = field(default_factory=dict)
    groups: dict[str, list[QDockWidget]] = field(default_factory=dict)
    default_visible: set[str] = field(default_factory=set)
    failed: list[str] = field(default_factory=list)

    def module_of(self, dock: QDockWidget) -> str:
        return dock.objectName().removeprefix("dock:")

    def show_defaults(self) -> None:
        """Show the default panels, hide the rest, and bring the first of each group forward."""
        for dock in self.docks:
            dock.setVisible(
                self.module_of(dock) in self.default_visible or not self.default_visible
            )
        for members in self.groups.values():
            shown = [d for d in members if d.isVisible()]
            if shown:
                shown[0].raise_()

    def show_all(self) -> None:
        for dock in self.docks:
            dock.show()


def _group_of(name: str, groups: dict[str, list[str]]) -> str:
    for group, members in groups.items():
        if name in members:
            return group
    return next(iter(groups), "Panels")


def build_docks(
    window: QMainWindow,
    state: AppState,
    modules: list[str],
    groups: dict[str, list[str]],
    default_visible: set[str],
) -> Docks:
    """Create one dock per panel module; a module that fails is skipped (logged, listed)."""
    result = Docks(default_visible=set(default_visible))
    hide_others = bool(default_visible & set(modules))  # no default among them: show all
    for name in modules:
        try:
            module = importlib.import_module(name)
            widget = module.create(state)
            title = str(module.TITLE)
        except Exception:  # a broken panel must not stop the app from opening
            log.exception("panel %s failed to load", name)
            result.failed.append(name)
            continue
        group = _group_of(name, groups)
        dock = PanelDock(title, window, widget, scroll=group not in GROUP_AREAS)
        dock.setObjectName(f"dock:{name}")
        if hide_others and name not in default_visible:
            # Hidden before it joins a tab stack: hiding it afterwards (before the window is
            # shown) left Qt's tab bar for the whole stack drawn over the neighbouring panel.
            dock.hide()
        result.groups.setdefault(group, []).append(dock)
        result.docks.append(dock)
        result.by_module[name] = dock
    # Place each group's first dock before tabifying: splitting next to a dock that is already
    # in a tab stack would add a tab instead of a neighbour.
    bottoms: list[QDockWidget] = []
    for group, members in result.groups.items():
        first = members[0]
        window.addDockWidget(GROUP_AREAS.get(group, BOTTOM), first)
        if group not in GROUP_AREAS:
            if bottoms:  # later bottom groups go to the right of the previous one
                window.splitDockWidget(bottoms[-1], first, Qt.Orientation.Horizontal)
            bottoms.append(first)
    for members in result.groups.values():
        for dock in members[1:]:
            window.tabifyDockWidget(members[0], dock)
    # Modules not in the default set start hidden (one click away in View > Panels).
    if default_visible & set(result.by_module):
        result.show_defaults()
    return result


def hide_stray_tab_bars(window: QMainWindow) -> int:
    """Hide the main window's dock tab bars that hold fewer than two tabs; returns how many.

    Qt keeps a tab bar for every stack that once held tabified docks, and with the other
    panels of a stack hidden, a one-tab bar ("Summary") was left drawn at the window's top-left
    corner over the File menu (seen offscreen). One dock needs no tab bar; Qt shows the bar
    again itself when a stack regains a second visible dock.
    """
    hidden = 0
    # QMainWindow makes these bars itself and offers no handle on them but its direct children.
    bars = [child for child in window.children() if isinstance(child, QTabBar)]
    for bar in bars:
        if bar.isVisible() and bar.count() < 2:
            bar.hide()
            hidden += 1
    return hidden


def fill_panels_menu(menu: QMenu, docks: Docks) -> None:
    """One checkable entry per panel, in sections by group, plus show-all / defaults."""
    menu.clear()
    for group, members in docks.groups.items():
        if len(docks.groups) > 1:
            menu.addSection(group)
        for dock in members:
            menu.addAction(dock.toggleViewAction())
    menu.addSeparator()
    menu.addAction("Show &All Panels").triggered.connect(docks.show_all)
    menu.addAction("&Default Panels").triggered.connect(docks.show_defaults)
    menu.setEnabled(bool(docks.docks))
