"""A cache folder the OS refuses to look into is a cache miss, never an exception: the look-up
runs while files open, and an exception there once kept them from opening (issue 21). A name
too long for the file system stands in for a folder another user made (which only a non-root
account is refused; tests/core/test_hostile_unprivileged.py has that case for real)."""

from __future__ import annotations

import numpy as np
import pytest

from app.core.base.errors import CacheError
from app.core.data.cache import ExplanationCache, cache_key
from app.core.data.interaction_cache import InteractionCache


@pytest.fixture
def unusable(tmp_path):
    root = tmp_path / ("c" * 300)  # os.stat inside it fails with ENAMETOOLONG
    with pytest.raises(OSError):
        (root / "ab" / "x.json").exists()
    return root


def test_explanation_cache_in_an_unusable_folder(unusable) -> None:
    cache = ExplanationCache(unusable)
    key = cache_key(b"model", b"data")
    assert key not in cache
    with pytest.raises(CacheError, match="No cached explanation"):
        cache.get(key)


def test_interaction_cache_in_an_unusable_folder(unusable) -> None:
    cache = InteractionCache(unusable)
    key = cache_key(b"model", b"data")
    assert key not in cache
    with pytest.raises(CacheError, match="No cached interaction values"):
        cache.get(key)


def test_interaction_summary_is_computed_when_its_cache_cannot_be_used(
    unusable, sample_model_path, sample_data_path
) -> None:
    import pandas as pd

    from app.core.data.align import align
    from app.core.data.model_io import load_model
    from app.core.explain.interaction_jobs import summary_job

    model = load_model(sample_model_path)
    X = align(model, pd.read_parquet(sample_data_path).iloc[:30]).X
    job = summary_job(model, X, sample_model_path, InteractionCache(unusable))
    try:
        while True:
            next(job)
    except StopIteration as done:
        summary = done.value
    assert summary.n_rows == 30 and np.isfinite(summary.mean_abs).all()
