"""Every tree family through the engine: rows/s against each library's own exact TreeSHAP, and the
longest GIL hold while explaining (a main thread that wakes every 2 ms measures its worst gap:
the GUI thread would freeze that long).

Models (seeded, trained in the run; sklearn's are not cached to avoid unpickling):
RandomForest 100 trees depth 12; HistGradientBoosting 200 iterations, 63 leaves; XGBoost 500
trees depth 8 (JSON cached); CatBoost 500 oblivious trees depth 8 (cbm cached). Data: the
benchmark's correlated Gaussian features, 30 columns, binary target.
"""

from __future__ import annotations

import threading
import time
import warnings
from collections.abc import Callable
from pathlib import Path

import numpy as np

from benchmarks.common import Row, best_of
from benchmarks.data import CACHE, numeric_matrix, numeric_target

N_FEATURES = 30
TRAIN_ROWS = 20_000
OURS_ROWS = 20_000


def longest_stall_ms(fn: Callable[[], object]) -> float:
    """Run fn on a thread; the worst gap between 2 ms wake-ups of this thread meanwhile."""
    done = threading.Event()
    worker = threading.Thread(target=lambda: (fn(), done.set()), daemon=True)
    worst = 0.0
    last = time.perf_counter()
    worker.start()
    while not done.is_set():
        time.sleep(0.002)
        now = time.perf_counter()
        worst = max(worst, now - last - 0.002)
        last = now
    worker.join()
    return worst * 1000


def _data() -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    X = numeric_matrix(TRAIN_ROWS, N_FEATURES, seed=31)
    y = numeric_target(X, seed=31)
    Xe = numeric_matrix(OURS_ROWS, N_FEATURES, seed=32)
    Xe[np.random.default_rng(33).random(Xe.shape) < 0.02] = np.nan
    return X, y, Xe


def _rows(label: str, ours: float, theirs: float, name: str, goal: str) -> list[Row]:
    return [
        Row(
            f"{label}: vs {name}",
            f"{ours:,.0f} rows/s",
            f"{theirs:,.0f} rows/s",
            ours / theirs,
            goal,
        )
    ]


def _stall_row(label: str, ours_fn: Callable, theirs_fn: Callable, name: str) -> Row:
    ours = longest_stall_ms(ours_fn)
    theirs = longest_stall_ms(theirs_fn)
    return Row(
        f"{label}: longest GIL hold while explaining",
        f"{ours:.0f} ms",
        f"{theirs:.0f} ms ({name})",
        theirs / max(ours, 1e-3),
        "ours < 20 ms",
    )


def _sklearn(label: str, est: object, X: np.ndarray, n_ref: int, goal: str) -> list[Row]:
    from app.core.explain.models.sklearn_model import SklearnTreeModel
    from app.core.explain.models.sklearn_trees import forest_of, import_shap

    model = SklearnTreeModel(Path("bench.skops"), est, forest_of(est))
    assert model.engine is not None, model.info.extra
    model.contributions(X[:200])
    ours = X.shape[0] / best_of(lambda: model.contributions(X), 1)
    shap = import_shap()
    Xr = np.nan_to_num(X[:n_ref]) if "Forest" in type(est).__name__ else X[:n_ref]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        explainer = shap.TreeExplainer(est)
        theirs = n_ref / best_of(lambda: explainer.shap_values(Xr, check_additivity=False), 1)
        stall = _stall_row(
            label,
            lambda: model.contributions(X[:5000]),
            lambda: explainer.shap_values(Xr, check_additivity=False),
            "shap",
        )
    return [*_rows(label, ours, theirs, "shap.TreeExplainer", goal), stall]


def train_xgboost(X: np.ndarray, y: np.ndarray, path: Path) -> None:
    """The XGBoost family's model (500 trees, depth 8); bench_gui_families opens the same file."""
    import xgboost as xgb

    path.parent.mkdir(parents=True, exist_ok=True)
    params = {"objective": "binary:logistic", "max_depth": 8, "eta": 0.05, "seed": 1}
    xgb.train({**params, "nthread": 2}, xgb.DMatrix(X, y), 500).save_model(str(path))


