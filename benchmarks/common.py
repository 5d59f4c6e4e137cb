"""Timing helpers and the result row every benchmark module returns."""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

import psutil


@dataclass
class Row:
    """One line of the table: what we measured, against what, and the goal for the ratio."""

    target: str
    measured: str
    reference: str
    ratio: float | None  # measured / reference in "bigger is better" terms
    goal: str


def timed(fn: Callable[[], object]) -> float:
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def best_of(fn: Callable[[], object], repeat: int = 2) -> float:
    """Best wall time of a few runs: the machine is shared, the minimum is the least noisy."""
    return min(timed(fn) for _ in range(repeat))


def rate(n: int, seconds: float) -> str:
    return f"{n / seconds:,.0f} rows/s"


class PeakRss:
    """Samples this process's RSS every 20 ms; `peak` is the maximum seen while active."""

    def __init__(self) -> None:
        self._proc = psutil.Process(os.getpid())
        self.peak = self._proc.memory_info().rss
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.wait(0.02):
            self.peak = max(self.peak, self._proc.memory_info().rss)

    def __enter__(self) -> PeakRss:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()
        self.peak = max(self.peak, self._proc.memory_info().rss)


def rss() -> int:
    return psutil.Process(os.getpid()).memory_info().rss
