"""`shaplens explain --engine dask` end to end in a subprocess: same values as the local engine,
bad input exits 2 before a cluster starts, Ctrl+C leaves no worker and nothing published, and a
missing Dask install says how to add it."""

from __future__ import annotations

import signal
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import psutil
import pyarrow.parquet as pq
import pytest

from app.cli import main
from app.core.explain.distributed.explained_store import open_explained
from tests.core.test_dask_explain import train_small_model, write_parts

pytest.importorskip("distributed")


def run_cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "app", *args], capture_output=True, text=True, timeout=240
    )


def test_dask_engine_matches_local_engine(tmp_path, sample_data_path) -> None:
    model = train_small_model(sample_data_path, tmp_path / "small.txt")
    frame = write_parts(sample_data_path, tmp_path / "data", n_files=2)
    whole = tmp_path / "whole.parquet"
    frame.to_parquet(whole)
    local = ["explain", "--model", str(model), "--data", str(whole)]
    assert main([*local, "--out", str(tmp_path / "local.parquet")]) == 0
    out = tmp_path / "values"
    result = run_cli(
        "explain", "--engine", "dask", "--local-workers", "2", "--model", str(model),
        "--data", str(tmp_path / "data" / "*.parquet"), "--out", str(out) + "/", "--key", "id",
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert "2 worker(s) on a local cluster on 127.0.0.1" in result.stderr
    assert "2/2 partitions, 6,000/6,000 rows" in result.stderr
    reference = pq.read_table(tmp_path / "local.parquet")
    store = open_explained(out)
    values = store.read_rows(0, store.n_rows)
    shap = [c for c in reference.column_names if c.startswith("shap:")]
    assert shap == store.shap_columns and len(shap) == 13
    expected = reference.to_pandas()
    np.testing.assert_array_equal(values[shap].to_numpy(), expected[shap].to_numpy())
    np.testing.assert_allclose(values["raw_output"], expected["raw_output"], atol=1e-9)
    assert values["id"].tolist() == frame["id"].tolist()
    part = pq.read_schema(out / "part-00000.parquet").metadata
    assert part[b"shaplens.unit"] == reference.schema.metadata[b"shaplens.unit"] == b"log-odds"
    assert sorted(p.name for p in out.iterdir()) == [
        "_SUCCESS", "_manifest.json", "_shaplens_result.json", "part-00000.parquet",
        "part-00001.parquet", "sample.parquet", "summary.json", "summary.npz",
    ]  # fmt: skip


def test_bad_input_exits_2_before_starting_a_cluster(tmp_path, sample_model_path, capsys) -> None:
    code = main(
        ["explain", "--engine", "dask", "--model", str(sample_model_path),
         "--data", str(tmp_path / "*.parquet"), "--out", str(tmp_path / "values")]
    )  # fmt: skip
    stderr = capsys.readouterr().err
    assert code == 2 and stderr.startswith("error: No Parquet files match")
    assert "worker" not in stderr
    code = main(
        ["explain", "--model", str(sample_model_path), "--data", "x.parquet",
         "--out", "v.parquet", "--scheduler", "tcp://127.0.0.1:1"]
    )  # fmt: skip
    assert code == 2 and "--scheduler works with --engine dask only" in capsys.readouterr().err


def test_missing_dask_says_how_to_install(
    tmp_path, sample_model_path, sample_data_path, monkeypatch, capsys
) -> None:
    monkeypatch.setitem(sys.modules, "distributed", None)  # `import distributed` now fails
    code = main(
        ["explain", "--engine", "dask", "--model", str(sample_model_path),
         "--data", str(sample_data_path), "--out", str(tmp_path / "v")]
    )  # fmt: skip
    assert code == 2
    assert "pip install 'shaplens[dask]'" in capsys.readouterr().err
    assert not (tmp_path / "v").exists()


def restore_sigint() -> None:
    """A terminal's Ctrl+C reaches a process whose SIGINT is at its default. A runner that
    started this suite in the background (`cmd &` in a script) passes SIGINT on as *ignored*,
    and Python then keeps ignoring it: that, not the app, is how the signal was lost in CI."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)


@pytest.fixture(scope="module")
def many_parts(tmp_path_factory, sample_data_path) -> Path:
    """The sample four times over in 400 files (~195k rows): 15-20 s of work on 2 cores."""
    frame = pd.concat([pd.read_parquet(sample_data_path)] * 4, ignore_index=True)
    folder = tmp_path_factory.mktemp("parts")
    size = -(-len(frame) // 400)
    for i in range(400):
        frame.iloc[i * size : (i + 1) * size].to_parquet(folder / f"p{i:03d}.parquet")
    return folder


# Each moment a Ctrl+C can arrive: while the cluster starts, before any partition is done
# (scheduling), and mid-run. A stop as the last partition finishes is tested in
# tests/core/test_dask_explain.py, where that moment can be hit exactly.
MOMENTS = {
    "cluster starting": "starting 2 local worker(s)",
    "scheduling": "worker(s) on",
    "mid-run": "partitions",
}


@pytest.mark.parametrize("moment", list(MOMENTS))
def test_ctrl_c_cancels_and_stops_every_worker(
    tmp_path, sample_model_path, many_parts, moment
) -> None:
    out = tmp_path / "values"
    with subprocess.Popen(
        [
            sys.executable, "-m", "app", "explain", "--engine", "dask", "--local-workers", "2",
            "--model", str(sample_model_path), "--data", str(many_parts), "--out", str(out),
        ],
        stderr=subprocess.PIPE,
        text=True,
        preexec_fn=restore_sigint,
    ) as process:  # fmt: skip
        try:
            lines = []
            for line in process.stderr:
                lines.append(line)
                if MOMENTS[moment] in line:
                    break
            assert any(MOMENTS[moment] in line for line in lines), "".join(lines)
            process.send_signal(signal.SIGINT)
            workers = psutil.Process(process.pid).children(recursive=True)
            rest = process.stderr.read()
            assert process.wait(timeout=120) == 130, "".join(lines) + rest
        finally:
            if process.poll() is None:
                process.kill()
    assert "error: interrupted" in rest and "Traceback" not in rest
    _gone, alive = psutil.wait_procs(workers, timeout=30)
    assert not alive, [p.pid for p in alive]
    assert not out.exists() and not list(tmp_path.glob(".values*"))
