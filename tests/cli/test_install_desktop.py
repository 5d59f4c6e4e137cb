"""`shaplens install-desktop`: the menu entry and icons in the user's data folder, and back out."""

from __future__ import annotations

import shlex
import sys

from app import bundled
from app.cli import main


def test_install_writes_entry_and_icons_then_uninstall_removes_only_them(tmp_path) -> None:
    home = tmp_path / "share"
    assert main(["install-desktop", "--data-home", str(home)]) == 0
    entry = (home / "applications" / "shaplens.desktop").read_text(encoding="utf-8")
    fields = dict(line.split("=", 1) for line in entry.splitlines() if "=" in line)
    # This interpreter, isolated from the launch folder (-I), so the entry works from any venv.
    assert shlex.split(fields["Exec"]) == [sys.executable, "-I", "-m", "app"]
    assert fields["TryExec"] == sys.executable and "@EXEC@" not in entry
    icons = home / "icons" / "hicolor"
    for size in bundled.icon_pngs():
        png = icons / f"{size}x{size}" / "apps" / "shaplens.png"
        assert png.read_bytes() == bundled.icon_pngs()[size].read_bytes()
    assert (icons / "scalable" / "apps" / "shaplens.svg").is_file()
    mine = icons / "48x48" / "apps" / "other-app.png"
    mine.write_bytes(b"not ours")
    assert main(["install-desktop", "--data-home", str(home), "--uninstall"]) == 0
    assert not (home / "applications" / "shaplens.desktop").exists()
    assert not list(icons.rglob("shaplens.*"))
    assert mine.read_bytes() == b"not ours"


def test_unwritable_place_is_one_error_line(tmp_path, capsys) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("a file where a folder should be")
    assert main(["install-desktop", "--data-home", str(blocker)]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: ") and "Traceback" not in err and str(blocker) in err
