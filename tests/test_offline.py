"""ShapLens never opens a network connection: runs happen under an audit hook that fails on any
socket creation, DNS lookup or URL request made from Python."""

from __future__ import annotations

import subprocess
import sys
import textwrap

import pandas as pd

GUARD = textwrap.dedent(
    """
    import os, sys
    FORBIDDEN = ("socket.__new__", "socket.connect", "socket.getaddrinfo",
                 "socket.gethostbyname", "urllib.Request")

    def guard(event, args):
        if event in FORBIDDEN:
            os.write(2, f"NETWORK: {event} {args!r}\\n".encode())
            os._exit(97)

    sys.addaudithook(guard)
    """
)


def run_guarded(
    body: str, argv: list[str] | None = None, env_extra: dict[str, str] | None = None
) -> subprocess.CompletedProcess:
    code = GUARD + textwrap.dedent(body)
    env = {"QT_QPA_PLATFORM": "offscreen", "PATH": "/usr/bin:/bin", "HOME": "/tmp"}
    env.update(env_extra or {})
    return subprocess.run(
        [sys.executable, "-c", code, *(argv or [])],
        capture_output=True,
        text=True,
        timeout=300,
        env=env,
    )


def test_the_guard_catches_a_socket() -> None:
    result = run_guarded("import socket\nsocket.socket()\n")
    assert result.returncode == 97 and "NETWORK" in result.stderr


def test_explain_opens_no_socket(tmp_path, sample_model_path, sample_data_path) -> None:
    small = tmp_path / "small.parquet"
    pd.read_parquet(sample_data_path).iloc[:300].to_parquet(small)
    out = tmp_path / "v.parquet"
    result = run_guarded(
        f"""
        from app.cli import main
        code = main(["explain", "--model", {str(sample_model_path)!r}, "--data", {str(small)!r},
                     "--out", {str(out)!r}])
        sys.exit(code)
        """
    )
    assert result.returncode == 0, result.stderr[-2000:]
    assert out.exists()


GUI_SESSION = """
import os
from pathlib import Path

from PySide6.QtCore import QEventLoop, QTimer
from PySide6.QtWidgets import QApplication

from app.ui.crash import setup_logging
from app.ui.main_window import MainWindow

model, data, out = (Path(p) for p in sys.argv[1:4])


def inet_sockets() -> set[str]:
    # Sockets this process holds that are TCP/UDP (IPv4/6): catches connections opened from C++
    # (Qt, model libraries), which the Python audit hook cannot see.
    table = set()
    for name in ("tcp", "tcp6", "udp", "udp6"):
        try:
            lines = Path(f"/proc/self/net/{name}").read_text().splitlines()[1:]
        except OSError:
            continue
        table.update(line.split()[9] for line in lines)
    mine = set()
    for fd in os.listdir("/proc/self/fd"):
        try:
            target = os.readlink(f"/proc/self/fd/{fd}")
        except OSError:
            continue
        if target.startswith("socket:["):
            mine.add(target[8:-1])
    return mine & table


setup_logging(verbose=True)
app = QApplication([])
window = MainWindow()
window.show()
finished = []
window.state.explanation_finished.connect(lambda: finished.append(True))
window.state.error_raised.connect(lambda text: print("ERROR", text))
loop = QEventLoop()
window.state.explanation_finished.connect(loop.quit)
window.state.error_raised.connect(loop.quit)
QTimer.singleShot(240_000, loop.quit)
window.controller.open(model, data)
loop.exec()
assert finished, "no explanation"
window.show_view("importance")
written = window.exporter.export_view(out, 600)
assert written is not None and written.stat().st_size > 1000, written
window.close()
app.processEvents()
print("INET", sorted(inet_sockets()))
print("GUI_DONE", window.state.explanation.n_rows)
"""


def test_gui_session_opens_no_socket(tmp_path, sample_model_path, sample_data_path) -> None:
    small = tmp_path / "slice.parquet"
    pd.read_parquet(sample_data_path).iloc[:1_000].to_parquet(small)
    out = tmp_path / "importance.png"
    extra = {"SHAPLENS_LOG_DIR": str(tmp_path / "log"), "XDG_CONFIG_HOME": str(tmp_path)}
    result = run_guarded(GUI_SESSION, [str(sample_model_path), str(small), str(out)], extra)
    assert result.returncode == 0, result.stderr[-3000:]
    assert "GUI_DONE 1000" in result.stdout and "INET []" in result.stdout, result.stdout
    assert out.stat().st_size > 1000
    assert (tmp_path / "log" / "shaplens.log").exists()  # the log went where it was told
