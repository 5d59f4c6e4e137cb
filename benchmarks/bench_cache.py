"""Reload 1M x 50 cached SHAP values (checksum verified) from the explanation cache."""

from __future__ import annotations

import tempfile
import time

import numpy as np

from app.core.base.types import Explanation, Unit
from app.core.data.cache import ExplanationCache, cache_key
from benchmarks.common import Row


def run() -> list[Row]:
    rng = np.random.default_rng(3)
    values = rng.standard_normal((1_000_000, 50, 1), dtype=np.float32)
    raw = values.sum(axis=1, dtype=np.float64)
    explanation = Explanation(
        values,
        np.zeros(1),
        raw,
        [f"f{i}" for i in range(50)],
        ["out"],
        Unit.LOG_ODDS,
        engine="bench",
    )
    with tempfile.TemporaryDirectory() as root:
        cache = ExplanationCache(root)
        key = cache_key(b"model", b"data", {"bench": True})
        start = time.perf_counter()
        cache.put(key, explanation)
        put_s = time.perf_counter() - start
        times = []
        for _ in range(3):
            start = time.perf_counter()
            loaded = cache.get(key)
            total = float(loaded.values[-1].sum())  # touch the data
            times.append(time.perf_counter() - start)
        assert np.isfinite(total)
        del loaded
    best = min(times)
    return [
        Row(
            "cache reload 1M x 50 (sha256-checked)",
            f"{best:.2f} s",
            f"write {put_s:.2f} s",
            1.0 / best,
            "< 1 s",
        )
    ]
