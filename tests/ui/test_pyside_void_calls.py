"""PySide6 6.12.0 on CPython < 3.12 drops a reference to None on every void Qt call and aborts
after about 5,000 calls; pyproject pins it below 6.12 there. This keeps the pin honest."""

from __future__ import annotations

import subprocess
import sys


def test_twenty_thousand_void_calls_do_not_abort() -> None:
    code = (
        "from PySide6.QtWidgets import QApplication, QWidget\n"
        "app = QApplication([])\n"
        "w = QWidget()\n"
        "for i in range(20_000):\n"
        "    w.update()\n"
        "    w.setObjectName('w')\n"
        "print('ok')\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        timeout=120,
        env={"QT_QPA_PLATFORM": "offscreen", "PATH": "/usr/bin:/bin"},
    )
    assert result.returncode == 0, result.stderr[-2000:]
    assert result.stdout.strip() == "ok"
