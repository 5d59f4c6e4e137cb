"""Explanations on disk, keyed by what produced them: model bytes, data and settings.

Layout: <root>/<key[:2]>/<key>.<part>.npy for values, raw_output and rows (raw .npy so a reload
is a memory map, not a parse), and <key>.json, written last, holding the metadata, a sha256
of every part and one of the metadata itself. Every file goes through the output gate
(app.core.base.atomic): written to a temporary name and moved into place, so a reader sees either the old entry or the new one, never half a file; an entry whose parts do
not match their checksums (a crash between two parts, disk damage, a stray edit) is discarded and
reported as CacheError, and the caller recomputes.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import shutil
from collections.abc import Mapping
from pathlib import Path

import numpy as np

from app.core.base.atomic import write_bytes_atomic, write_stream_atomic
from app.core.base.errors import CacheError
from app.core.base.input_gate import CACHE_ARRAY, CACHE_META, InputError, check_input, read_input
from app.core.base.schemas import CacheEntryDoc, CacheMetaDoc
from app.core.base.structured import SchemaError, decode_json
from app.core.base.types import Explanation, Unit

log = logging.getLogger(__name__)

FORMAT = 1
_PARTS = ("values", "raw_output", "rows")
_HASH_BLOCK = 64 * 1024**2  # hash in slices so a memory map is never copied whole


def default_root() -> Path:
    from platformdirs import user_cache_dir

    return Path(user_cache_dir("shaplens")) / "explanations"


def _digest_array(array: np.ndarray) -> str:
    """sha256 of an array's dtype, shape and bytes (C order)."""
    array = np.ascontiguousarray(array)
    h = hashlib.sha256(f"{array.dtype.str}{array.shape}".encode())
    flat = array.reshape(-1).view(np.uint8) if array.size else np.zeros(0, np.uint8)
    for start in range(0, flat.size, _HASH_BLOCK):
        h.update(memoryview(flat[start : start + _HASH_BLOCK]))
    return h.hexdigest()


def data_digest(data: np.ndarray | bytes | str) -> str:
    """A stable digest of a dataset: a float matrix, raw file bytes, or an existing digest."""
    if isinstance(data, str):
        return data
    if isinstance(data, bytes | bytearray | memoryview):
        return hashlib.sha256(data).hexdigest()
    return _digest_array(np.asarray(data))


def cache_key(
    model_bytes: bytes, data: np.ndarray | bytes | str, settings: Mapping[str, object] | None = None
) -> str:
    """sha256 over the model file, the data and the settings (JSON, sorted keys)."""
    h = hashlib.sha256(b"shaplens-explanation-v1\0")
    h.update(hashlib.sha256(model_bytes).digest())
    h.update(data_digest(data).encode())
    h.update(json.dumps(dict(settings or {}), sort_keys=True, default=str).encode())
    return h.hexdigest()


class ExplanationCache:
    """get/put Explanations by key. Safe for concurrent readers and writers of one key."""

    def __init__(self, root: str | Path | None = None) -> None:
        self.root = Path(root) if root is not None else default_root()

    def _path(self, key: str, part: str) -> Path:
        if len(key) < 8 or not all(c in "0123456789abcdef" for c in key):
            raise CacheError(f"Not a cache key: {key!r}")
        suffix = "json" if part == "meta" else f"{part}.npy"
        return self.root / key[:2] / f"{key}.{suffix}"

    def __contains__(self, key: str) -> bool:
        # os.path: False, not PermissionError, in a folder we may not search (another user's)
        return os.path.exists(self._path(key, "meta"))

    def put(self, key: str, explanation: Explanation) -> Path:
        """Store an explanation; returns the metadata file's path."""
        arrays = {
            "values": np.ascontiguousarray(explanation.values, dtype=np.float32),
            "raw_output": np.ascontiguousarray(explanation.raw_output, dtype=np.float64),
            "rows": np.ascontiguousarray(explanation.rows, dtype=np.int64),
        }
        checksums = {}
        for part, array in arrays.items():
            checksums[part] = _digest_array(array)
            write_stream_atomic(
                self._path(key, part),
                lambda f, a=array: np.save(f, a, allow_pickle=False),
                size_hint=array.nbytes,
                parents=True,
            )
        meta = {
            "format": FORMAT,
            "checksums": checksums,
            "base_values": [float(v) for v in np.asarray(explanation.base_values).ravel()],
            "feature_names": list(explanation.feature_names),
            "output_names": list(explanation.output_names),
            "unit": explanation.unit.value,
            "exact": bool(explanation.exact),
            "complete": bool(explanation.complete),
            "engine": explanation.engine,
        }
        body = json.dumps(meta, sort_keys=True)
        payload = json.dumps(
            {"sha256": hashlib.sha256(body.encode()).hexdigest(), "meta": meta}, sort_keys=True
        ).encode()
        # The metadata goes last: it is what makes the entry visible.
        write_bytes_atomic(self._path(key, "meta"), payload, parents=True)
        return self._path(key, "meta")

    def get(self, key: str) -> Explanation:
        """Load an entry (values memory-mapped copy-on-write) or raise CacheError.

        Every file goes through the input gate (a FIFO or a folder in the cache is refused, not
        waited on) and the metadata through a bounded schema; any damage discards the entry.
        """
        meta_path = self._path(key, "meta")
        if key not in self:
            raise CacheError("No cached explanation for this model, data and settings.")
        try:
            explanation = self._read(key, meta_path)
        except (InputError, SchemaError, OSError, ValueError, KeyError, TypeError, EOFError) as e:
            self.discard(key)
            raise CacheError(
                f"The cached explanation was damaged ({e}); it has been discarded and will "
                "be computed again."
            ) from e
        return explanation

    def _read(self, key: str, meta_path: Path) -> Explanation:
        stored = decode_json(read_input(meta_path, CACHE_META), CacheEntryDoc)
        if hashlib.sha256(bytes(stored.meta)).hexdigest() != stored.sha256:
            raise ValueError("the metadata does not match its checksum")
        meta = decode_json(bytes(stored.meta), CacheMetaDoc)
        if meta.format != FORMAT:
            raise ValueError(f"format {meta.format}")
        arrays = {}
        for part in _PARTS:
            path = self._path(key, part)
            # np.load memory-maps by path only; the cache folder is ours, so a stat check
            # (regular file, readable) before the map is enough to keep a FIFO from blocking.
            check_input(path, CACHE_ARRAY)
            array = np.load(path, mmap_mode="c", allow_pickle=False)
            if _digest_array(array) != getattr(meta.checksums, part):
                raise ValueError(f"{part} does not match its checksum")
            arrays[part] = array
        return Explanation(
            values=arrays["values"],
            base_values=np.asarray(meta.base_values, dtype=np.float64),
            raw_output=arrays["raw_output"],
            feature_names=list(meta.feature_names),
            output_names=list(meta.output_names),
            unit=Unit(meta.unit),
            exact=meta.exact,
            rows=arrays["rows"],
            complete=meta.complete,
            engine=meta.engine,
        )

    def discard(self, key: str) -> None:
        """Remove an entry, as far as possible: the cache is best effort, so a part that cannot
        be removed (a read-only folder, a folder in its place) is left and logged."""
        for part in ("meta", *_PARTS):  # metadata first: the entry disappears at once
            try:
                self._path(key, part).unlink()
            except FileNotFoundError:
                pass
            except OSError as error:
                log.warning("cache entry %s: cannot remove %s: %s", key[:12], part, error)

    def clear(self) -> None:
        shutil.rmtree(self.root, ignore_errors=True)
