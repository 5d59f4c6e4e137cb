"""Dask engine: scaling from 1 to 2 local workers, and a driver whose memory stays flat.

`run()` generates a synthetic dataset (default 3,000,000 rows, 8 numeric features) as Parquet
partitions, trains a small LightGBM regression (10 trees, 8 leaves) on a slice, and times `explain_dask` on a
LocalCluster of 1 and of 2 workers (cluster start-up and worker warm-up excluded: a team's
cluster is already running). It also samples the driver's RSS while explaining a quarter of the
rows and all of them: the driver only folds per-partition summaries, so its peak should not grow
with the rows. Rows: {target, measured, reference, ratio}. Set SHAPLENS_BENCH_DASK_ROWS to change
the size. Run alone: `python -m benchmarks.bench_dask`.
"""

from __future__ import annotations

import os
import shutil
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

from benchmarks.common import PeakRss

N_ROWS = int(os.environ.get("SHAPLENS_BENCH_DASK_ROWS", "3000000"))
N_FILES = 12
N_FEATURES = 8


def make_data(folder: Path, n_rows: int = N_ROWS, n_files: int = N_FILES) -> list[Path]:
    rng = np.random.default_rng(0)
    per_file = n_rows // n_files
    files = []
    for i in range(n_files):
        X = rng.normal(size=(per_file, N_FEATURES))
        frame = pd.DataFrame(X, columns=[f"x{j}" for j in range(N_FEATURES)])
        frame["y"] = (
            X[:, 0] * 2 + np.sin(X[:, 1] * 3) + X[:, 2] * X[:, 3] + rng.normal(size=per_file)
        )
        path = folder / f"part-{i:02d}.parquet"
        frame.to_parquet(path, row_group_size=100_000)
        files.append(path)
    return files


def train_model(first_file: Path, path: Path) -> Path:
    import lightgbm as lgb

    frame = pd.read_parquet(first_file).iloc[:20_000]
    params = {
        "objective": "regression",
        "num_leaves": 8,
        "seed": 1,
        "verbose": -1,
        "num_threads": 1,
    }
    features = frame.drop(columns=["y"])
    booster = lgb.train(params, lgb.Dataset(features, frame["y"]), num_boost_round=10)
    booster.save_model(str(path))
    return path


def _warm_worker() -> None:
    import app.core.explain.distributed.partition  # noqa: F401  (imports LightGBM, the engine)


def _explain(client, model: Path, data: str, out: Path) -> tuple[float, int]:
    from app.core.explain.distributed.dask_explain import explain_dask, plan_run

    plan = plan_run(model, data, out)
    started = time.perf_counter()
    explain_dask(client, plan)
    return time.perf_counter() - started, plan.n_rows


def run() -> list[dict]:
    from app.core.explain.distributed.cluster import dask_client

    root = Path(tempfile.mkdtemp(prefix="shaplens-bench-dask-"))
    try:
        files = make_data(root)
        model = train_model(files[0], root / "model.txt")
        rates: dict[int, float] = {}
        rss: dict[str, tuple[int, float, float]] = {}
        patterns = {"quarter": f"{root}/part-0[0-2].parquet", "all": f"{root}/part-*.parquet"}
        for workers in (1, 2):
            with dask_client(local_workers=workers) as client:
                client.run(_warm_worker)
                runs = ("all",) if workers == 1 else ("quarter", "all")
                for name in runs:
                    with PeakRss() as peak:
                        before = peak.peak
                        seconds, rows = _explain(client, model, patterns[name], root / "v")
                    if name == "all":
                        rates[workers] = rows / seconds
                    if workers == 2:
                        rss[name] = (rows, (peak.peak - before) / 2**20, peak.peak / 2**20)
        (n_q, grow_q, peak_q), (n_all, grow_all, peak_all) = rss["quarter"], rss["all"]
        return [
            {
                "target": f"dask explain rows/s, 2 local workers vs 1 ({N_ROWS:,} rows, "
                "expect ~2x on 2 free cores)",
                "measured": round(rates[2]),
                "reference": round(rates[1]),
                "ratio": round(rates[2] / rates[1], 2),
            },
            {
                "target": f"driver peak RSS MB explaining {n_all:,} rows vs {n_q:,} "
                f"(growth during run {grow_all:.0f} vs {grow_q:.0f} MB; expect ratio ~1)",
                "measured": round(peak_all, 1),
                "reference": round(peak_q, 1),
                "ratio": round(peak_all / peak_q, 3),
            },
        ]
    finally:
        shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    for row in run():
        print(row)
