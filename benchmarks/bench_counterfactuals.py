"""Counterfactuals on the Adult sample (300 trees): seconds per row, and the share of rows whose
first answer is proven minimal; against CP-SAT alone (no 1-2 change enumeration), same rows.

Run alone: python -m benchmarks.bench_counterfactuals
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import numpy as np

from app.core.data.align import align
from app.core.data.data_io import load_dataset
from app.core.data.model_io import load_model
from app.core.debugging.counterfactuals import (
    CounterfactualOptions,
    counterfactual_steps,
    ensemble_of,
    suggest_locked,
)
from app.core.debugging.counterfactuals.domains import feature_stats
from benchmarks.common import Row

ROOT = Path(__file__).resolve().parents[1]
ROWS = 20
SECONDS = 2.0  # the default budget


def _run(model, X, rows, options, stats, ensemble) -> tuple[float, float, int, int]:
    """Mean seconds per row (all answers), median seconds to the first answer (rows with one),
    rows with an answer, rows whose first answer is proven minimal."""
    spent, first, answered, proven = 0.0, [], 0, 0
    for row in rows:
        start = time.perf_counter()
        steps = counterfactual_steps(model, X, int(row), options, stats, ensemble)
        seen = False
        while True:
            try:
                next(steps)
            except StopIteration as done:
                result = done.value
                break
            if not seen:
                first.append(time.perf_counter() - start)
                seen = True
        spent += time.perf_counter() - start
        answered += seen
        proven += bool(result.answers) and result.answers[0].minimal
    median = float(np.median(first)) if first else float("nan")
    return spent / len(rows), median, answered, proven


def _seconds(value: float) -> str:
    return "-" if value != value else f"{value:.2f} s"


def run() -> list[Row]:
    model = load_model(ROOT / "sample_models" / "adult_lgbm.txt")
    data = align(model, load_dataset(ROOT / "sample_models" / "adult.parquet"))
    start = time.perf_counter()
    ensemble = ensemble_of(model, data.X)
    stats = feature_stats(data.X, [f.is_categorical for f in model.features])
    prep = time.perf_counter() - start
    rows = np.random.default_rng(0).choice(data.n_rows, ROWS, replace=False)
    locked = suggest_locked(model.feature_names)
    ours = CounterfactualOptions(locked=locked, seconds=SECONDS)
    solver = CounterfactualOptions(locked=locked, seconds=SECONDS, enumerate=0)
    per_row, first, answered, proven = _run(model, data.X, rows, ours, stats, ensemble)
    ref = _run(model, data.X, rows, solver, stats, ensemble)
    return [
        Row(
            f"counterfactuals, Adult sample (300 trees), {ROWS} rows, {SECONDS:g} s budget",
            f"{per_row:.2f} s/row (first answer {first:.2f} s); {answered}/{ROWS} answered, "
            f"{proven} proven minimal",
            f"CP-SAT alone {ref[0]:.2f} s/row (first {_seconds(ref[1])}); {ref[2]} answered, "
            f"{ref[3]} proven",
            ref[0] / per_row,
            "<= 2 s/row",
        ),
        Row(
            "counterfactuals: trees and column statistics, once per model",
            f"{prep:.2f} s",
            "-",
            None,
            "-",
        ),
    ]


if __name__ == "__main__":
    for row in run():
        print(row, file=sys.stderr)
