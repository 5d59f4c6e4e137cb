"""Hostile and unlucky files: every loader refuses a FIFO, a device, a folder, a missing, an
unreadable or an oversized file in one sentence naming it, and never blocks or fills memory.

A regression here would hang (a FIFO blocks `open` until a writer appears), so every test has a
timeout: it then fails instead of stalling the suite.
"""

from __future__ import annotations

import errno
import os
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest

from app.core.base import input_gate
from app.core.base.errors import CacheError, ShapLensError
from app.core.base.input_gate import InputError, read_input
from app.core.base.types import Explanation, Unit
from app.core.data.cache import ExplanationCache, cache_key
from app.core.data.data_io import load_dataset
from app.core.debugging.cohorts import CohortSet
from app.core.explain.models import trust
from app.core.review.glossary import load_glossary
from app.core.review.session import load_session

pytestmark = pytest.mark.timeout(30)


def _fifo(path: Path) -> Path:
    os.mkfifo(path)
    return path


def _device(path: Path) -> Path:
    path.symlink_to("/dev/zero")  # endless: read whole, it would fill memory
    return path


def _folder(path: Path) -> Path:
    path.mkdir()
    return path


def _oversized(path: Path) -> Path:
    with open(path, "wb") as handle:  # sparse: no disk used
        handle.truncate(300 * 1024**2)
    return path


KINDS: dict[str, tuple[Callable[[Path], Path], str]] = {
    "fifo": (_fifo, "named pipe"),
    "device": (_device, "character device"),
    "folder": (_folder, "folder"),
    "missing": (lambda p: p, "not found"),
    "oversized": (_oversized, "more than"),
}

# (file name, loader, exception type): each loader's own error type, all ShapLensError.
LOADERS: dict[str, tuple[str, Callable[[Path], object]]] = {
    "glossary-yaml": ("g.yaml", load_glossary),
    "glossary-csv": ("g.csv", load_glossary),
    "session": ("s.shaplens.json", load_session),
    "cohorts": ("c.json", CohortSet.load),
    "rows": ("rows.txt", lambda p: read_input(p, input_gate.ROWS)),
}


@pytest.mark.parametrize("kind", sorted(KINDS))
@pytest.mark.parametrize("loader", sorted(LOADERS))
def test_small_files_refuse_every_wrong_kind(tmp_path, kind: str, loader: str) -> None:
    make, expected = KINDS[kind]
    name, load = LOADERS[loader]
    path = make(tmp_path / name)
    with pytest.raises(ShapLensError) as caught:
        load(path)
    message = str(caught.value)
    assert expected in message and name in message
    assert "\n" not in message


@pytest.mark.parametrize("kind", ["fifo", "device", "folder", "missing"])
@pytest.mark.parametrize("name", ["d.csv", "d.parquet", "d.xlsx", "d.feather"])
def test_data_files_refuse_every_wrong_kind(tmp_path, kind: str, name: str) -> None:
    make, expected = KINDS[kind]
    path = make(tmp_path / name)
    with pytest.raises(ShapLensError) as caught:
        load_dataset(path)
    assert (expected in str(caught.value) or "not found" in str(caught.value)) and name in str(
        caught.value
    )


def test_unreadable_file_is_one_sentence(tmp_path, monkeypatch) -> None:
    """Permission denied (simulated: the suite may run as root, which reads anything)."""
    path = tmp_path / "d.csv"
    path.write_text("a,b\n1,2\n")
    real_open = os.open

    def denied(target, *args, **kwargs):
        if str(target) == str(path):
            raise PermissionError(errno.EACCES, "Permission denied", str(target))
        return real_open(target, *args, **kwargs)

    monkeypatch.setattr(os, "open", denied)
    with pytest.raises(ShapLensError, match=r"d\.csv cannot be read \(permission denied\)"):
        load_dataset(path)


@pytest.mark.skipif(
    os.geteuid() == 0,
    reason="running with privileges that ignore read-only folders (and file modes)",
)
def test_unreadable_file_by_mode(tmp_path) -> None:
    path = tmp_path / "g.yaml"
    path.write_text("features: {}\n")
    path.chmod(0)
    with pytest.raises(ShapLensError, match="permission denied"):
        load_glossary(path)


def test_role_limit_is_checked_on_the_open_file(tmp_path) -> None:
    path = tmp_path / "g.yaml"
    path.write_bytes(b"x" * 100)
    with pytest.raises(InputError, match="100 bytes, more than a glossary can be"):
        read_input(path, input_gate.Role("glossary", 10))
    assert read_input(path, input_gate.Role("glossary", 100)) == b"x" * 100


# --------------------------------------------------------------------------- trust store
@pytest.mark.parametrize("kind", ["fifo", "device", "folder", "oversized"])
def test_trust_store_of_the_wrong_kind_trusts_nothing(tmp_path, monkeypatch, kind) -> None:
    store = KINDS[kind][0](tmp_path / "trusted.json")
    monkeypatch.setenv(trust.STORE_ENV, str(store))
    model = tmp_path / "m.pkl"
    model.write_bytes(b"not really a pickle")
    assert trust.is_trusted(model) is False


