"""`explain --engine dask` into a place it cannot write, or with workers that cannot start: one
`error:` line and exit 2, before any cluster work (issue 21)."""

from __future__ import annotations

import os
from pathlib import Path

import pandas as pd
import pytest

from app.core.base import output_gate
from tests.cli.test_cli_hostile_cases import assert_one_error, run

pytestmark = pytest.mark.timeout(300)


@pytest.fixture
def data(tmp_path, sample_data_path) -> Path:
    path = tmp_path / "d.parquet"
    pd.read_parquet(sample_data_path).iloc[:100].to_parquet(path)
    return path


def test_dask_out_in_a_read_only_folder_is_refused_before_a_cluster_starts(
    capsys, monkeypatch, tmp_path, sample_model_path, data
) -> None:
    """Root ignores folder modes, so the refusal is injected where the OS would give it (as a
    real unprivileged user: tests/core/test_hostile_unprivileged.py for the local engine)."""
    pytest.importorskip("distributed")
    from app.core.explain.distributed import cluster

    locked = tmp_path / "locked"
    locked.mkdir()
    real_access = os.access

    def access(path, mode, *args, **kwargs) -> bool:
        if Path(path) == locked and mode & os.W_OK:
            return False
        return real_access(path, mode, *args, **kwargs)

    def no_cluster(*args, **kwargs):
        raise AssertionError("a cluster was started for a run that cannot write its result")

    monkeypatch.setattr(output_gate.os, "access", access)
    monkeypatch.setattr(cluster, "_local_cluster", no_cluster)
    code, _, err = run(capsys, "explain", "--engine", "dask", "--local-workers", "1",
                       "--model", sample_model_path, "--data", data,
                       "--out", locked / "values")  # fmt: skip
    assert_one_error(code, err, "read-only or you lack permission")
    assert list(locked.iterdir()) == []


def test_dask_workers_that_cannot_start(
    capsys, monkeypatch, tmp_path, sample_model_path, data
) -> None:
    """distributed's own report is a traceback ending in "Nanny failed to start" (seen when the
    worker's interpreter could not be run)."""
    pytest.importorskip("distributed")
    from app.core.explain.distributed import cluster

    def failing(*args, **kwargs):
        raise RuntimeError("Nanny failed to start.")

    monkeypatch.setattr(cluster, "_local_cluster", failing)
    out = tmp_path / "values"
    code, _, err = run(capsys, "explain", "--engine", "dask", "--local-workers", "2",
                       "--model", sample_model_path, "--data", data, "--out", out)  # fmt: skip
    assert_one_error(code, err, "Could not start 2 local Dask worker(s) (Nanny failed to start)")
    assert not out.exists()
