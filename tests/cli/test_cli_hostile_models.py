"""Hostile model files on the command line: exit 2 with one `error:` line naming the file."""

from __future__ import annotations

import copy
import json
import math
import subprocess
import sys

from tests.conftest import ROOT
from tests.core import hostile_models as H


def run_cli(*args: str, cwd=ROOT) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "app", *args], capture_output=True, text=True, timeout=300, cwd=cwd
    )


def _one_error_line(result: subprocess.CompletedProcess, name: str, says: str) -> None:
    assert result.returncode == 2, (result.returncode, result.stderr[-2000:])
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("error:") and name in lines[0] and says in lines[0], lines[0]


def test_inspect_an_xgboost_model() -> None:
    result = run_cli("inspect", "--model", str(H.xgb_file("json")), "--no-memory")
    assert result.returncode == 0, result.stderr
    assert "XGBoost" in result.stdout and "max 3" in result.stdout


def test_hostile_models_end_in_one_error_line(tmp_path) -> None:
    import skops.io as sio

    nan_model = copy.deepcopy(H.xgb_json())
    tree = H.xgb_trees(nan_model)[0]
    tree["split_conditions"][tree["left_children"].index(-1)] = math.nan
    H.write_json(tmp_path / "nan_leaf.json", nan_model)
    crash_model = copy.deepcopy(H.xgb_json())
    H.xgb_trees(crash_model)[0]["tree_param"]["size_leaf_vector"] = "1000000000"
    H.write_json(tmp_path / "leaf_vector.json", crash_model)
    dump = json.loads(H.lgbm_dump())
    dump["tree_info"][0]["num_leaves"] = 2_000_000_000
    H.write_json(tmp_path / "leaves.json", dump)
    forest = copy.deepcopy(H.forest())
    state = forest.estimators_[0].tree_.__getstate__()
    nodes = state["nodes"].copy()
    nodes["left_child"][0] = 10**6
    state["nodes"] = nodes
    forest.estimators_[0].tree_.__setstate__(state)
    sio.dump(forest, tmp_path / "forest.skops")
    cases = {
        "nan_leaf.json": "NaN",
        "leaf_vector.json": "size_leaf_vector",
        "leaves.json": "declares 2000000000 leaves",
        "forest.skops": "damaged or crafted",
    }
    for name, says in cases.items():
        result = run_cli("inspect", "--model", str(tmp_path / name), "--no-memory")
        _one_error_line(result, name, says)


def test_python_m_app_never_imports_from_the_current_folder(tmp_path) -> None:
    import os
    import shutil

    names = ("numpy", "xgboost", "pandas", "catboost")
    for name in names:
        marker = tmp_path / f"RAN_{name}"
        (tmp_path / f"{name}.py").write_text(
            f"open({str(marker)!r}, 'w').write('ran')\nraise SystemExit(0)\n"
        )
    shutil.copy(H.xgb_file("ubj"), tmp_path / "model.ubj")
    env = dict(os.environ, PYTHONPATH=str(ROOT))  # finds the app even when not installed
    result = subprocess.run(
        [sys.executable, "-m", "app", "inspect", "--model", "model.ubj", "--no-memory"],
        capture_output=True, text=True, timeout=300, cwd=tmp_path, env=env,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr[-2000:]
    assert "XGBoost" in result.stdout
    assert sorted(p.name for p in tmp_path.glob("RAN_*")) == []
