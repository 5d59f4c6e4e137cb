"""Memory guard: estimate what loading or explaining will need before doing it.

A desktop app that runs out of memory dies without saving anything, so large jobs are checked
first and the user is offered a sample or the headless/Dask path instead.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import psutil

# In-memory size of a DataFrame relative to its file: Parquet and Feather are compressed and
# typed (strings expand a lot), CSV is text (numbers shrink, strings stay).
_EXPANSION = {".parquet": 6.0, ".pq": 6.0, ".feather": 2.0, ".arrow": 2.0, ".csv": 2.5, ".tsv": 2.5}
# Keep this share of available memory free for the rest of the app and the system.
HEADROOM = 0.8


@dataclass
class MemoryEstimate:
    needed_bytes: int
    available_bytes: int
    what: str

    @property
    def fits(self) -> bool:
        return self.needed_bytes <= self.available_bytes * HEADROOM

    def rows_that_fit(self, n_rows: int) -> int:
        """How many rows a sample could keep and still fit."""
        if self.needed_bytes <= 0:
            return n_rows
        share = self.available_bytes * HEADROOM / self.needed_bytes
        return max(0, min(n_rows, int(n_rows * share)))

    def message(self) -> str:
        need, have = _gb(self.needed_bytes), _gb(self.available_bytes)
        return (
            f"{self.what} needs about {need} of memory but only {have} is available. "
            "Explain a sample of the rows, or use `shaplens explain --engine dask` "
            "to process it outside the app."
        )


def _gb(n: int) -> str:
    return f"{n / 1024**3:.1f} GB" if n >= 1024**3 else f"{n / 1024**2:.0f} MB"


def available_memory() -> int:
    return int(psutil.virtual_memory().available)


def estimate_load(path: Path) -> MemoryEstimate:
    """Memory to hold a dataset file as a DataFrame plus its float64 model matrix."""
    size = path.stat().st_size
    factor = _EXPANSION.get(path.suffix.lower(), 3.0)
    return MemoryEstimate(int(size * factor * 1.5), available_memory(), f"Loading {path.name}")


def estimate_explain(n_rows: int, n_features: int, n_outputs: int) -> MemoryEstimate:
    """SHAP values (float32) and raw outputs (float64), plus the engine's working chunk."""
    values = n_rows * n_features * n_outputs * 4
    raw = n_rows * n_outputs * 8
    working = min(n_rows, 50_000) * n_features * n_outputs * 8 * 2
    return MemoryEstimate(values + raw + working, available_memory(), f"Explaining {n_rows:,} rows")
