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


def run_guarded(body: str) -> subprocess.CompletedProcess:
    code = GUARD + textwrap.dedent(body)
    env = {"QT_QPA_PLATFORM": "offscreen", "PATH": "/usr/bin:/bin", "HOME": "/tmp"}
    return subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=300, env=env
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