def train_catboost(X: np.ndarray, y: np.ndarray, path: Path) -> None:
    """The CatBoost family's model (500 oblivious trees, depth 8), shared as train_xgboost's."""
    import catboost

    path.parent.mkdir(parents=True, exist_ok=True)
    est = catboost.CatBoostClassifier(
        iterations=500,
        depth=8,
        verbose=0,
        random_seed=1,
        thread_count=2,
        allow_writing_files=False,
    )
    est.fit(X, y)
    est.save_model(str(path))


def _xgboost(X: np.ndarray, y: np.ndarray, Xe: np.ndarray) -> list[Row]:
    import xgboost as xgb

    from app.core.explain.models.xgboost_model import XGBoostModel

    path = CACHE / "families_xgb.json"
    if not path.exists():
        train_xgboost(X, y, path)
    booster = xgb.Booster(model_file=str(path))
    model = XGBoostModel(path, booster)
    assert model.engine is not None, model.info.extra
    model.contributions(Xe[:200])
    ours = Xe.shape[0] / best_of(lambda: model.contributions(Xe), 1)
    n_ref = 5_000
    booster.set_param({"nthread": -1})
    matrix = xgb.DMatrix(Xe[:n_ref], nthread=-1)
    theirs = n_ref / best_of(lambda: booster.predict(matrix, pred_contribs=True), 1)
    label = "XGBoost 500 trees depth 8"
    stall = _stall_row(
        label,
        lambda: model.contributions(Xe[:5000]),
        lambda: booster.predict(matrix, pred_contribs=True),
        "pred_contribs",
    )
    return [*_rows(label, ours, theirs, "pred_contribs (all cores)", ">= 3"), stall]


def _catboost(X: np.ndarray, y: np.ndarray, Xe: np.ndarray) -> list[Row]:
    import catboost

    from app.core.explain.models.catboost_model import CatBoostModel

    path = CACHE / "families_catboost.cbm"
    if not path.exists():
        train_catboost(X, y, path)
    cb = catboost.CatBoost()
    cb.load_model(str(path))
    model = CatBoostModel(path, cb)
    assert model.engine is not None, model.info.extra
    model.contributions(Xe[:200])
    ours = Xe.shape[0] / best_of(lambda: model.contributions(Xe), 1)
    n_ref = 5_000
    pool = catboost.Pool(Xe[:n_ref])

    def theirs_fn() -> object:
        return cb.get_feature_importance(pool, type="ShapValues", thread_count=-1)

    theirs = n_ref / best_of(theirs_fn, 1)
    label = "CatBoost 500 oblivious trees depth 8"
    stall = _stall_row(label, lambda: model.contributions(Xe[:5000]), theirs_fn, "ShapValues")
    return [*_rows(label, ours, theirs, "ShapValues (all cores)", ">= 3"), stall]


def run() -> list[Row]:
    from sklearn.ensemble import HistGradientBoostingClassifier, RandomForestClassifier

    X, y, Xe = _data()
    rows: list[Row] = []
    rf = RandomForestClassifier(100, max_depth=12, random_state=1, n_jobs=2).fit(X, y)
    rows += _sklearn(
        "scikit-learn RandomForest 100 trees depth 12", rf, np.nan_to_num(Xe), 1_000, ">= 5"
    )
    hgb = HistGradientBoostingClassifier(max_iter=200, max_leaf_nodes=63, random_state=1).fit(X, y)
    rows += _sklearn("scikit-learn HistGradientBoosting 200 x 63 leaves", hgb, Xe, 2_000, ">= 5")
    rows += _xgboost(X, y, Xe)
    rows += _catboost(X, y, Xe)
    return rows


if __name__ == "__main__":
    for row in run():
        print(row)
