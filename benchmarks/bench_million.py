"""1M rows x 50 features end to end (model a), in a child process so its peak RSS is clean."""

from __future__ import annotations

import json
import subprocess
import sys
import time

import numpy as np

from benchmarks.common import PeakRss, Row, rss

N_ROWS = 1_000_000
CHUNK = 50_000


def child() -> None:
    from app.core.explain.engine import engine_from_path, warm_up
    from benchmarks.data import model, numeric_matrix

    warm_up()
    engine = engine_from_path(model("a"))
    X = np.empty((N_ROWS, 50))
    for start in range(0, N_ROWS, CHUNK):  # generated in pieces: no temporary bigger than X
        X[start : start + CHUNK] = numeric_matrix(CHUNK, seed=1000 + start // CHUNK)
    baseline = rss()
    with PeakRss() as peak:
        begin = time.perf_counter()
        values = np.empty((N_ROWS, 50, 1), np.float32)
        for start in range(0, N_ROWS, CHUNK):  # the GUI's chunked path, written in place
            engine.contributions(X[start : start + CHUNK], out=values[start : start + CHUNK])
        seconds = time.perf_counter() - begin
    print(
        json.dumps(
            {
                "seconds": seconds,
                "extra_bytes": peak.peak - baseline,
                "finite": bool(np.isfinite(values).all()),
            }
        )
    )


def run() -> list[Row]:
    out = subprocess.run(
        [sys.executable, "-m", "benchmarks.bench_million", "--child"],
        capture_output=True,
        text=True,
        check=True,
    )
    result = json.loads(out.stdout.strip().splitlines()[-1])
    extra_gb = result["extra_bytes"] / 1024**3
    return [
        Row(
            "1M x 50 end to end, both cores (model a)",
            f"{N_ROWS / result['seconds']:,.0f} rows/s",
            f"{result['seconds']:.0f} s total",
            None,
            "-",
        ),
        Row(
            "1M x 50 peak RSS beyond the dataset",
            f"{extra_gb:.2f} GB",
            "2 GB budget",
            2.0 / max(extra_gb, 1e-9),
            "< 2 GB",
        ),
    ]


if __name__ == "__main__" and "--child" in sys.argv:
    child()
