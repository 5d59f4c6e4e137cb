"""Dock panels. Each module listed here is added to the main window as a dock tab.

To register a panel, add its module path to PANEL_MODULES, e.g. "app.ui.panels.overview".
The module exposes `TITLE: str` and `create(state: AppState) -> QWidget`; the widget subscribes
to the state's signals. A module that fails to import is skipped with a status-bar message.
"""

from __future__ import annotations

PANEL_MODULES: list[str] = []
