"""Explanation cache: keys follow their inputs, entries round-trip, damage is detected."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from app.core.base.errors import CacheError
from app.core.base.types import Explanation, Unit
from app.core.data.cache import ExplanationCache, cache_key, data_digest


def _explanation(n: int = 50, f: int = 4, k: int = 1, seed: int = 0) -> Explanation:
    rng = np.random.default_rng(seed)
    values = rng.normal(size=(n, f, k)).astype(np.float32)
    base = rng.normal(size=k)
    raw = values.sum(axis=1, dtype=np.float64) + base
    return Explanation(
        values,
        base,
        raw,
        [f"f{i}" for i in range(f)],
        [f"out{j}" for j in range(k)],
        Unit.LOG_ODDS,
        engine="test",
    )


def test_key_changes_with_model_data_and_settings() -> None:
    X = np.arange(12, dtype=np.float64).reshape(4, 3)
    base = cache_key(b"model", X, {"engine": "numba", "rows": 4})
    assert base == cache_key(b"model", X.copy(), {"rows": 4, "engine": "numba"})
    assert base != cache_key(b"model!", X, {"engine": "numba", "rows": 4})
    changed = X.copy()
    changed[2, 1] = np.nextafter(changed[2, 1], 99)
    assert base != cache_key(b"model", changed, {"engine": "numba", "rows": 4})
    assert base != cache_key(b"model", X.reshape(3, 4), {"engine": "numba", "rows": 4})
    assert base != cache_key(b"model", X.astype(np.float32), {"engine": "numba", "rows": 4})
    assert base != cache_key(b"model", X, {"engine": "numba", "rows": 5})
    assert base == cache_key(b"model", data_digest(X), {"engine": "numba", "rows": 4})
    assert cache_key(b"m", b"csv bytes") != cache_key(b"m", b"csv bytez")


@pytest.mark.parametrize("k", [1, 3])
def test_round_trip(tmp_path: Path, k: int) -> None:
    cache = ExplanationCache(tmp_path)
    original = _explanation(k=k)
    key = cache_key(b"model", b"data", {"k": k})
    assert key not in cache
    cache.put(key, original)
    assert key in cache
    loaded = cache.get(key)
    np.testing.assert_array_equal(loaded.values, original.values)
    np.testing.assert_array_equal(loaded.raw_output, original.raw_output)
    np.testing.assert_array_equal(loaded.base_values, original.base_values)
    np.testing.assert_array_equal(loaded.rows, original.rows)
    assert loaded.values.dtype == np.float32
    assert loaded.feature_names == original.feature_names
    assert loaded.output_names == original.output_names
    assert loaded.unit is Unit.LOG_ODDS
    assert loaded.engine == "test"
    assert loaded.additivity_error() < 1e-5
    loaded.values[0, 0, 0] = 123.0  # copy-on-write: the file is untouched
    assert cache.get(key).values[0, 0, 0] == original.values[0, 0, 0]


def test_missing_entry_is_a_cache_error(tmp_path: Path) -> None:
    with pytest.raises(CacheError):
        ExplanationCache(tmp_path).get(cache_key(b"m", b"d"))


@pytest.mark.parametrize("part", ["values.npy", "raw_output.npy", "rows.npy", "json"])
@pytest.mark.parametrize("damage", ["flip", "truncate"])
def test_corrupt_entry_is_detected_and_discarded(tmp_path: Path, part: str, damage: str) -> None:
    cache = ExplanationCache(tmp_path)
    key = cache_key(b"model", b"data")
    cache.put(key, _explanation())
    path = next(tmp_path.rglob(f"{key}.{part}"))
    data = bytearray(path.read_bytes())
    if damage == "flip":
        data[-3] ^= 0x55
    else:
        data = data[: len(data) // 2]
    path.write_bytes(bytes(data))
    with pytest.raises(CacheError, match="damaged"):
        cache.get(key)
    assert key not in cache  # discarded, so the caller recomputes and puts again
    cache.put(key, _explanation())
    assert cache.get(key).n_rows == 50


def test_put_replaces_an_entry_and_leaves_no_temp_files(tmp_path: Path) -> None:
    cache = ExplanationCache(tmp_path)
    key = cache_key(b"model", b"data")
    cache.put(key, _explanation(seed=1))
    cache.put(key, _explanation(seed=2))
    np.testing.assert_array_equal(cache.get(key).values, _explanation(seed=2).values)
    assert not [p for p in tmp_path.rglob("*.tmp")]


def test_bad_key_is_refused(tmp_path: Path) -> None:
    with pytest.raises(CacheError):
        ExplanationCache(tmp_path).get("../../etc/passwd")


def test_partial_explanation_keeps_its_rows(tmp_path: Path) -> None:
    cache = ExplanationCache(tmp_path)
    partial = _explanation(n=10)
    partial.rows = np.arange(100, 110)
    partial.complete = False
    key = cache_key(b"m", b"d", {"partial": True})
    cache.put(key, partial)
    loaded = cache.get(key)
    assert not loaded.complete
    np.testing.assert_array_equal(loaded.rows, np.arange(100, 110))
