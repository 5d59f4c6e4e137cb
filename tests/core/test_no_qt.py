"""app.core must stay usable without Qt: importing all of it pulls in no Qt module."""

from __future__ import annotations

import pkgutil
import subprocess
import sys

import app.core

QT_MODULES = ("PySide6", "pyqtgraph", "superqt", "qtpy", "shiboken6")


def test_core_imports_no_qt() -> None:
    # The prefix matters: without it walk_packages imports subpackages by their bare names,
    # so app.core.explain.distributed would be confused with the Dask `distributed` library.
    modules = [
        m.name for m in pkgutil.walk_packages(app.core.__path__, prefix="app.core.") if not m.ispkg
    ]
    modules += ["app.commands.explain", "app.cli"]
    code = (
        "import importlib, sys\n"
        f"for name in {modules!r}:\n"
        "    importlib.import_module(name)\n"
        f"leaked = sorted(m for m in sys.modules if m.split('.')[0] in {QT_MODULES!r})\n"
        "print(','.join(leaked))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=120
    )
    assert len(modules) > 5
    assert result.stdout.strip() == "", f"Qt modules imported by app.core: {result.stdout}"
