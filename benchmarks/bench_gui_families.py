"""The longest GUI-thread stall while the real window explains a model of each tree family.

For LightGBM, XGBoost, scikit-learn RandomForest and HistGradientBoosting, and CatBoost, a fresh
MainWindow (offscreen, cache off) opens a seeded model file and a Parquet dataset; a 5 ms
QTimer on the GUI thread ticks from the moment the data is loaded until the explanation
finishes, and the longest gap between ticks is the stall (target < 20 ms: no family may hold
the GIL longer). Row counts give each family a run of a few seconds. Models are trained once
on a DataFrame (the names the data carries) and cached under the benchmarks' cache folder
(scikit-learn as skops, which the app loads without a trust prompt).
Run alone: `python -m benchmarks.bench_gui_families`.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd

from benchmarks.bench_families import train_catboost, train_xgboost
from benchmarks.data import CACHE, numeric_matrix, numeric_target
from benchmarks.gui_support import log, pump, result_row, wait_for_warm_up, wait_until

FOLDER = CACHE / "gui_families"
N_FEATURES = 30
TRAIN_ROWS = 20_000
TICK_MS = 5
SEED = 41


def _frame(n_rows: int, seed: int) -> pd.DataFrame:
    X = numeric_matrix(n_rows, N_FEATURES, seed)
    return pd.DataFrame(X, columns=[f"x{j}" for j in range(N_FEATURES)])


def _lightgbm(frame: pd.DataFrame, y: np.ndarray, path: Path) -> None:
    import lightgbm as lgb

    params = {"objective": "binary", "num_leaves": 63, "learning_rate": 0.05, "verbose": -1}
    params |= {"seed": SEED, "num_threads": 1}  # OpenMP spinning on a busy machine is slow
    lgb.train(params, lgb.Dataset(frame, y), num_boost_round=300).save_model(str(path))


def _xgboost(frame: pd.DataFrame, y: np.ndarray, path: Path) -> None:
    # Unnamed features (f0, f1, ...): the same model file as bench_families'.
    train_xgboost(frame.to_numpy(), y, path)


def _skops(est: object, frame: pd.DataFrame, y: np.ndarray, path: Path) -> None:
    import skops.io as sio

    est.fit(frame, y)  # type: ignore[attr-defined]
    sio.dump(est, path)


def _forest(frame: pd.DataFrame, y: np.ndarray, path: Path) -> None:
    from sklearn.ensemble import RandomForestClassifier

    _skops(RandomForestClassifier(100, max_depth=12, random_state=1, n_jobs=2), frame, y, path)


def _hist(frame: pd.DataFrame, y: np.ndarray, path: Path) -> None:
    from sklearn.ensemble import HistGradientBoostingClassifier

    est = HistGradientBoostingClassifier(max_iter=200, max_leaf_nodes=63, random_state=1)
    _skops(est, frame, y, path)


def _catboost(frame: pd.DataFrame, y: np.ndarray, path: Path) -> None:
    train_catboost(frame.to_numpy(), y, path)  # unnamed features ("0", "1", ...), as there


def _names(prefix: str) -> list[str]:
    return [f"{prefix}{j}" for j in range(N_FEATURES)]


# (label, model file, trainer, the model's feature names, rows explained). XGBoost and CatBoost
# share bench_families' cached files (same data and parameters): training them again under
# load takes many minutes.
FAMILIES: list[tuple[str, Path, Callable[[pd.DataFrame, np.ndarray, Path], None], str, int]] = [
    ("LightGBM 300 trees x 63 leaves", FOLDER / "lightgbm.txt", _lightgbm, "x", 100_000),
    ("XGBoost 500 trees depth 8", CACHE / "families_xgb.json", _xgboost, "f", 20_000),
    ("scikit-learn RandomForest 100 trees depth 12", FOLDER / "forest.skops", _forest, "x", 3_000),
    (
        "scikit-learn HistGradientBoosting 200 x 63 leaves",
        FOLDER / "hist.skops",
        _hist,
        "x",
        40_000,
    ),
    (
        "CatBoost 500 oblivious trees depth 8",
        CACHE / "families_catboost.cbm",
        _catboost,
        "",
        100_000,
    ),
]


def fixtures() -> list[tuple[str, Path, Path]]:
    """(label, model file, data file) per family, made once (seeded)."""
    FOLDER.mkdir(parents=True, exist_ok=True)
    train = _frame(TRAIN_ROWS, 31)  # bench_families' training data
    y = numeric_target(train.to_numpy(), 31)
    data = _frame(max(f[-1] for f in FAMILIES), SEED + 1)
    out = []
    for label, model_path, trainer, prefix, n_rows in FAMILIES:
        if not model_path.exists():
            log(f"training {label}")
            trainer(train, y, model_path)
        data_path = FOLDER / f"data_{n_rows}_{prefix or 'n'}.parquet"
        if not data_path.exists():
            part = data.iloc[:n_rows].copy()
            part.columns = _names(prefix)
            part.to_parquet(data_path)
        out.append((label, model_path, data_path))
    return out


def _stall(app, model_path: Path, data_path: Path) -> tuple[np.ndarray, float, str]:
    """Tick gaps (ms) from data loaded to explanation finished (gap i ends at tick i + 1), the
    run's seconds, the explainer."""
    import time

    from app.ui.heap import freeze_startup_objects
    from app.ui.main_window import MainWindow
    from benchmarks.gui_support import Ticks

    window = MainWindow()
    window.resize(1400, 860)
    window.show()
    wait_for_warm_up(app, window)
    freeze_startup_objects()  # as app.ui.app.run_app does once the window is shown
    marks: dict[str, float] = {}
    state = window.state
    state.data_changed.connect(lambda: marks.setdefault("loaded", time.perf_counter()))
    state.explanation_finished.connect(lambda: marks.setdefault("finished", time.perf_counter()))
    ticks = Ticks()
    ticks.timer.setInterval(TICK_MS)
    window.controller.open(model_path, data_path)
    wait_until(app, lambda: "loaded" in marks, 600)
    ticks.start()
    wait_until(app, lambda: "finished" in marks, 900)
    gaps = ticks.stop()
    explainer = state.model.info.explainer if state.model is not None else "?"
    wait_until(app, lambda: not window.workers.busy(), 300)
    window.close()
    return gaps, marks["finished"] - marks["loaded"], explainer