@pytest.mark.parametrize(
    "content",
    [
        "[" * 100_000 + "]" * 100_000,
        '{"trusted": ' + "[" * 5000 + "]" * 5000 + "}",
        '{"trusted": {"zz": "not a hash"}}',
        '{"trusted": {"' + "a" * 64 + '": 1e400}}',
        '{"trusted": [1, 2]}',
        "\x00\xff",
    ],
)
def test_damaged_trust_store_trusts_nothing(tmp_path, monkeypatch, content: str) -> None:
    store = tmp_path / "trusted.json"
    store.write_text(content, encoding="latin-1")
    monkeypatch.setenv(trust.STORE_ENV, str(store))
    model = tmp_path / "m.pkl"
    model.write_bytes(b"x")
    assert trust.is_trusted(model) is False
    trust.remember_trust(model)  # a damaged store is replaced by a sound one
    assert trust.is_trusted(model) is True


# --------------------------------------------------------------------------- cache
def _explanation(n: int = 20) -> Explanation:
    rng = np.random.default_rng(0)
    return Explanation(
        values=rng.normal(size=(n, 3, 1)).astype(np.float32),
        base_values=np.array([0.5]),
        raw_output=rng.normal(size=(n, 1)),
        feature_names=["a", "b", "c"],
        output_names=["y"],
        unit=Unit.TARGET,
        exact=True,
        rows=np.arange(n, dtype=np.int64),
        engine="test",
    )


@pytest.mark.parametrize("part", ["json", "values.npy", "rows.npy"])
@pytest.mark.parametrize("kind", ["fifo", "device", "folder"])
def test_cache_entry_of_the_wrong_kind_is_skipped(tmp_path, part: str, kind: str) -> None:
    cache = ExplanationCache(tmp_path)
    key = cache_key(b"model", b"data")
    cache.put(key, _explanation())
    path = next(tmp_path.rglob(f"{key}.{part}"))
    path.unlink()
    KINDS[kind][0](path)
    with pytest.raises(CacheError, match="computed again"):
        cache.get(key)
    if kind != "folder":  # a folder in its place cannot be unlinked: left, logged
        cache.put(key, _explanation())
        assert cache.get(key).n_rows == 20


@pytest.mark.parametrize(
    "meta",
    [
        b"[" * 100_000,
        b'{"sha256": "00", "meta": ' + b"[" * 50_000 + b"]" * 50_000 + b"}",
        b'{"sha256": 5, "meta": {}}',
        b"\xff\xfe",
        b"",
    ],
)
def test_damaged_cache_metadata_is_discarded(tmp_path, meta: bytes) -> None:
    cache = ExplanationCache(tmp_path)
    key = cache_key(b"model", b"data")
    cache.put(key, _explanation())
    next(tmp_path.rglob(f"{key}.json")).write_bytes(meta)
    with pytest.raises(CacheError, match="damaged"):
        cache.get(key)
    assert key not in cache


def test_cache_metadata_with_valid_checksum_but_bad_fields(tmp_path) -> None:
    """A hand-made entry whose checksum matches still meets the schema: NaN base value refused."""
    import hashlib
    import json

    cache = ExplanationCache(tmp_path)
    key = cache_key(b"model", b"data")
    cache.put(key, _explanation())
    path = next(tmp_path.rglob(f"{key}.json"))
    stored = json.loads(path.read_bytes())
    stored["meta"]["base_values"] = ["NaN"]
    body = json.dumps(stored["meta"], sort_keys=True)
    stored["sha256"] = hashlib.sha256(body.encode()).hexdigest()
    path.write_text(json.dumps(stored, sort_keys=True))
    with pytest.raises(CacheError, match="damaged"):
        cache.get(key)


# --------------------------------------------------------------------------- dask inputs
def test_fifo_inside_a_dask_input_folder_is_refused(tmp_path, sample_data_path) -> None:
    from app.core.explain.distributed.dask_explain import parquet_files

    folder = tmp_path / "parts"
    folder.mkdir()
    (folder / "a.parquet").write_bytes(sample_data_path.read_bytes())
    _fifo(folder / "b.parquet")
    with pytest.raises(ShapLensError, match=r"b\.parquet is a named pipe"):
        parquet_files(folder)


# --------------------------------------------------------------------------- model files
@pytest.mark.parametrize("kind", ["fifo", "device"])
@pytest.mark.parametrize("name", ["m.txt", "m.json", "m.pkl"])
def test_model_file_of_the_wrong_kind(tmp_path, kind: str, name: str) -> None:
    from app.core.base.errors import ModelLoadError
    from app.core.data.model_io import load_model

    make, expected = KINDS[kind]
    path = make(tmp_path / name)
    with pytest.raises(ModelLoadError) as caught:
        load_model(path)
    assert expected in str(caught.value) and name in str(caught.value)
    assert "empty" not in str(caught.value)  # it used to be called an empty file


def test_model_swapped_for_a_fifo_after_its_check_is_not_waited_on(tmp_path, monkeypatch):
    """The bytes are read through the input gate, whose open never blocks."""
    from app.core.base.errors import ModelLoadError
    from app.core.data import model_io

    path = _fifo(tmp_path / "model.json")
    monkeypatch.setattr(model_io, "_check_file", lambda p: 1000)  # passed before the swap
    with pytest.raises(ModelLoadError, match=r"model\.json is a named pipe"):
        model_io.load_model(path)
