"""File ▸ Open Recent: the recent-files list (kept in Settings), its menu, and the folder file
dialogs start in (the folder of the newest recent file)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from PySide6.QtWidgets import QMenu

from app.ui.settings import Settings


class RecentFiles:
    """Shared by the file, session and export actions: each adds what it opened or wrote."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self._menu: QMenu | None = None
        self._open: Callable[[Path], None] | None = None

    def attach(self, menu: QMenu, open_path: Callable[[Path], None]) -> None:
        """Fill `menu` now and after every change; choosing an entry calls open_path(path).

        Attached after construction because the menu is built from the actions that use this.
        """
        self._menu, self._open = menu, open_path
        self.refresh()

    def add(self, path: Path) -> None:
        self.settings.add_recent(Path(path))
        self.refresh()

    def clear(self) -> None:
        self.settings.clear_recent()
        self.refresh()

    def files(self) -> list[Path]:
        return self.settings.recent_files()

    def start_dir(self) -> str:
        """Where open/save dialogs start: the newest recent file's folder, else home."""
        recent = self.settings.recent_files()
        return str(recent[0].parent) if recent else str(Path.home())

    def save_start(self, file_name: str) -> str:
        """Where a save dialog proposes `file_name`: the last folder saved to (Settings)."""
        return self.settings.save_start(file_name)

    def remember_save(self, path: Path) -> None:
        self.settings.remember_save(Path(path))

    def refresh(self) -> None:
        if self._menu is not None and self._open is not None:
            fill_recent(self._menu, self.files(), self._open, self.clear)


def fill_recent(
    menu: QMenu, files: list[Path], open_path: Callable[[Path], None], clear: Callable[[], None]
) -> None:
    menu.clear()
    for path in files:
        action = menu.addAction(path.name)
        action.setToolTip(str(path))
        action.triggered.connect(lambda _=False, p=path: open_path(p))
    if files:
        menu.addSeparator()
        menu.addAction("Clear Menu").triggered.connect(clear)
    menu.setEnabled(bool(files))
