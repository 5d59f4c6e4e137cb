"""The offscreen message filter is handed back at exit (issue 20: it was installed for the
process and never removed, so Qt could call into Python during interpreter teardown)."""

from __future__ import annotations

import subprocess
import sys

from app.plots import export


def test_the_filter_is_installed_with_its_undo(monkeypatch) -> None:
    installed, at_exit = [], []
    monkeypatch.setattr(export, "qInstallMessageHandler", lambda h: installed.append(h) or "old")
    monkeypatch.setattr(export.atexit, "register", lambda fn, *a: at_exit.append((fn, a)))
    export._quiet_while_running()
    assert installed == [export._quiet_offscreen]
    fn, args = at_exit[0]
    assert args == ("old",)
    fn(*args)  # the registered undo re-installs what was there before
    assert installed[-1] == "old"


def test_a_process_that_drew_offscreen_exits_cleanly() -> None:
    code = (
        "import os; os.environ['QT_QPA_PLATFORM'] = 'offscreen'\n"
        "from app.plots.export import ensure_app\n"
        "from PySide6.QtCore import qWarning\n"
        "ensure_app(); qWarning('propagateSizeHints is dropped'); qWarning('kept')\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=120, check=False
    )
    assert done.returncode == 0, done.stderr
    assert "kept" in done.stderr and "propagateSizeHints" not in done.stderr