def run() -> list[dict]:
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    os.environ["SHAPLENS_NO_CACHE"] = "1"
    from PySide6.QtCore import QSettings
    from PySide6.QtWidgets import QApplication

    from app.ui.heap import collect_on_gui_thread

    app = QApplication.instance() or QApplication([])
    # As app.ui.app.run_app: garbage is collected on the GUI thread from a timer. Left
    # automatic, a full collection (229-322 ms measured) ran in whichever thread allocated
    # past the threshold and held the GIL throughout: a stall the app does not have.
    collect_on_gui_thread(app)
    settings_dir = tempfile.mkdtemp(prefix="shaplens-bench-settings-")
    QSettings.setPath(QSettings.Format.IniFormat, QSettings.Scope.UserScope, settings_dir)
    rows = []
    for label, model_path, data_path in fixtures():
        log(f"explaining {label}")
        gaps, seconds, explainer = _stall(app, model_path, data_path)
        n_rows = int(data_path.stem.split("_")[1])
        worst = float(gaps.max()) if gaps.size else float("nan")
        # When the worst gap ended, from the first tick: at the start (the window's own set-up
        # of the run) or in the middle of the bulk run says where to look.
        at = float(np.cumsum(gaps)[int(gaps.argmax())]) / 1000 if gaps.size else float("nan")
        rows.append(
            result_row(
                f"GUI stall while the window explains: {label} (ms)",
                f"{worst:.0f} at {at:.1f} s (p99 gap {np.percentile(gaps, 99):.0f}, {gaps.size} "
                f"ticks of {TICK_MS} ms; {n_rows:,} rows in {seconds:.1f} s)",
                "20 ms" + ("" if "ShapLens" in explainer else f" ({explainer})"),
                worst / 20,
            )
        )
    pump(app)
    return rows


def main() -> None:
    for row in run():
        print(f"{row['target']:<80} {row['measured']:<60} {row['ratio']:.2f}")


if __name__ == "__main__":
    main()
