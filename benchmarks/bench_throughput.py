"""Bulk throughput on models a-d: ours (both cores) vs WOODELF, LightGBM and shap; (d) vs (c)."""

from __future__ import annotations

import warnings

import lightgbm as lgb
import numpy as np
import pandas as pd

from app.core.explain.engine import engine_from_path
from benchmarks.common import Row, best_of, rate
from benchmarks.data import categorical_matrix, census_matrix, model, numeric_matrix

SHAPES = {
    "a": "(a) 500 trees/31 leaves/50 numeric",
    "b": "(b) 200 trees/255 leaves/depth 12",
    "c": "(c) 300 trees/63 leaves, categorical+NaN",
    "d": "(d) 300 trees/63 leaves, 28 of 40 categorical, deep paths",
}
# Rows per measurement: ours and WOODELF on the 50k batch; slower references on fewer
# rows (their cost is linear in rows, so rows/s compare fairly) to keep the run under 10 min.
ROWS = {
    "a": (50_000, 20_000, 4_000, 1_000),
    "b": (3_000, 1_000, 600, 200),
    "c": (50_000, 0, 4_000, 1_000),
    "d": (50_000, 0, 4_000, 1_000),
}


def _data(kind: str, n: int) -> np.ndarray:
    if kind == "c":
        return categorical_matrix(n, seed=11)[0]
    if kind == "d":
        return census_matrix(n, seed=11)[0]
    return numeric_matrix(n, seed=11)


def _woodelf(path: str, X: np.ndarray) -> float:
    import contextlib
    import io

    from woodelf import WoodelfExplainer

    booster = lgb.Booster(model_file=path)
    frame = pd.DataFrame(X, columns=booster.feature_name())

    def run() -> None:
        with contextlib.redirect_stderr(io.StringIO()), contextlib.redirect_stdout(io.StringIO()):
            WoodelfExplainer(booster).shap_values(frame)

    return best_of(run, repeat=1)


def run() -> list[Row]:
    rows: list[Row] = []
    ours_rates: dict[str, float] = {}
    for kind, label in SHAPES.items():
        n_ours, n_wood, n_lgb, n_shap = ROWS[kind]
        path = model(kind)
        engine = engine_from_path(path)
        X = _data(kind, n_ours)
        engine.contributions(X[:100])
        ours = n_ours / best_of(lambda e=engine, X=X: e.contributions(X))
        ours_text = rate(n_ours, n_ours / ours)
        ours_rates[kind] = ours
        if n_wood:
            try:
                seconds = _woodelf(str(path), X[:n_wood])
                wood = n_wood / seconds
                rows.append(
                    Row(
                        f"{label}: vs WOODELF (1 thread, numpy)",
                        ours_text,
                        f"{wood:,.0f} rows/s",
                        ours / wood,
                        ">= 1",
                    )
                )
            except Exception as error:
                rows.append(
                    Row(f"{label}: vs WOODELF", ours_text, f"failed: {error!r}"[:60], None, ">= 1")
                )
        else:
            rows.append(
                Row(
                    f"{label}: vs WOODELF",
                    ours_text,
                    "n/a (refuses categorical splits)",
                    None,
                    ">= 1",
                )
            )
        booster = lgb.Booster(model_file=str(path))
        Xl = X[:n_lgb]
        lgb_rate = n_lgb / best_of(
            lambda b=booster, X=Xl: b.predict(X, pred_contrib=True, num_threads=2), 1
        )
        rows.append(
            Row(
                f"{label}: vs LightGBM pred_contrib (2 threads)",
                ours_text,
                f"{lgb_rate:,.0f} rows/s",
                ours / lgb_rate,
                ">= 20" if kind == "d" else ">= 5",
            )
        )
        import shap

        Xs = X[:n_shap]
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            explainer = shap.TreeExplainer(booster)
            shap_rate = n_shap / best_of(lambda e=explainer, X=Xs: e.shap_values(X), 1)
        rows.append(
            Row(
                f"{label}: vs shap.TreeExplainer",
                ours_text,
                f"{shap_rate:,.0f} rows/s",
                ours / shap_rate,
                "> 1",
            )
        )
    deep = engine_from_path(model("d"))
    share = float((deep.leaf_depth > 10).mean())
    rows.append(
        Row(
            f"{SHAPES['d']} ({share:.1%} of leaves > 10 features) vs (c)",
            f"{ours_rates['d']:,.0f} rows/s",
            f"{ours_rates['c']:,.0f} rows/s (c)",
            ours_rates["d"] / ours_rates["c"],
            ">= 0.67 (within 1.5x)",
        )
    )
    return rows
