"""Small seeded models on scikit-learn's bundled data, saved once per test process, from which the
hostile-model tests build their damaged copies. Nothing here reads outside the repository.
"""

from __future__ import annotations

import functools
import json
import subprocess
import sys
import tempfile
import textwrap
from pathlib import Path
from typing import Any

import numpy as np

from tests.conftest import ROOT

SEED = 0


@functools.cache
def workdir() -> Path:
    return Path(tempfile.mkdtemp(prefix="shaplens-hostile-"))


@functools.cache
def cancer() -> tuple[np.ndarray, np.ndarray, list[str]]:
    from sklearn.datasets import load_breast_cancer

    data = load_breast_cancer()
    X = np.asarray(data.data[:300, :6], dtype=np.float64)
    names = [f"f_{n.replace(' ', '_')}" for n in data.feature_names[:6]]
    return X, np.asarray(data.target[:300]), names


@functools.cache
def xgb_file(suffix: str = "json", objective: str = "binary:logistic") -> Path:
    import pandas as pd
    import xgboost as xgb

    X, y, names = cancer()
    matrix = xgb.DMatrix(pd.DataFrame(X, columns=names), y)
    params = {"objective": objective, "max_depth": 3, "seed": SEED, "nthread": 1}
    booster = xgb.train(params, matrix, 4)
    path = workdir() / f"xgb_{objective.replace(':', '_')}.{suffix}"
    booster.save_model(path)
    return path


def xgb_json() -> dict[str, Any]:
    return json.loads(xgb_file("json").read_text())


def write_json(path: Path, model: Any) -> Path:
    path.write_text(json.dumps(model))
    return path


def xgb_trees(model: dict[str, Any]) -> list[dict[str, Any]]:
    return model["learner"]["gradient_booster"]["model"]["trees"]


@functools.cache
def catboost_file() -> Path:
    import catboost

    X, y, _ = cancer()
    model = catboost.CatBoostClassifier(
        iterations=4,
        depth=2,
        random_seed=SEED,
        verbose=0,
        thread_count=1,
        allow_writing_files=False,
    )
    model.fit(X, y)
    path = workdir() / "cb.cbm"
    model.save_model(str(path))
    return path


@functools.cache
def forest() -> Any:
    from sklearn.ensemble import RandomForestClassifier

    X, y, _ = cancer()
    return RandomForestClassifier(3, max_depth=3, random_state=SEED).fit(X, y)


@functools.cache
def hist_gb() -> Any:
    from sklearn.ensemble import HistGradientBoostingClassifier

    X, y, _ = cancer()
    return HistGradientBoostingClassifier(max_iter=3, max_depth=3, random_state=SEED).fit(X, y)


@functools.cache
def lgbm_dump() -> str:
    import lightgbm as lgb

    X, y, names = cancer()
    data = lgb.Dataset(X, y, feature_name=names)
    params = {"objective": "binary", "num_leaves": 4, "seed": SEED, "verbose": -1}
    booster = lgb.train(params, data, 3)
    return json.dumps(booster.dump_model())


def run_isolated(code: str, cwd: Path, timeout: float = 240.0) -> subprocess.CompletedProcess:
    """Run `code` in a fresh interpreter (crash-prone checks: a crash fails the test, not the
    suite). The child imports the app from the repository and never from `cwd`.

    Not started with -I or -P on purpose: those flags pass on to multiprocessing's children and
    would hide whether ShapLens isolates the processes it starts itself; the first statement
    takes the current folder off the path instead.
    """
    boot = f"import sys; sys.path[:1] = [{str(ROOT)!r}]\n" + textwrap.dedent(code)
    return subprocess.run(
        [sys.executable, "-c", boot],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=timeout,
        stdin=subprocess.DEVNULL,
    )


LOAD_IN_CHILD = """
import json
from app.core.data.model_io import load_model
from app.core.base.errors import ShapLensError
out = {}
for path in json.loads(PATHS):
    try:
        model = load_model(path)
        X = __import__("numpy").zeros((2, len(model.feature_names)))
        model.contributions(X)
        out[path] = "LOADED"
    except ShapLensError as error:
        out[path] = "REFUSED " + str(error)
print("RESULT" + json.dumps(out))
"""


def load_in_child(paths: list[Path], cwd: Path) -> dict[str, str]:
    """Load and explain each model in one child process; 'REFUSED <message>' or 'LOADED'.

    A crash (the regression these tests guard against) fails the calling test with the child's
    exit code instead of killing the test run.
    """
    code = f"PATHS = {json.dumps(json.dumps([str(p) for p in paths]))}\n" + LOAD_IN_CHILD
    result = run_isolated(code, cwd=cwd)
    assert result.returncode == 0, f"child exited {result.returncode}: {result.stderr[-3000:]}"
    line = next(x for x in result.stdout.splitlines() if x.startswith("RESULT"))
    return {Path(k).name: v for k, v in json.loads(line[len("RESULT") :]).items()}
