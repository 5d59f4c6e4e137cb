"""The window's interaction jobs without Qt: the summary job (computed, then read back from the
cache without recomputing), a row's matrix, and a pair's dependence dots, against the engine's
own values for the same rows."""

from __future__ import annotations

import threading

import numpy as np
import pytest

from app.core.base.errors import Cancelled
from app.core.base.types import Unit
from app.core.data.align import align
from app.core.data.data_io import load_dataset
from app.core.data.interaction_cache import InteractionCache
from app.core.data.model_io import load_model
from app.core.explain import interaction_jobs
from app.core.explain.interaction_jobs import row_matrix, summary_job
from app.core.explain.interaction_views import pair_dependence
from app.core.explain.interactions import all_interactions, iter_interactions
from tests.core.model_fixtures import data_file, xgboost_file


@pytest.fixture(scope="module")
def loaded():
    path = xgboost_file("binary")
    model = load_model(path)
    data = align(model, load_dataset(data_file("binary")))
    return path, model, data


def _run(generator):
    fractions = []
    while True:
        try:
            fractions.append(next(generator))
        except StopIteration as done:
            return fractions, done.value


def test_summary_is_computed_then_read_back_from_the_cache(loaded, tmp_path, monkeypatch) -> None:
    path, model, data = loaded
    cache = InteractionCache(tmp_path)
    fractions, first = _run(summary_job(model, data.X, path, cache))
    assert fractions[0] == 0.0 and fractions[-1] == 1.0
    assert first.n_rows == data.n_rows
    exact = np.abs(all_interactions(model, data.X)).mean(axis=0)
    assert np.allclose(first.mean_abs, exact, atol=1e-6)

    def no_engine(*_args, **_kwargs):
        raise AssertionError("recomputed although the summary was cached")

    monkeypatch.setattr(interaction_jobs, "iter_interactions", no_engine)
    fractions, again = _run(summary_job(model, data.X, path, cache))
    assert fractions == []  # nothing to compute
    assert np.array_equal(again.mean_abs, first.mean_abs) and again.n_rows == first.n_rows
    assert np.array_equal(again.counts, first.counts)
    assert [e.tolist() for e in again.x_edges] == [e.tolist() for e in first.x_edges]
    # Other data is another key: nothing is read for it.
    with pytest.raises(AssertionError, match="recomputed"):
        _run(summary_job(model, data.X[:100], path, cache))


def test_a_damaged_entry_is_recomputed(loaded, tmp_path) -> None:
    path, model, data = loaded
    cache = InteractionCache(tmp_path)
    _, first = _run(summary_job(model, data.X, path, cache))
    for npz in tmp_path.rglob("*.npz"):
        npz.write_bytes(b"not an archive")
    fractions, again = _run(summary_job(model, data.X, path, cache))
    assert fractions  # computed again
    assert np.allclose(again.mean_abs, first.mean_abs)


def test_row_matrix_is_the_engines(loaded) -> None:
    _, model, data = loaded
    m = row_matrix(model, data.X, 7)
    assert np.allclose(m, all_interactions(model, data.X, np.array([7]))[0], atol=1e-6)


def test_pair_dots_are_the_pairs_whole_interaction(loaded) -> None:
    _, model, data = loaded
    rows = np.arange(0, data.n_rows, 3, dtype=np.int64)
    fractions, d = _run(
        pair_dependence(
            iter_interactions, model, data.X, model.features, Unit.LOG_ODDS, rows, 0, 2, 0, "", 999
        )
    )
    assert fractions[-1] == 1.0
    exact = all_interactions(model, data.X, d.rows)
    assert np.allclose(d.shap, exact[:, 0, 2, 0] + exact[:, 2, 0, 0], atol=1e-6)
    names = model.feature_names
    assert d.feature == names[0] and d.colour_feature == names[2]
    assert d.value_name == "interaction" and f"{names[0]} × {names[2]}" in d.title
    assert d.total == 999 and d.subsampled
    assert np.isin(d.rows, rows).all()
    # Under the glossary's names (as the heatmap shows them), with the same dots.
    shown = [f"{n} (shown)" for n in names]
    _, named = _run(
        pair_dependence(
            iter_interactions, model, data.X, model.features, Unit.LOG_ODDS, rows, 0, 2,
            display=shown,
        )
    )  # fmt: skip
    assert (named.feature, named.colour_feature) == (shown[0], shown[2])
    assert f"{shown[0]} × {shown[2]}" in named.title and np.array_equal(named.shap, d.shap)


def test_cancel_stops_the_summary_inside_a_chunk(loaded) -> None:
    _, model, data = loaded
    stop = threading.Event()
    job = summary_job(model, data.X, cancel=stop)
    assert next(job) == 0.0
    stop.set()
    with pytest.raises(Cancelled):
        next(job)
