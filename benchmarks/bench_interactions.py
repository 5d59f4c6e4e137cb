"""Exact SHAP interaction values (issue 15): rows/s against XGBoost's native pred_interactions
and shap's TreeExplainer.shap_interaction_values, shap's additivity error on categorical splits,
and the streamed summary over 1M x 50 rows with its peak RSS.

Models: an XGBoost model trained in the run (200 trees, max depth 5 so <= 31 leaves, 20
correlated Gaussian features, as in the issue's 34 rows/s measurement); benchmark model (c)
(LightGBM, 300 trees x 63 leaves, 8 of 14 features categorical); benchmark model (a) (LightGBM,
500 trees x 31 leaves, 50 features) for the summary. The summary runs in a child process for a
clean RSS, over as many rows as fit in SUMMARY_SECONDS, and extrapolates the time to 1M rows
(every row costs the same; memory does not grow with rows: one chunk, tables, histograms).
SHAPLENS_BENCH_FULL_SUMMARY=1 streams all 1M rows instead (17.8 min measured on 2 shared cores).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time

import numpy as np

from benchmarks.common import PeakRss, Row, best_of, rss
from benchmarks.data import CACHE, numeric_matrix, numeric_target

XGB_FEATURES = 20
OURS_ROWS = 4_000
XGB_ROWS = 300
SHAP_ROWS = 12
SUMMARY_ROWS = 1_000_000
SUMMARY_SECONDS = 150.0
FULL_SUMMARY = os.environ.get("SHAPLENS_BENCH_FULL_SUMMARY") == "1"  # read in the child too


def _xgb_model():
    import xgboost as xgb

    CACHE.mkdir(exist_ok=True)
    path = CACHE / "interactions_xgb.json"
    booster = xgb.Booster()
    if path.exists():
        booster.load_model(path)
        return path, booster
    X = numeric_matrix(20_000, XGB_FEATURES, seed=41)
    y = numeric_target(X, seed=41)
    params = {"objective": "binary:logistic", "max_depth": 5, "eta": 0.1, "seed": 0, "nthread": 2}
    booster = xgb.train(params, xgb.DMatrix(X, y), num_boost_round=200)
    booster.save_model(path)
    return path, booster


def _ours_rate(model, X: np.ndarray) -> float:
    from app.core.explain.interactions import interaction_function

    values_of = interaction_function(model)
    values_of(X[:64], None)  # tables and compile outside the timing
    return X.shape[0] / best_of(lambda: values_of(X, None))


def _vs_xgboost() -> list[Row]:
    import xgboost as xgb

    from app.core.data.model_io import load_model

    path, booster = _xgb_model()
    booster.set_param({"nthread": 2})
    X = numeric_matrix(OURS_ROWS, XGB_FEATURES, seed=42)
    ours = _ours_rate(load_model(path), X)
    sample = xgb.DMatrix(X[:XGB_ROWS])
    theirs = XGB_ROWS / best_of(lambda: booster.predict(sample, pred_interactions=True))
    return [
        Row(
            "interactions: vs XGBoost pred_interactions (200 trees, depth 5, 20 features)",
            f"{ours:,.0f} rows/s",
            f"{theirs:,.0f} rows/s (2 threads)",
            ours / theirs,
            ">= 5x",
        )
    ]


def _vs_shap_categorical() -> list[Row]:
    import lightgbm as lgb
    import shap

    from app.core.data.model_io import load_model
    from app.core.explain.interactions import all_interactions
    from benchmarks.data import categorical_matrix, model

    path = model("c")
    adapter = load_model(path)
    X, _ = categorical_matrix(OURS_ROWS, seed=43)
    ours = _ours_rate(adapter, X)
    booster = lgb.Booster(model_file=str(path))
    explainer = shap.TreeExplainer(booster)
    sample = X[:SHAP_ROWS]
    start = time.perf_counter()
    theirs_values = np.asarray(explainer.shap_interaction_values(sample))
    theirs = SHAP_ROWS / (time.perf_counter() - start)
    raw = booster.predict(sample, raw_score=True)
    expected = float(np.ravel(explainer.expected_value)[-1])
    shap_error = np.abs(theirs_values.sum(axis=(1, 2)) + expected - raw).max()
    mine = all_interactions(adapter, sample).astype(np.float64)
    ours_error = np.abs(mine.sum(axis=(1, 2, 3)) + adapter.engine.base_values[0] - raw).max()
    return [
        Row(
            "interactions: vs shap, LightGBM with categorical splits (model c)",
            f"{ours:,.0f} rows/s",
            f"{theirs:,.1f} rows/s",
            ours / theirs,
            ">= 50x",
        ),
        Row(
            "interactions additivity error, model c (max |sum - raw output|)",
            f"{ours_error:.1e} log-odds",
            f"shap {shap_error:.2f} log-odds",
            None,
            "exact (float32)",
        ),
    ]


def child() -> None:
    from app.core.data.model_io import load_model
    from app.core.explain.interaction_summary import InteractionAccumulator
    from app.core.explain.interactions import iter_interactions
    from benchmarks.data import model

    adapter = load_model(model("a"))
    X = np.empty((SUMMARY_ROWS, 50))
    step = 50_000
    for start in range(0, SUMMARY_ROWS, step):  # generated in pieces: no temporary bigger than X
        X[start : start + step] = numeric_matrix(step, seed=1000 + start // step)
    iter_interactions(adapter, X[:64], first_chunk=0).__next__()  # compile, tables
    baseline = rss()
    with PeakRss() as peak:
        acc = InteractionAccumulator(adapter, X)  # x bin edges of all 1M rows: not timed
        begin = time.perf_counter()
        for progress in iter_interactions(adapter, X):
            acc.add(progress)
            if not FULL_SUMMARY and time.perf_counter() - begin > SUMMARY_SECONDS:
                break
        seconds = time.perf_counter() - begin
        summary = acc.summary()
    print(
        json.dumps(
            {
                "rows": summary.n_rows,
                "seconds": seconds,
                "extra_bytes": peak.peak - baseline,
                "pairs": int(summary.pairs.shape[0]),
            }
        )
    )


def _summary() -> list[Row]:
    out = subprocess.run(
        [sys.executable, "-m", "benchmarks.bench_interactions", "--child"],
        capture_output=True,
        text=True,
        check=True,
    )
    result = json.loads(out.stdout.strip().splitlines()[-1])
    rate = result["rows"] / result["seconds"]
    whole = SUMMARY_ROWS / rate
    measured = result["rows"] >= SUMMARY_ROWS
    how = "measured" if measured else "extrapolated"
    extra_gb = result["extra_bytes"] / 1024**3
    return [
        Row(
            f"interaction summary 1M x 50 (model a; {result['rows']:,} rows timed, "
            f"{result['pairs']:,} pair histograms)",
            f"{rate:,.0f} rows/s",
            f"1M rows: {'' if measured else '~'}{whole / 60:,.1f} min ({how})",
            None,
            "-",
        ),
        Row(
            "interaction summary peak RSS beyond the 1M x 50 dataset",
            f"{extra_gb:.2f} GB",
            f"n x M x M float32 would be {SUMMARY_ROWS * 2500 * 4 / 1024**3:,.1f} GB",
            None,
            "bounded",
        ),
    ]


def run() -> list[Row]:
    return _vs_xgboost() + _vs_shap_categorical() + _summary()


if __name__ == "__main__" and "--child" in sys.argv:
    child()
