"""Hostile model files opened in the window: a message naming the file, the window survives and
keeps what was loaded. In a child process, because these files once crashed it."""

from __future__ import annotations

import copy
import json
import math
import os
import subprocess
import sys
import textwrap
from pathlib import Path

from tests.core import hostile_models as H
from tests.ui.test_gui_bad_input import CHILD


def _hostile_files(folder: Path) -> list[Path]:
    import skops.io as sio

    crash = copy.deepcopy(H.xgb_json())
    H.xgb_trees(crash)[0]["tree_param"]["size_leaf_vector"] = "1000000000"
    nan = copy.deepcopy(H.xgb_json())
    tree = H.xgb_trees(nan)[0]
    tree["split_conditions"][tree["left_children"].index(-1)] = math.nan
    dump = json.loads(H.lgbm_dump())
    dump["tree_info"][0]["num_leaves"] = 2_000_000_000
    forest = copy.deepcopy(H.forest())
    state = forest.estimators_[0].tree_.__getstate__()
    nodes = state["nodes"].copy()
    nodes["right_child"][0] = 0  # the root is its own child
    state["nodes"] = nodes
    forest.estimators_[0].tree_.__setstate__(state)
    sio.dump(forest, folder / "forest.skops")
    return [
        H.write_json(folder / "leaf_vector.json", crash),
        H.write_json(folder / "nan_leaf.json", nan),
        H.write_json(folder / "leaves.json", dump),
        folder / "forest.skops",
    ]


def test_hostile_models_show_a_message_and_keep_the_window(
    tmp_path, small_model_path, small_data_path
) -> None:
    paths = _hostile_files(tmp_path)
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    result = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(CHILD), str(small_model_path),
         str(small_data_path), *map(str, paths)],
        capture_output=True, text=True, timeout=600, env=env,
        cwd=Path(__file__).resolve().parents[2],
    )  # fmt: skip
    assert result.returncode == 0, f"exit {result.returncode}: {result.stderr[-1500:]}"
    messages = [line for line in result.stdout.splitlines() if line.startswith("MESSAGE")]
    assert len(messages) == len(paths), result.stdout
    for path, message in zip(paths, messages, strict=True):
        assert path.name in message and "still loaded" in message, message
        assert "Traceback" not in message
    assert result.stdout.count("KEPT True") == len(paths)
