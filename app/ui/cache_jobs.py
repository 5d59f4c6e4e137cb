"""Reopening without recomputing: worker-side look-up and store of explanations on disk.

The controller calls `lookup` from its load job and `store` from a "cache" job, so hashing the
data (hundreds of MB at 1M rows), checking the entry's checksums and writing it never run on the
GUI thread. An entry is keyed by the model file's bytes, the aligned model input X (what is
explained, so a changed data file or a different category mapping is a different key) and the
explainer's settings. The cache is off when SHAPLENS_NO_CACHE=1, when the user turned it off
(QSettings key `cache/enabled`), and for datasets small enough to recompute in moments.
"""

from __future__ import annotations

import logging
import os
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from app.core.base.errors import CacheError
from app.core.base.input_gate import MODEL_FILE, InputError, read_input
from app.core.base.types import Explanation
from app.core.data.cache import ExplanationCache, cache_key
from app.core.explain.models.base import ModelAdapter
from app.core.explain.snapshot import mean_abs_of

log = logging.getLogger(__name__)

ENV_OFF = "SHAPLENS_NO_CACHE"  # "1": never read or write the cache
ENV_DIR = "SHAPLENS_CACHE_DIR"  # where entries go (default: the user cache folder)
SETTINGS_KEY = "cache/enabled"
# Below this many rows a recompute takes about a second or less: not worth the disk space.
MIN_ROWS = 20_000
FORMAT = 1


def disabled_by_env() -> bool:
    return os.environ.get(ENV_OFF, "").strip() not in ("", "0")


def default_cache() -> ExplanationCache:
    root = os.environ.get(ENV_DIR)
    return ExplanationCache(Path(root) if root else None)


def settings_for(model: ModelAdapter) -> dict[str, object]:
    """What besides the model file and X decides the values."""
    return {
        "format": FORMAT,
        "explainer": model.info.explainer,
        "outputs": list(model.output_names),
        "features": list(model.feature_names),
    }


@dataclass
class CacheHit:
    explanation: Explanation  # complete, rows in dataset order
    mean_abs: np.ndarray  # (n_features, n_outputs)
    seconds: float  # time to read, verify and summarise the entry


@dataclass
class Lookup:
    key: str | None  # None: this model/data cannot be cached (e.g. no model file)
    hit: CacheHit | None = None
    note: str = ""  # why a stored entry was not used (damaged, stale), for the status bar


def lookup(
    cache: ExplanationCache, model_path: Path | None, model: ModelAdapter, X: np.ndarray
) -> Lookup:
    """Worker: the key for (model file, X, settings) and the stored explanation if it is sound."""
    if model_path is None:
        return Lookup(None)
    try:
        model_bytes = read_input(model_path, MODEL_FILE)
    except (OSError, InputError) as error:  # a model folder, or the file went away after loading
        log.info("explanation cache skipped: %s", error)
        return Lookup(None)
    key = cache_key(model_bytes, X, settings_for(model))
    if key not in cache:
        return Lookup(key)
    started = time.perf_counter()
    try:
        explanation = cache.get(key)
    except CacheError as error:  # already discarded by the cache
        log.warning("explanation cache entry %s: %s", key[:12], error)
        return Lookup(key, note=str(error))
    except Exception as error:  # the cache is best effort: nothing in it may stop a file opening
        log.warning("explanation cache entry %s unusable: %s", key[:12], error)
        return Lookup(key, note=f"The cached SHAP values could not be read ({error}); computing.")
    n_features, n_outputs = len(model.feature_names), model.n_outputs
    if (
        not explanation.complete
        or explanation.values.shape != (X.shape[0], n_features, n_outputs)
        or explanation.feature_names != list(model.feature_names)
    ):
        cache.discard(key)
        return Lookup(key, note="The cached SHAP values did not fit this data; computing again.")
    mean_abs = mean_abs_of(explanation.values)
    return Lookup(key, CacheHit(explanation, mean_abs, time.perf_counter() - started))


def store(cache: ExplanationCache, key: str, explanation: Explanation) -> Path:
    """Worker: write a complete explanation (atomically: readers see all of it or nothing)."""
    return cache.put(key, explanation)
