"""Persistent preferences: recent files and the window layout (QSettings, INI format).

Tests redirect the folder with QSettings.setPath(IniFormat, UserScope, tmp) before creating one.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QByteArray, QSettings

MAX_RECENT = 10


class Settings:
    def __init__(self, settings: QSettings | None = None) -> None:
        self.qsettings = settings or QSettings(
            QSettings.Format.IniFormat, QSettings.Scope.UserScope, "shaplens", "shaplens"
        )

    def recent_files(self) -> list[Path]:
        value = self.qsettings.value("recent/files", [])
        if isinstance(value, str):  # QSettings returns a lone string for a one-item list
            value = [value]
        return [Path(v) for v in (value or [])]

    def add_recent(self, path: Path) -> list[Path]:
        path = Path(path).resolve()
        files = [path] + [p for p in self.recent_files() if p != path]
        files = files[:MAX_RECENT]
        self.qsettings.setValue("recent/files", [str(p) for p in files])
        return files

    def clear_recent(self) -> None:
        self.qsettings.setValue("recent/files", [])

    def save_window(self, geometry: QByteArray, state: QByteArray, splitter: QByteArray) -> None:
        self.qsettings.setValue("window/geometry", geometry)
        self.qsettings.setValue("window/state", state)
        self.qsettings.setValue("window/splitter", splitter)
        self.qsettings.sync()

    def window(self) -> tuple[QByteArray | None, QByteArray | None, QByteArray | None]:
        def get(key: str) -> QByteArray | None:
            value = self.qsettings.value(key)
            return value if isinstance(value, QByteArray) else None

        return get("window/geometry"), get("window/state"), get("window/splitter")
