"""The streamed interaction summary, chunking and cancel (no n x M x M storage)."""

from __future__ import annotations

import threading

import numpy as np
import pytest

from app.core.base.errors import Cancelled
from app.core.explain import interaction_summary as S
from app.core.explain.interactions import all_interactions, iter_interactions
from tests.core._adult import model_and_data

N = 400


@pytest.fixture(scope="module")
def adult():
    model, data = model_and_data()
    X = data.X[:N]
    return model, X, all_interactions(model, X)


def test_chunks_cover_the_rows_once_with_progress(adult) -> None:
    model, X, full = adult
    seen = np.zeros(N, int)
    last = 0.0
    for progress in iter_interactions(model, X, chunk_rows=150, first_chunk=50):
        assert progress.values.dtype == np.float32 and progress.rows.dtype == np.int64
        np.testing.assert_array_equal(progress.values, full[progress.rows])
        seen[progress.rows] += 1
        assert progress.fraction > last
        last = progress.fraction
    assert (seen == 1).all() and last == 1.0


def test_mean_abs_equals_the_mean_of_the_full_values(adult) -> None:
    model, X, full = adult
    summary = S.summarise_interactions(model, X)
    assert summary.n_rows == N and summary.feature_names == model.feature_names
    assert summary.unit is model.unit
    expected = np.abs(full.astype(np.float64)).mean(axis=0)
    np.testing.assert_allclose(summary.mean_abs, expected, rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(summary.main_effects(), np.diagonal(expected).T)


def test_histograms_count_every_row_in_its_cell(adult) -> None:
    model, X, full = adult
    summary = S.summarise_interactions(model, X)
    i, j = model.feature_names.index("age"), model.feature_names.index("marital_status")
    h = summary.histogram(i, j)
    assert h is not None and h.counts.sum() == N
    values = full[:, i, j, 0].astype(np.float64)
    assert h.y_edges[0] < values.min() and values.max() < h.y_edges[-1]
    r = h.y_edges[-1]
    assert r / 2 <= np.abs(values).max() < r  # the smallest power-of-two range
    y_bin = np.clip(np.searchsorted(h.y_edges, values, side="right") - 1, 0, h.y_edges.size - 2)
    x = X[:, i]
    x_bin = np.clip(np.searchsorted(h.x_edges, x, side="right") - 1, 0, h.x_edges.size - 2)
    x_bin = np.where(np.isnan(x), h.x_edges.size - 1, x_bin)
    expected = np.zeros_like(h.counts)
    np.add.at(expected, (x_bin, y_bin), 1)
    np.testing.assert_array_equal(h.counts, expected)


def test_histograms_do_not_depend_on_chunk_order(adult) -> None:
    model, X, _ = adult
    a, b = S.InteractionAccumulator(model, X), S.InteractionAccumulator(model, X)
    chunks = list(iter_interactions(model, X, chunk_rows=60, first_chunk=0))
    for progress in chunks:
        a.add(progress)
    for progress in reversed(chunks):  # the biggest values may now arrive first or last
        b.add(progress)
    sa, sb = a.summary(), b.summary()
    np.testing.assert_array_equal(sa.counts, sb.counts)
    np.testing.assert_array_equal(sa.y_range, sb.y_range)
    np.testing.assert_allclose(sa.colour_sum, sb.colour_sum)


def test_only_max_pairs_histograms_kept_chosen_by_the_first_chunk(adult) -> None:
    model, X, full = adult
    summary = S.summarise_interactions(model, X, max_pairs=12)
    assert summary.pairs.shape == (12, 3) and summary.counts.shape[0] == 12
    mean = np.abs(full.astype(np.float64)).mean(axis=0)  # N rows fit in the first chunk
    top = np.argsort(-mean.reshape(-1), kind="stable")[:12]
    np.testing.assert_array_equal(np.ravel_multi_index(summary.pairs.T, mean.shape), top)
    i, j, k = summary.pairs[0]
    assert summary.histogram(int(i), int(j), int(k)) is not None
    kept = {tuple(p) for p in summary.pairs.tolist()}
    missing = next(
        (a, b) for a in range(len(model.features)) for b in range(len(model.features))
        if (a, b, 0) not in kept
    )  # fmt: skip
    assert summary.histogram(*missing) is None
    assert summary.mean_abs.shape == full.shape[1:]  # every pair's mean, kept or not


def test_cancel_before_and_between_chunks(adult) -> None:
    model, X, _ = adult
    cancel = threading.Event()
    cancel.set()
    with pytest.raises(Cancelled):
        next(iter_interactions(model, X, cancel=cancel))
    cancel.clear()
    chunks = iter_interactions(model, X, cancel=cancel, chunk_rows=100, first_chunk=0)
    next(chunks)
    cancel.set()
    with pytest.raises(Cancelled):
        next(chunks)
