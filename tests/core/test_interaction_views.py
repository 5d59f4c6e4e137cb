"""Plot-ready interaction data and the summary cache, without Qt or the engine."""

from __future__ import annotations

import numpy as np
import pytest

from app.core.base.errors import CacheError
from app.core.base.types import Unit
from app.core.data.interaction_cache import InteractionCache
from app.core.explain.interaction_views import heatmap, pair_matrix, pair_sample, top_pairs

NAMES = ["age", "marital_status", "hours", "education"]


def _symmetric(rng: np.random.Generator, m: int, outputs: int = 1) -> np.ndarray:
    a = rng.normal(size=(m, m, outputs))
    return (a + a.transpose(1, 0, 2)) / 2


def test_pairs_count_both_halves_and_leave_the_diagonal_out() -> None:
    mean_abs = np.abs(_symmetric(np.random.default_rng(0), 4))
    pairs = pair_matrix(mean_abs)
    assert np.isnan(np.diag(pairs)).all()
    off = ~np.eye(4, dtype=bool)
    assert np.allclose(pairs[off], (2 * mean_abs[:, :, 0])[off])


def test_heatmap_orders_features_by_importance_and_keeps_cells_with_their_pair() -> None:
    mean_abs = np.abs(_symmetric(np.random.default_rng(1), 4, outputs=2))
    importance = np.array([[0.1, 0.0], [0.4, 0.0], [0.3, 0.0], [0.2, 0.0]])
    d = heatmap(mean_abs, NAMES, Unit.LOG_ODDS, 100, output=0, importance=importance)
    assert d.features == ["marital_status", "hours", "education", "age"]
    assert list(d.index) == [1, 2, 3, 0]
    # The cell of (marital_status, age) is that pair's whole interaction.
    assert d.pairs[0, 3] == pytest.approx(2 * mean_abs[1, 0, 0])
    assert list(d.main) == pytest.approx([mean_abs[i, i, 0] for i in (1, 2, 3, 0)])
    # An exported heatmap says which rows its means cover: all of them, or the filter's.
    assert d.title == "Mean |SHAP interaction| (log-odds) over all 100 rows"
    scoped = heatmap(
        mean_abs, NAMES, Unit.PROBABILITY, 40, importance=importance, scope="in the filter"
    )
    assert scoped.title == "Mean |SHAP interaction| (probability) over 40 rows in the filter"


def test_heatmap_without_importance_orders_by_total_interaction() -> None:
    mean_abs = np.zeros((3, 3, 1))
    mean_abs[2, 2, 0] = 5.0
    mean_abs[0, 1, 0] = mean_abs[1, 0, 0] = 1.0
    d = heatmap(mean_abs, NAMES[:3], Unit.TARGET, 10)
    assert d.features[0] == "hours"


def test_heatmap_refuses_a_summary_of_another_model() -> None:
    with pytest.raises(ValueError, match="3 features"):
        heatmap(np.zeros((4, 4, 1)), NAMES[:3], Unit.TARGET, 10)


def test_top_pairs_are_the_strongest_by_size_with_their_sign() -> None:
    m = np.zeros((4, 4, 2))
    m[0, 1, 0] = m[1, 0, 0] = 0.155  # age × marital_status: +0.31
    m[2, 3, 0] = m[3, 2, 0] = -0.2  # hours × education: -0.4
    m[0, 2, 1] = m[2, 0, 1] = 1.0  # another class only
    m[0, 0, 0] = 9.0  # a main effect is not a pair
    pairs = top_pairs(m, NAMES, output=0)
    assert [(p.first, p.second) for p in pairs] == [
        ("hours", "education"),
        ("age", "marital_status"),
    ]
    assert pairs[0].value == pytest.approx(-0.4)
    assert pairs[1].text() == "age × marital_status: +0.31"
    assert pairs[0].text() == "hours × education: −0.4"
    assert [(p.first, p.second) for p in top_pairs(m, NAMES, output=1)] == [("age", "hours")]


def test_pair_sample_keeps_small_filters_whole_and_samples_big_ones_reproducibly() -> None:
    rows = np.arange(0, 100, 3)
    assert np.array_equal(pair_sample(rows, size=50), rows)
    big = np.arange(20_000)
    a, b = pair_sample(big, size=500), pair_sample(big, size=500)
    assert a.size == 500 and np.array_equal(a, b) and np.all(np.diff(a) > 0)
    assert np.isin(a, big).all()


def test_cache_round_trip_and_damage(tmp_path) -> None:
    cache = InteractionCache(tmp_path)
    key = "ab" * 32
    arrays = {"mean_abs": np.arange(8, dtype=np.float64).reshape(2, 2, 2)}
    cache.put(key, arrays, {"n_rows": 7, "feature_names": ["a", "b"]})
    got, fields = cache.get(key)
    assert np.array_equal(got["mean_abs"], arrays["mean_abs"]) and fields["n_rows"] == 7
    npz = next(tmp_path.rglob("*.npz"))
    npz.write_bytes(npz.read_bytes()[:-5] + b"xxxxx")
    with pytest.raises(CacheError, match="damaged"):
        cache.get(key)
    assert key not in cache  # discarded: the next open recomputes
    with pytest.raises(CacheError):
        cache.get(key)
