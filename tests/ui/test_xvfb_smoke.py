"""A real window on a real (virtual) X server: `python -m app --model M --data D` under xvfb-run.

The app prints SHAPLENS_WINDOW_SHOWN when its window is on screen and SHAPLENS_EXPLAINED when
every row is explained (SHAPLENS_SMOKE=1), then quits by itself.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from PySide6.QtGui import QImage

pytestmark = pytest.mark.xvfb

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.skipif(
    shutil.which("xvfb-run") is None, reason="xvfb-run not installed (Debian: apt-get install xvfb)"
)
def test_window_appears_and_explains_under_xvfb(
    tmp_path, small_model_path, small_data_path
) -> None:
    shot = tmp_path / "window.png"
    env = {
        **os.environ,
        "QT_QPA_PLATFORM": "xcb",
        "SHAPLENS_SMOKE": "1",
        "SHAPLENS_SMOKE_SCREENSHOT": str(shot),
        "SHAPLENS_LOG_DIR": str(tmp_path / "log"),
        "XDG_CONFIG_HOME": str(tmp_path / "config"),  # keep the user's settings untouched
    }
    env.pop("DISPLAY", None)
    command = [
        "xvfb-run",
        "-a",
        "-s",
        "-screen 0 1600x1000x24",
        sys.executable,
        "-m",
        "app",
        "--model",
        str(small_model_path),
        "--data",
        str(small_data_path),
    ]
    result = subprocess.run(command, capture_output=True, text=True, timeout=180, env=env, cwd=ROOT)
    lines = result.stdout.splitlines()
    assert "SHAPLENS_WINDOW_SHOWN" in lines, result.stdout + result.stderr[-3000:]
    assert "SHAPLENS_EXPLAINED" in lines, result.stdout + result.stderr[-3000:]
    (icon_line,) = [line for line in lines if line.startswith("SHAPLENS_ICON_SIZES")]
    assert int(icon_line.split()[1]) >= 9, "the window shows the bundled icon in every size"
    assert result.returncode == 0, result.stderr[-3000:]
    image = QImage(str(shot))
    assert image.width() >= 800 and image.height() >= 500
    # Not blank: a window with a table and a plot has many distinct colours.
    colours = {
        image.pixel(x, y) for x in range(0, image.width(), 7) for y in range(0, image.height(), 7)
    }
    assert len(colours) > 50
