"""Try a native model loader in a child process, where a crash cannot take ShapLens down.

Measured on damaged copies of small models (40 random truncations/byte flips each): XGBoost's
UBJSON reader segfaulted on 6 of 40, its JSON reader and CatBoost's .cbm reader on none; crafted
JSON (an absurd size_leaf_vector, a parents entry out of range) crashes it too. JSON is checked in
Python first (app.core.explain.models.xgboost_checks) and then, like .ubj and .cbm, probed here: the child
loads the file and explains one row, and only a clean exit lets the parent load it in-process.

The child is started isolated (app.core.explain.models.isolation): nothing in the current folder or the
model's folder is imported, so a stray `numpy.py` can neither run nor fake a clean exit.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from app.core.base.errors import ModelLoadError
from app.core.explain.models.isolation import isolated_command

PROBE_TIMEOUT_S = 120.0
# Printed by the child only after the probe ran, so that an early clean exit is not success.
PROBE_OK = "shaplens-probe-ok"
# Virtual memory that native libraries reserve without using: a base (the probe of a small
# model peaks at ~3 GB of address space) plus thread arenas and stacks per core.
PROBE_VIRTUAL_SLACK = 4 * 1024**3 + 128 * 1024**2 * (os.cpu_count() or 1)


def _probe_xgboost(path: str) -> None:
    import numpy as np
    import xgboost as xgb

    from app.core.data.data_io import MAX_COLUMNS

    # From the bytes, as the parent does: XGBoost tells JSON from UBJSON by content then.
    with open(path, "rb") as handle:
        booster = xgb.Booster()
        booster.load_model(bytearray(handle.read()))
    n = booster.num_features()
    if n > MAX_COLUMNS:
        raise ValueError(f"the model declares {n:,} features, more than {MAX_COLUMNS:,}")
    from app.core.explain.models.xgboost_checks import check_feature_names

    check_feature_names(booster.feature_names, booster.feature_types, n)
    types = booster.feature_types
    matrix = xgb.DMatrix(
        np.zeros((1, n)),
        feature_names=booster.feature_names,
        feature_types=types,
        enable_categorical=True,
    )
    booster.predict(matrix, pred_contribs=True)


def _probe_catboost(path: str) -> None:
    import catboost
    import numpy as np
    import pandas as pd

    model = catboost.CatBoost()
    model.load_model(path)
    names = list(model.feature_names_)
    cats = set(model.get_cat_feature_indices())
    frame = pd.DataFrame(
        {n: (["0"] if i in cats else np.zeros(1)) for i, n in enumerate(names)}, columns=names
    )
    pool = catboost.Pool(frame, cat_features=sorted(cats) or None)
    model.get_feature_importance(pool, type="ShapValues")


PROBES = {"xgboost": _probe_xgboost, "catboost": _probe_catboost}


def memory_limit() -> int:
    """Address space the child may use: what is free now plus room for the libraries' reserved
    (not touched) thread arenas, so a size the file declares cannot eat the machine."""
    from app.core.base.memory import HEADROOM, available_memory

    return int(available_memory() * HEADROOM) + PROBE_VIRTUAL_SLACK


def _limit_memory(limit: int) -> None:
    try:
        import resource
    except ImportError:  # Windows: no rlimits; the timeout still bounds the probe
        return
    _soft, hard = resource.getrlimit(resource.RLIMIT_AS)
    if hard != resource.RLIM_INFINITY:
        limit = min(limit, hard)
    resource.setrlimit(resource.RLIMIT_AS, (limit, hard))


def probe_model_file(kind: str, path: Path, framework: str) -> None:
    """Raise ModelLoadError when loading `path` crashes, hangs or fails in a child process."""
    try:
        result = subprocess.run(
            isolated_command("app.core.explain.models.probe", kind, str(path), str(memory_limit())),
            capture_output=True,
            text=True,
            timeout=PROBE_TIMEOUT_S,
            stdin=subprocess.DEVNULL,
        )
    except subprocess.TimeoutExpired as error:
        raise ModelLoadError(
            f"{framework} did not finish reading {path.name} within {PROBE_TIMEOUT_S:.0f} s; "
            "the file is probably damaged. Save the model again.",
            path,
        ) from error
    if result.returncode == 0 and result.stdout.strip().endswith(PROBE_OK):
        return
    if result.returncode == 0:  # something ended the child early without probing
        raise ModelLoadError(
            f"The {framework} check of {path.name} ended without reading the model; ShapLens "
            "refused it to be safe. Check the Python installation.",
            path,
        )
    if result.returncode < 0:
        raise ModelLoadError(
            f"{path.name} is damaged: reading it crashed the {framework} library (signal "
            f"{-result.returncode}). ShapLens refused it safely; save the model again.",
            path,
        )
    reason = (result.stderr.strip().splitlines() or ["unknown error"])[-1][:300]
    raise ModelLoadError(
        f"{framework} could not read {path.name}: {reason}. The file may be truncated or "
        "damaged; save the model again.",
        path,
    )


def main(argv: list[str]) -> int:
    kind, path = argv[0], argv[1]
    if len(argv) > 2:
        _limit_memory(int(argv[2]))
    try:
        PROBES[kind](path)
    except Exception as error:  # the parent turns this into a ModelLoadError
        print(
            f"{type(error).__name__}: {str(error).splitlines()[0] if str(error) else ''}",
            file=sys.stderr,
        )
        return 1
    print(PROBE_OK)
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
