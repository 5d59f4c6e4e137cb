"""Single clicked row: p50/p99 latency of ours vs LightGBM pred_contrib on one row."""

from __future__ import annotations

import time

import lightgbm as lgb
import numpy as np

from app.core.explain.engine import engine_from_path
from benchmarks.common import Row
from benchmarks.data import categorical_matrix, model

CALLS = 300


def _percentiles(fn, rows: np.ndarray) -> tuple[float, float]:
    times = []
    for i in range(CALLS):
        start = time.perf_counter()
        fn(rows[i % len(rows)])
        times.append(time.perf_counter() - start)
    ms = np.array(times) * 1e3
    return float(np.percentile(ms, 50)), float(np.percentile(ms, 99))


def run() -> list[Row]:
    path = model("c")  # the Adult-like categorical model: what the GUI shows by default
    engine = engine_from_path(path)
    X = categorical_matrix(1000, seed=5)[0]
    engine.contributions_one(X[0])
    booster = lgb.Booster(model_file=str(path))
    ours50, ours99 = _percentiles(engine.contributions_one, X)
    ref50, ref99 = _percentiles(
        lambda x: booster.predict(x.reshape(1, -1), pred_contrib=True, num_threads=1), X
    )
    return [
        Row(
            "single row p50 (model c)",
            f"{ours50:.2f} ms",
            f"{ref50:.2f} ms (LightGBM)",
            ref50 / ours50,
            "few ms",
        ),
        Row(
            "single row p99 (model c)",
            f"{ours99:.2f} ms",
            f"{ref99:.2f} ms (LightGBM)",
            ref99 / ours99,
            "few ms",
        ),
    ]
