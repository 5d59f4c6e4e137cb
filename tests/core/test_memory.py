"""The memory guard scales with the job and says what to do when it does not fit."""

from __future__ import annotations

from pathlib import Path

from app.core.base.memory import MemoryEstimate, estimate_explain, estimate_load


def test_explain_estimate_grows_with_rows_features_and_outputs() -> None:
    small = estimate_explain(1_000, 10, 1).needed_bytes
    assert estimate_explain(1_000_000, 10, 1).needed_bytes > 100 * small
    assert estimate_explain(1_000, 10, 7).needed_bytes > 6 * small
    # 1M rows x 50 features of float32 values alone is 200 MB
    assert estimate_explain(1_000_000, 50, 1).needed_bytes >= 200_000_000


def test_a_job_too_big_for_memory_is_reported_with_advice() -> None:
    estimate = MemoryEstimate(needed_bytes=64 * 1024**3, available_bytes=8 * 1024**3, what="X")
    assert not estimate.fits
    assert "sample" in estimate.message() and "dask" in estimate.message()
    assert 0 < estimate.rows_that_fit(1_000_000) < 1_000_000


def test_load_estimate_uses_the_file_size(tmp_path: Path) -> None:
    path = tmp_path / "big.parquet"
    with path.open("wb") as handle:  # a sparse file: large size, no disk used
        handle.seek(10 * 1024**3 - 1)
        handle.write(b"\0")
    estimate = estimate_load(path)
    assert estimate.needed_bytes > 10 * 1024**3
