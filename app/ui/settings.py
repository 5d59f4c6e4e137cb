"""Persistent preferences: recent files, the window layout and the palette (QSettings, INI).

This class is the one place the app reads and writes preferences. Tests redirect the folder
with QSettings.setPath(IniFormat, UserScope, tmp) before creating one (tests/ui/conftest.py).
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QByteArray, QSettings

MAX_RECENT = 10
PALETTES = ("shap", "colour-blind")


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

    def save_folder(self) -> Path:
        """Where save dialogs start: the folder of the last file saved, else of the newest
        recent file, else home (a dialog that starts in the program's folder loses work)."""
        saved = self.qsettings.value("dialogs/save_folder", "")
        if saved and Path(str(saved)).is_dir():
            return Path(str(saved))
        recent = self.recent_files()
        return recent[0].parent if recent else Path.home()

    def remember_save(self, path: Path) -> None:
        self.qsettings.setValue("dialogs/save_folder", str(Path(path).resolve().parent))

    def save_start(self, file_name: str) -> str:
        """The path a save dialog proposes for `file_name`."""
        return str(self.save_folder() / file_name)

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

    def palette(self) -> str:
        """The plot palette chosen last time ("shap" or "colour-blind")."""
        value = self.qsettings.value("view/palette", "shap")
        return value if value in PALETTES else "shap"

    def set_palette(self, name: str) -> None:
        self.qsettings.setValue("view/palette", name if name in PALETTES else "shap")

    def file_name(self) -> str:
        """Where the preferences live (tests check it is not the user's real file)."""
        return self.qsettings.fileName()

    def cache_enabled(self) -> bool:
        """Whether explanations are kept in the disk cache (key `cache/enabled`, default on)."""
        return bool(self.qsettings.value("cache/enabled", True, type=bool))

    def set_cache_enabled(self, on: bool) -> None:
        self.qsettings.setValue("cache/enabled", bool(on))
