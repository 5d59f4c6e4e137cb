"""Interaction summaries on disk, beside the cached explanations and keyed the same way (model
bytes, data, settings; see app.core.data.cache.cache_key).

A summary is a handful of small arrays (mean |interaction| M x M per output and per-pair
histograms): one .npz (no pickles) and a JSON file written last that holds the npz's sha256 and
the summary's plain fields. Both go through the atomic output gate; an entry that fails its
checksum or its schema is discarded and reported as CacheError, and the caller recomputes.
"""

from __future__ import annotations

import hashlib
import io
import json
import logging
import os
from pathlib import Path
from typing import Any

import numpy as np

from app.core.base.atomic import write_bytes_atomic
from app.core.base.errors import CacheError
from app.core.base.input_gate import CACHE_ARRAY, CACHE_META, InputError, read_input

log = logging.getLogger(__name__)

FORMAT = 1
META_LIMIT = 4 * 1024**2  # names of a few thousand features and little else


class InteractionCache:
    """get/put (arrays, plain fields) by key; the same folder as ExplanationCache."""

    def __init__(self, root: str | Path) -> None:
        self.root = Path(root)

    def _path(self, key: str, part: str) -> Path:
        if len(key) < 8 or not all(c in "0123456789abcdef" for c in key):
            raise CacheError(f"Not a cache key: {key!r}")
        return self.root / key[:2] / f"{key}.interactions.{part}"

    def __contains__(self, key: str) -> bool:
        # os.path: False, not PermissionError, in a folder we may not search (another user's)
        return os.path.exists(self._path(key, "json"))

    def put(self, key: str, arrays: dict[str, np.ndarray], fields: dict[str, Any]) -> Path:
        buffer = io.BytesIO()
        # Compressed: the histograms are mostly empty cells (84 MB raw at 2,500 pairs).
        np.savez_compressed(
            buffer, allow_pickle=False, **{k: np.asarray(v) for k, v in arrays.items()}
        )
        body = buffer.getvalue()
        write_bytes_atomic(self._path(key, "npz"), body, parents=True)
        meta = {"format": FORMAT, "sha256": hashlib.sha256(body).hexdigest(), "fields": fields}
        # The metadata goes last: it is what makes the entry visible.
        path = self._path(key, "json")
        write_bytes_atomic(path, json.dumps(meta, sort_keys=True).encode(), parents=True)
        return path

    def get(self, key: str) -> tuple[dict[str, np.ndarray], dict[str, Any]]:
        """The stored arrays and fields, or CacheError (a damaged entry is discarded)."""
        if key not in self:
            raise CacheError("No cached interaction values for this model and data.")
        try:
            meta = json.loads(read_input(self._path(key, "json"), CACHE_META, META_LIMIT))
            if not isinstance(meta, dict) or meta.get("format") != FORMAT:
                raise ValueError("unknown format")
            body = read_input(self._path(key, "npz"), CACHE_ARRAY)
            if hashlib.sha256(body).hexdigest() != meta.get("sha256"):
                raise ValueError("the arrays do not match their checksum")
            with np.load(io.BytesIO(body), allow_pickle=False) as stored:
                arrays = {name: stored[name] for name in stored.files}
            fields = meta.get("fields")
            if not isinstance(fields, dict):
                raise ValueError("no fields")
        except (InputError, OSError, ValueError, KeyError, TypeError, EOFError) as error:
            self.discard(key)
            raise CacheError(
                f"The cached interaction values were damaged ({error}); they have been "
                "discarded and will be computed again."
            ) from error
        return arrays, fields

    def discard(self, key: str) -> None:
        for part in ("json", "npz"):  # metadata first: the entry disappears at once
            try:
                self._path(key, part).unlink()
            except FileNotFoundError:
                pass
            except OSError as error:
                log.warning("cache entry %s: cannot remove %s: %s", key[:12], part, error)
