"""`shaplens install-desktop`: put ShapLens in a Linux desktop's application menu (user level).

Writes the freedesktop entry and the icon into the user's data folder ($XDG_DATA_HOME, by default
~/.local/share); no root needed. The entry starts this very interpreter (`python -m app`), so it
keeps working whether ShapLens lives in a virtual environment, a pipx venv or the system Python.
"""

from __future__ import annotations

import argparse
import os
import shlex
import sys
from pathlib import Path

from app import bundled
from app.core.base.atomic import write_bytes_atomic, write_text_atomic
from app.core.base.errors import ShapLensError

ENTRY_NAME = "shaplens.desktop"
ICON_NAME = "shaplens"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--uninstall", action="store_true", help="remove the menu entry and icons this wrote"
    )
    parser.add_argument(
        "--data-home",
        type=Path,
        default=None,
        help="where to install (default: $XDG_DATA_HOME or ~/.local/share)",
    )


def data_home(given: Path | None = None) -> Path:
    if given is not None:
        return given
    xdg = os.environ.get("XDG_DATA_HOME")
    return Path(xdg) if xdg and Path(xdg).is_absolute() else Path.home() / ".local" / "share"


def targets(home: Path) -> dict[Path, Path]:
    """Where each bundled file goes: {destination: source}."""
    icons = home / "icons" / "hicolor"
    placed = {icons / "scalable" / "apps" / f"{ICON_NAME}.svg": bundled.icon_svg()}
    for size, png in bundled.icon_pngs().items():
        placed[icons / f"{size}x{size}" / "apps" / f"{ICON_NAME}.png"] = png
    return placed


def desktop_entry_text() -> str:
    # -I: a folder named "app" (or numpy.py...) in the launch folder must not be imported
    command = shlex.join([sys.executable, "-I", "-m", "app"])
    text = bundled.desktop_entry().read_text(encoding="utf-8")
    return text.replace("TryExec=@EXEC@", f"TryExec={sys.executable}").replace("@EXEC@", command)


def install(home: Path) -> list[Path]:
    written = []
    for destination, source in targets(home).items():
        destination.parent.mkdir(parents=True, exist_ok=True)
        written.append(write_bytes_atomic(destination, source.read_bytes()))
    entry = home / "applications" / ENTRY_NAME
    entry.parent.mkdir(parents=True, exist_ok=True)
    written.append(write_text_atomic(entry, desktop_entry_text()))
    return written


def uninstall(home: Path) -> list[Path]:
    removed = []
    for path in [*targets(home), home / "applications" / ENTRY_NAME]:
        if path.is_file():
            path.unlink()
            removed.append(path)
    return removed


def run(args: argparse.Namespace) -> int:
    home = data_home(args.data_home)
    try:
        if args.uninstall:
            removed = uninstall(home)
            print(f"removed {len(removed)} file(s) from {home}", file=sys.stderr)
            return 0
        written = install(home)
    except OSError as error:
        raise ShapLensError(
            f"Could not install the menu entry under {home}: {error.strerror or error}. "
            "Check that the folder is writable, or pass --data-home."
        ) from error
    print(
        f"installed {ENTRY_NAME} and {len(written) - 1} icon file(s) under {home}; ShapLens "
        "appears in the application menu (log out and in if your desktop does not refresh)",
        file=sys.stderr,
    )
    return 0
