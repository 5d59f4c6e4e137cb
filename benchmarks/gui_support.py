"""Support for benchmarks/bench_gui.py: its seeded model and data, and the timing helpers.

The model (200 trees, 31 leaves) and the 1M-row Parquet file are made once with fixed seeds
under .bench_cache/gui/. The helpers drive a real MainWindow offscreen: a tick timer whose
gaps are GUI stalls, an event pump that sleeps rather than spins, and a clicker that times
each row selection until its waterfall is redrawn.
"""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
CACHE = ROOT / ".bench_cache" / "gui"
ROWS, FEATURES, TREES, LEAVES = 1_000_000, 50, 200, 31
SEED = 20260101
# The what-if panel once rebuilt its editor from every column on each click (1.7 s at 1M rows);
# it stays connected during the click measurements, and its own cost is also reported as a row.
WHATIF_DOCK = "dock:app.ui.panels.debug_whatif"
TICK_MS = 10


def fixture() -> tuple[Path, Path]:
    """The benchmark model and dataset (made once; seeded)."""
    import lightgbm as lgb
    import pandas as pd

    from benchmarks.data import numeric_matrix, numeric_target

    CACHE.mkdir(parents=True, exist_ok=True)
    model_path = CACHE / f"model_{TREES}x{LEAVES}.txt"
    data_path = CACHE / f"data_{ROWS}x{FEATURES}.parquet"
    if not model_path.exists():
        X = numeric_matrix(20_000, FEATURES, SEED)
        params = {
            "objective": "binary",
            "num_leaves": LEAVES,
            "learning_rate": 0.05,
            "min_data_in_leaf": 5,
            "verbose": -1,
            "seed": SEED,
            "deterministic": True,
            "num_threads": 2,
        }
        booster = lgb.train(params, lgb.Dataset(X, numeric_target(X)), num_boost_round=TREES)
        booster.save_model(str(model_path))
    if not data_path.exists():
        X = numeric_matrix(ROWS, FEATURES, SEED + 7)
        frame = pd.DataFrame(X, columns=[f"Column_{j}" for j in range(FEATURES)])
        frame.to_parquet(data_path)
    return model_path, data_path


class Ticks:
    """A 10 ms timer on the GUI thread; a long gap between its ticks is a stall."""

    def __init__(self) -> None:
        from PySide6.QtCore import Qt, QTimer

        self.times: list[float] = []
        self.timer = QTimer()
        self.timer.setTimerType(Qt.TimerType.PreciseTimer)
        self.timer.setInterval(TICK_MS)
        self.timer.timeout.connect(lambda: self.times.append(time.perf_counter()))

    def start(self) -> None:
        self.times.clear()
        self.timer.start()

    def stop(self) -> np.ndarray:
        self.timer.stop()
        return np.diff(np.asarray(self.times)) * 1000


def log(message: str) -> None:
    import sys

    print(f"[bench_gui {time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


_wake_timer = None


def pump(app) -> None:
    """Run the event loop until something happens: no busy wait competing with the workers for
    the two cores. One repeating 5 ms timer wakes it (a single-shot timer per call cost the
    GUI thread a new QTimer and connection each time)."""
    global _wake_timer
    from PySide6.QtCore import QEventLoop, QTimer

    if _wake_timer is None:
        _wake_timer = QTimer()
        _wake_timer.setInterval(5)
        _wake_timer.start()
    flags = QEventLoop.ProcessEventsFlag
    app.processEvents(flags.AllEvents | flags.WaitForMoreEvents)


def wait_until(app, condition, timeout: float) -> None:
    end = time.perf_counter() + timeout
    while not condition():
        if time.perf_counter() > end:
            raise TimeoutError("benchmark step did not finish in time")
        pump(app)


def wait_for_warm_up(app, window, timeout: float = 120) -> None:
    """Wait until the new window's engine warm-up has run. It starts from a zero-delay timer, so
    an idle check made before the event loop turns passes at once, and the warm-up (numba
    kernels, the frameworks' imports) then ran inside the measured run."""
    end = time.perf_counter() + timeout
    while not window.workers.is_running("warm_up") and time.perf_counter() < end:
        pump(app)
    wait_until(app, lambda: not window.workers.busy(), max(end - time.perf_counter(), 1))


class Clicker:
    """Selects random rows and times each until the waterfall shows it."""

    def __init__(self, window, seed: int) -> None:
        self.window, self.rng = window, np.random.default_rng(seed)
        self.pending: tuple[int, float] | None = None
        self.latencies: list[float] = []
        self.ahead = 0  # clicks on rows the bulk run had not reached yet
        window.plots.views_updated.connect(self._on_view)

    def click(self) -> None:
        s = self.window.state
        row = int(self.rng.integers(0, s.data.n_rows))
        while row == s.selected_row:
            row = int(self.rng.integers(0, s.data.n_rows))
        if s.computing and s.row_values(row) is None:
            self.ahead += 1
        self.pending = (row, time.perf_counter())
        s.select_row(row)

    def _on_view(self, view: str) -> None:
        data = self.window.plots.waterfall_data
        if view != "waterfall" or self.pending is None or data is None:
            return
        row, started = self.pending
        if data.row == row:
            self.latencies.append((time.perf_counter() - started) * 1000)
            self.pending = None


def whatif_panel(window):
    """The what-if panel (see WHATIF_DOCK), or None."""
    from PySide6.QtWidgets import QDockWidget

    dock = window.findChild(QDockWidget, WHATIF_DOCK)
    panel = dock.widget() if dock is not None else None
    return panel if panel is not None and hasattr(panel, "load_row") else None


def result_row(target: str, measured: str, reference: str, ratio: float | None) -> dict:
    return {"target": target, "measured": measured, "reference": reference, "ratio": ratio}


def percentile(values: list[float], q: float) -> float:
    return float(np.percentile(values, q)) if values else float("nan")
