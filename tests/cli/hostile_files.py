"""Hostile files for the matrix of tests/cli/hostile_matrix.py: one representative per class of
model, dataset and output that issue 21 lists. Each builder takes the folder to build in and the
good files (some classes are a good file damaged)."""

from __future__ import annotations

import json
import os
from pathlib import Path

from tests.cli.hostile_matrix import LABEL, Good
from tests.core import hostile_models as H

# --- hostile model files, one representative per class -------------------------------------


class _Runs:
    """A pickle that, if ever unpickled, leaves a file behind: proof it was only refused."""

    def __init__(self, marker: Path) -> None:
        self.marker = marker

    def __reduce__(self):
        return (open, (str(self.marker), "w"))


def model_truncated_lgbm(folder: Path, good: Good) -> Path:
    text = good.model.read_bytes()
    return _write(folder / "truncated.txt", text[: len(text) // 2])


def model_crafted_xgboost(folder: Path, good: Good) -> Path:
    model = H.xgb_json()
    H.xgb_trees(model)[0]["tree_param"]["size_leaf_vector"] = "1000000000"
    return H.write_json(folder / "crafted_xgb.json", model)


def model_padded_skops(folder: Path, good: Good, padding: int = 2_001) -> Path:
    import copy

    import numpy as np
    import skops.io as sio

    model = copy.deepcopy(H.forest())
    tree = model.estimators_[-1].tree_
    state = tree.__getstate__()
    nodes = state["nodes"].copy()
    nodes["left_child"][np.flatnonzero(nodes["left_child"] != -1)[-1]] = 10**6
    state["nodes"] = nodes
    tree.__setstate__(state)
    # Padding walked before the damaged tree; test_hostile_skops.py has the 200,001 of the
    # report (each load of that takes seconds, too slow to repeat for every verb).
    model.padding = [[] for _ in range(padding)]
    path = folder / "padded.skops"
    sio.dump(model, path)
    return path


def model_pickle(folder: Path, good: Good) -> Path:
    import pickle

    return _write(folder / "model.pkl", pickle.dumps(_Runs(folder / "PICKLE_RAN")))


def model_absurd_sizes(folder: Path, good: Good) -> Path:
    dump = json.loads(H.lgbm_dump())
    dump["tree_info"][0]["num_leaves"] = 2_000_000_000
    return H.write_json(folder / "absurd.json", dump)


def model_not_utf8(folder: Path, good: Good) -> Path:
    return _write(folder / "bytes.txt", b"tree\n\xff\xfe\x80\x81" * 64 + bytes(range(256)))


def empty(folder: Path, name: str) -> Path:
    return _write(folder / name, b"")


def fifo(folder: Path, name: str) -> Path:
    os.mkfifo(folder / name)
    return folder / name


def directory(folder: Path, name: str) -> Path:
    (folder / name).mkdir()
    return folder / name


def _write(path: Path, content: bytes) -> Path:
    path.write_bytes(content)
    return path


# The classes whose bytes reach a native reader (LightGBM, XGBoost, scikit-learn's trees) run
# in a child process; the rest are refused by Python checks and run in-process.
CRASH_PRONE_MODELS = {
    "truncated_lgbm": model_truncated_lgbm,
    "crafted_xgboost": model_crafted_xgboost,
    "padded_skops": model_padded_skops,
    "not_utf8": model_not_utf8,
}
SAFE_MODELS = {
    "pickle": model_pickle,
    "absurd_sizes": model_absurd_sizes,
    "empty": lambda folder, good: empty(folder, "empty.txt"),
    "fifo": lambda folder, good: fifo(folder, "fifo.txt"),
    "directory": lambda folder, good: directory(folder, "folder.txt"),
}


# --- hostile data files, one representative per class --------------------------------------


def _frame(good: Good):
    import pandas as pd

    return pd.read_parquet(good.data)


def data_not_utf8(folder: Path, good: Good) -> Path:
    return _write(folder / "latin.csv", b"\xff\xfe\x00a\x00,\x81\x82\n" + bytes(range(128, 256)))


def data_nan_inf_only(folder: Path, good: Good) -> Path:
    frame = _frame(good)
    features = [c for c in frame.columns if c != LABEL]
    frame[features] = float("nan")
    frame.loc[::2, features] = float("inf")
    return _write(folder / "nan_inf.csv", frame.to_csv(index=False).encode())


def data_header_only(folder: Path, good: Good) -> Path:
    return _write(folder / "header.csv", (",".join(_frame(good).columns) + "\n").encode())


def data_other_columns(folder: Path, good: Good) -> Path:
    frame = _frame(good)
    frame.columns = [f"other_{i}" for i in range(frame.shape[1])]
    return _write(folder / "other.csv", frame.to_csv(index=False).encode())


def data_parquet_bomb(folder: Path, good: Good) -> Path:
    """A few kB on disk, about 200 MB decoded (the tests cap the memory the guard sees)."""
    import numpy as np
    import pyarrow as pa
    import pyarrow.parquet as pq

    rows = 20_000
    column = pa.DictionaryArray.from_arrays(
        pa.array(np.zeros(rows, dtype=np.int32)), pa.array(["x" * 10_000])
    )
    path = folder / "bomb.parquet"
    pq.write_table(pa.table({"s": column, "n": np.arange(rows)}), path, compression="zstd",
                   store_schema=False)  # fmt: skip
    return path


def data_nested_column(folder: Path, good: Good) -> Path:
    import pyarrow as pa
    import pyarrow.parquet as pq

    table = pa.Table.from_pandas(_frame(good), preserve_index=False)
    i = table.schema.get_field_index(good.feature)
    nested = pa.array([{"a": 1.0}] * table.num_rows)
    path = folder / "nested.parquet"
    pq.write_table(table.set_column(i, good.feature, nested), path)
    return path


def endless(folder: Path, name: str) -> Path:
    (folder / name).symlink_to("/dev/zero")
    return folder / name


DATA = {
    "empty": lambda folder, good: empty(folder, "empty.csv"),
    "fifo": lambda folder, good: fifo(folder, "fifo.csv"),
    "directory": lambda folder, good: directory(folder, "folder.parquet"),
    "not_utf8": data_not_utf8,
    "nan_inf_only": data_nan_inf_only,
    "header_only": data_header_only,
    "other_columns": data_other_columns,
    "parquet_bomb": data_parquet_bomb,
    "nested_column": data_nested_column,
    "dev_zero": lambda folder, good: endless(folder, "zero.csv"),
}


# --- hostile outputs: `out` is where the verb would write, `folder` holds the inputs -------


def out_same_path(folder: Path, good: Good, suffix: str) -> Path | None:
    """The good input of the output's kind (None for kinds no verb reads)."""
    return {".parquet": good.data, ".json": good.model_json}.get(suffix)


def out_hard_link(folder: Path, good: Good, suffix: str) -> Path:
    os.link(good.data, folder / f"alias{suffix}")
    return folder / f"alias{suffix}"


def out_symlink(folder: Path, good: Good, suffix: str) -> Path:
    (folder / f"alias{suffix}").symlink_to(good.data)
    return folder / f"alias{suffix}"


def out_device(folder: Path, good: Good, suffix: str) -> Path:
    """/dev/null under the verb's own suffix; root could replace it with a file."""
    (folder / f"device{suffix}").symlink_to("/dev/null")
    return folder / f"device{suffix}"


OUTPUTS = {
    "same_path": out_same_path,
    "hard_link": out_hard_link,
    "symlink": out_symlink,
    "folder": lambda folder, good, suffix: directory(folder, f"out_folder{suffix}"),
    "device": out_device,
    "fifo": lambda folder, good, suffix: fifo(folder, f"out_fifo{suffix}"),
}
