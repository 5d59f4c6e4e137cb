"""The window's interaction jobs, as plain functions a worker runs: the summary of every row
(read from the disk cache when the same model file and data were summarised before), one row's
matrix, and the chunked run a pair's dependence plot draws from.

The summary job is a generator: it yields the fraction done between chunks, so the window shows
progress and a cancel stops it at the next chunk (the worker closes the generator there).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Generator
from pathlib import Path

import numpy as np

from app.core.base.errors import CacheError, ShapLensError
from app.core.base.input_gate import MODEL_FILE, InputError, read_input
from app.core.base.types import Unit
from app.core.data.cache import cache_key
from app.core.data.interaction_cache import InteractionCache
from app.core.explain.interaction_summary import InteractionAccumulator, InteractionSummary
from app.core.explain.interactions import default_chunk_rows, iter_interactions, row_interactions
from app.core.explain.models.base import ModelAdapter

log = logging.getLogger(__name__)

Summary = InteractionSummary
iterate_interactions = iter_interactions  # what a pair's plot runs (tests may swap it)
FORMAT = 1
# Rows per chunk in the window: progress moves every second or so on a loaded machine (the
# engine's own default, 64 MB of values, is ~100,000 rows of a 13-feature model).
WINDOW_CHUNK_ROWS = 2_048
_ARRAYS = ("mean_abs", "pairs", "y_range", "counts", "colour_sum")


def row_matrix(model: ModelAdapter, X: np.ndarray, row: int) -> np.ndarray:
    """Worker: one row's interaction matrix (M, M, n_outputs)."""
    return row_interactions(model, X, int(row))


def summary_key(model_path: Path | None, model: ModelAdapter, X: np.ndarray) -> str | None:
    """The cache key of (model file, X, settings), as for SHAP values; None when the model
    has no file to hash (then nothing is cached)."""
    if model_path is None:
        return None
    try:
        model_bytes = read_input(model_path, MODEL_FILE)
    except (OSError, InputError) as error:  # a model folder, or the file went away after loading
        log.info("interaction cache skipped: %s", error)
        return None
    settings = {
        "kind": "interactions",
        "format": FORMAT,
        "explainer": model.info.explainer,
        "outputs": list(model.output_names),
        "features": list(model.feature_names),
    }
    return cache_key(model_bytes, X, settings)


def to_cache(summary: InteractionSummary) -> tuple[dict[str, np.ndarray], dict[str, object]]:
    arrays = {name: getattr(summary, name) for name in _ARRAYS}
    arrays.update({f"x_edges_{i}": e for i, e in enumerate(summary.x_edges)})
    fields = {
        "n_rows": int(summary.n_rows),
        "feature_names": list(summary.feature_names),
        "output_names": list(summary.output_names),
        "unit": summary.unit.value,
    }
    return arrays, fields


def from_cache(
    arrays: dict[str, np.ndarray], fields: dict[str, object], model: ModelAdapter
) -> InteractionSummary:
    """The stored summary, if it is one of this model's (ValueError otherwise)."""
    names = list(model.feature_names)
    m, k = len(names), model.n_outputs
    if fields.get("feature_names") != names or fields.get("output_names") != list(
        model.output_names
    ):
        raise ValueError("the features or outputs differ")
    if arrays["mean_abs"].shape != (m, m, k):
        raise ValueError(f"mean |interaction| is {arrays['mean_abs'].shape}")
    n_rows = fields.get("n_rows")
    if not isinstance(n_rows, int) or n_rows < 0:
        raise ValueError("no row count")
    return InteractionSummary(
        mean_abs=np.asarray(arrays["mean_abs"], np.float64),
        n_rows=n_rows,
        feature_names=names,
        output_names=list(model.output_names),
        unit=Unit(str(fields.get("unit"))),
        pairs=np.asarray(arrays["pairs"], np.int64),
        x_edges=[np.asarray(arrays[f"x_edges_{i}"], np.float64) for i in range(m)],
        y_range=np.asarray(arrays["y_range"], np.float64),
        counts=np.asarray(arrays["counts"], np.int64),
        colour_sum=np.asarray(arrays["colour_sum"], np.float64),
    )


def _cached(cache: InteractionCache, key: str, model: ModelAdapter) -> InteractionSummary | None:
    if key not in cache:
        return None
    try:
        return from_cache(*cache.get(key), model)
    except CacheError as error:  # already discarded
        log.warning("interaction cache entry %s: %s", key[:12], error)
    except (ValueError, KeyError, TypeError) as error:
        log.warning("interaction cache entry %s does not fit: %s", key[:12], error)
        cache.discard(key)
    return None


def summary_job(
    model: ModelAdapter,
    X: np.ndarray,
    model_path: Path | None = None,
    cache: InteractionCache | None = None,
    cancel: threading.Event | None = None,
) -> Generator[float, None, InteractionSummary]:
    """Worker: the interaction summary of every row of X, from the cache or computed (and then
    stored). Yields the fraction done; raises InteractionsUnavailable for a model the engine
    does not explain, and Cancelled within one engine step once `cancel` is set (a chunk can
    take minutes: waiting for the next yield would not do)."""
    key = summary_key(model_path, model, X) if cache is not None else None
    if cache is not None and key is not None:
        found = _cached(cache, key, model)
        if found is not None:
            return found
    yield 0.0
    accumulator = InteractionAccumulator(model, X)
    rows = min(WINDOW_CHUNK_ROWS, default_chunk_rows(model))
    for chunk in iter_interactions(model, X, cancel=cancel, chunk_rows=rows):
        accumulator.add(chunk)
        yield chunk.fraction
    summary = accumulator.summary()
    if cache is not None and key is not None:
        try:
            cache.put(key, *to_cache(summary))
        except (OSError, ShapLensError) as error:  # the cache is best effort
            log.warning("could not cache the interaction summary: %s", error)
    return summary


def filtered_mean_abs(
    model: ModelAdapter,
    X: np.ndarray,
    rows: np.ndarray,
    cancel: threading.Event | None = None,
) -> Generator[float, None, np.ndarray]:
    """Worker: mean |interaction| (M, M, n_outputs) over `rows` only (a filter or cohort), for
    the heatmap; no histograms, nothing cached (filters change as the user types)."""
    m, k = len(model.features), model.n_outputs
    total = np.zeros((m, m, k))
    yield 0.0
    chunk_rows = min(WINDOW_CHUNK_ROWS, default_chunk_rows(model))
    for chunk in iter_interactions(model, X, rows, cancel=cancel, chunk_rows=chunk_rows):
        total += np.abs(chunk.values).sum(axis=0, dtype=np.float64)
        yield chunk.fraction
    return total / max(int(np.asarray(rows).size), 1)
