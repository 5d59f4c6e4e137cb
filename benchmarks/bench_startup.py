"""Start-up (issue 20): cold processes of `shaplens --help`, `shaplens explain` on 10 rows of the
sample, and the window on screen with the sample loading behind it.

Each is a new process, median of 5 (one untimed run first writes the bytecode caches, as an
installed package has them). The reference is a bare interpreter start (`python -c pass`) in
the same run; the ratio is the goal over the measured time (1 or more meets the goal). The CPU
seconds of the child are shown beside the wall time: on the shared machine the wall time mostly
measures the other processes. Run alone: `python -m benchmarks.bench_startup`.
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from benchmarks.common import Row

ROOT = Path(__file__).resolve().parents[1]
MODEL = ROOT / "sample_models" / "adult_lgbm.txt"
DATA = ROOT / "sample_models" / "adult.parquet"
RUNS = 5
SHOWN = "SHAPLENS_WINDOW_SHOWN"  # printed by app.ui.app in smoke mode once the window is shown
TICKS = os.sysconf("SC_CLK_TCK")


def _env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    env.update(QT_QPA_PLATFORM="offscreen", SHAPLENS_NO_CACHE="1")
    return env


def _cpu_seconds(pid: int) -> float:
    """User + system CPU of a running process (all its threads)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICKS


def _command(args: list[str]) -> tuple[float, float]:
    """Wall and CPU seconds of one run to its exit."""
    started = time.perf_counter()
    child = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=_env())
    _, status, usage = os.wait4(child.pid, 0)
    wall = time.perf_counter() - started
    child.returncode = os.waitstatus_to_exitcode(status)
    if child.returncode != 0:
        raise RuntimeError(f"{args[2:]} exited with {child.returncode}")
    return wall, usage.ru_utime + usage.ru_stime


def _window() -> tuple[float, float]:
    """Wall and CPU seconds from launch to the window's first show, the sample loading."""
    args = [sys.executable, "-m", "app", "--sample"]
    started = time.perf_counter()
    child = subprocess.Popen(
        args, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True,
        env=dict(_env(), SHAPLENS_SMOKE="1"),
    )  # fmt: skip
    try:
        assert child.stdout is not None
        for line in child.stdout:
            if line.startswith(SHOWN):
                return time.perf_counter() - started, _cpu_seconds(child.pid)
        raise RuntimeError("the window never showed")
    finally:
        child.kill()
        child.wait()


def _median(measure: Callable[[], tuple[float, float]]) -> tuple[float, float]:
    measure()  # bytecode caches written, files in the page cache
    runs = [measure() for _ in range(RUNS)]
    return statistics.median(r[0] for r in runs), statistics.median(r[1] for r in runs)


def _row(target: str, measured: tuple[float, float], bare: float, goal: float) -> Row:
    wall, cpu = measured
    return Row(
        target,
        f"{wall:.2f} s ({cpu:.2f} s CPU)",
        f"{bare:.2f} s (python -c pass)",
        goal / wall,
        f"< {goal:g} s",
    )


def run() -> list[Row]:
    python = sys.executable
    bare = _median(lambda: _command([python, "-c", "pass"]))[0]
    with tempfile.TemporaryDirectory() as folder:
        import pandas as pd

        ten = Path(folder) / "ten.parquet"
        pd.read_parquet(DATA).head(10).to_parquet(ten)
        out = Path(folder) / "values.parquet"
        explain = [python, "-m", "app", "explain", "--model", str(MODEL), "--data", str(ten)]
        explain += ["--label", "income_gt_50k", "--out", str(out)]
        rows = [
            _row(
                "shaplens --help (cold process)",
                _median(lambda: _command([python, "-m", "app", "--help"])),
                bare,
                0.5,
            ),
            _row(
                "shaplens explain, 10 rows of the sample",
                _median(lambda: _command(explain)),
                bare,
                2.0,
            ),
        ]
    rows.append(_row("window shown, sample loading behind it", _median(_window), bare, 2.0))
    return rows


if __name__ == "__main__":
    for row in run():
        print(row)
