"""The numba TreeSHAP engine against LightGBM's pred_contrib and shap.TreeExplainer."""

from __future__ import annotations

import itertools
import subprocess
import sys
import textwrap
import warnings
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from app.core.base.errors import Cancelled, ExplainError
from app.core.explain.engine import TreeShapEngine, parse_json, parse_text, warm_up
from tests.core.test_engine_support import model

MODELS = ["adult", "diabetes", "wine", "zero", "nan", "rf", "onehot"]


def _engine(name: str, **kwargs: int) -> TreeShapEngine:
    booster, _ = model(name)
    return TreeShapEngine(parse_text(booster.model_to_string(), name), **kwargs)


def _lightgbm(name: str) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """pred_contrib as (values rows x features x outputs, base per output) and the raw score."""
    booster, X = model(name)
    contrib = booster.predict(X, pred_contrib=True)
    k = booster.num_model_per_iteration()
    blocks = np.asarray(contrib).reshape(X.shape[0], k, X.shape[1] + 1)
    raw = np.asarray(booster.predict(X, raw_score=True)).reshape(X.shape[0], k)
    return blocks[:, :, :-1].transpose(0, 2, 1), blocks[0, :, -1], raw


def _tolerance(raw: np.ndarray) -> float:
    # 1e-4 in the model's unit; float32 values of a regression in dollars cannot do better
    # than float32 resolution of the output's scale.
    return 1e-4 * max(1.0, float(np.abs(raw).max()) / 10)


@pytest.mark.parametrize("name", MODELS)
def test_values_match_pred_contrib_and_add_up(name: str) -> None:
    _, X = model(name)
    engine = _engine(name)
    values, base = engine.contributions(X)
    expected, expected_base, raw = _lightgbm(name)
    assert values.dtype == np.float32
    assert values.shape == expected.shape
    tol = _tolerance(raw)
    np.testing.assert_allclose(values, expected, rtol=0, atol=tol)
    np.testing.assert_allclose(base, expected_base, rtol=1e-9, atol=1e-9)
    # Additivity for every row and output.
    total = values.sum(axis=1, dtype=np.float64) + base
    np.testing.assert_allclose(total, raw, rtol=0, atol=tol)


@pytest.mark.parametrize("name", MODELS)
def test_predict_raw_equals_lightgbm(name: str) -> None:
    _, X = model(name)
    _, _, raw = _lightgbm(name)
    np.testing.assert_allclose(_engine(name).predict_raw(X), raw, rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("name", ["adult", "nan", "zero", "wine"])
def test_values_match_shap_tree_explainer(name: str) -> None:
    shap = pytest.importorskip("shap")
    booster, X = model(name)
    X = X[:60]
    with warnings.catch_warnings():
        # shap notes that its binary LightGBM output format changed; we check the numbers.
        warnings.filterwarnings("ignore", "LightGBM binary classifier", UserWarning)
        reference = shap.TreeExplainer(booster).shap_values(X)
    if (
        isinstance(reference, list)
        and len(reference) == 2
        and booster.num_model_per_iteration() == 1
    ):
        reference = reference[1]
    reference = np.asarray(reference)
    if reference.ndim == 2:
        reference = reference[:, :, None]
    elif reference.shape[0] != X.shape[0]:  # older shap: a list per class
        reference = reference.transpose(1, 2, 0)
    values, _ = _engine(name).contributions(X)
    np.testing.assert_allclose(values, reference, rtol=0, atol=1e-4)


@pytest.mark.parametrize("name", ["adult", "zero", "wine", "onehot"])
def test_json_dump_gives_the_same_model(name: str) -> None:
    booster, X = model(name)
    from_text = _engine(name)
    from_json = TreeShapEngine(parse_json(booster.dump_model(), name))
    np.testing.assert_allclose(from_json.predict_raw(X), from_text.predict_raw(X), rtol=1e-12)
    np.testing.assert_array_equal(from_json.contributions(X)[0], from_text.contributions(X)[0])


def test_table_and_per_row_paths_agree() -> None:
    """Leaves without a pattern table use the O(d^2) recurrence; both give the same numbers."""
    _, X = model("adult")
    tabled, _ = _engine("adult").contributions(X)
    per_row, _ = _engine("adult", max_table_depth=0).contributions(X)
    np.testing.assert_allclose(tabled, per_row, rtol=0, atol=1e-6)


def test_single_row_path_equals_bulk() -> None:
    _, X = model("adult")
    engine = _engine("adult")
    bulk, base = engine.contributions(X[:20])
    for i in range(20):
        one, one_base = engine.contributions_one(X[i])
        np.testing.assert_array_equal(one[0], bulk[i])
        np.testing.assert_array_equal(one_base, base)


@settings(max_examples=15, deadline=None)
@given(
    cuts=st.lists(st.integers(min_value=0, max_value=300), max_size=6),
    threads=st.integers(min_value=1, max_value=3),
)
def test_any_chunking_gives_identical_values(cuts: list[int], threads: int) -> None:
    _, X = model("wine")
    engine = _cached_wine_engine()
    full, _ = engine.contributions(X, n_threads=1)
    edges = sorted({0, X.shape[0], *[min(c, X.shape[0]) for c in cuts]})
    parts = [
        engine.contributions(X[a:b], n_threads=threads)[0] for a, b in itertools.pairwise(edges)
    ]
    np.testing.assert_array_equal(np.concatenate(parts), full)


_WINE: list[TreeShapEngine] = []


def _cached_wine_engine() -> TreeShapEngine:
    if not _WINE:
        _WINE.append(_engine("wine"))
    return _WINE[0]


def test_cancel_and_restart_gives_identical_values() -> None:
    _, X = model("adult")
    engine = _engine("adult")
    full, _ = engine.contributions(X)
    calls = {"n": 0}

    def cancelled() -> bool:
        calls["n"] += 1
        return calls["n"] > 2

    seen = []
    with pytest.raises(Cancelled):
        for start, stop, values in engine.iter_contributions(X, chunk_rows=70, cancelled=cancelled):
            seen.append((start, stop, values))
    assert len(seen) == 2
    restarted = np.concatenate([v for _, _, v in engine.iter_contributions(X, chunk_rows=45)])
    np.testing.assert_array_equal(restarted, full)
    for start, stop, values in seen:
        np.testing.assert_array_equal(values, full[start:stop])


def test_multiclass_shape_and_classes() -> None:
    booster, X = model("wine")
    values, base = _engine("wine").contributions(X)
    k = booster.num_model_per_iteration()
    assert k > 2
    assert values.shape == (X.shape[0], X.shape[1], k)
    assert base.shape == (k,)


def test_wrong_column_count_is_an_explain_error() -> None:
    _, X = model("adult")
    with pytest.raises(ExplainError):
        _engine("adult").contributions(X[:, :-1])


def test_empty_input_gives_empty_output() -> None:
    _, X = model("adult")
    values, base = _engine("adult").contributions(X[:0])
    assert values.shape == (0, X.shape[1], 1)
    assert base.shape == (1,)


def test_constant_tree_moves_only_the_base() -> None:
    booster, X = model("nan")
    text = booster.model_to_string()
    forest = parse_text(text)
    single = {
        "max_feature_idx": forest.n_features - 1,
        "num_tree_per_iteration": 1,
        "feature_names": forest.feature_names,
        "tree_info": [{"num_leaves": 1, "tree_structure": {"leaf_value": 0.25}}],
    }
    engine = TreeShapEngine(parse_json(single))
    values, base = engine.contributions(X)
    assert not values.any()
    np.testing.assert_allclose(base, [0.25])
    np.testing.assert_allclose(engine.predict_raw(X), 0.25)


def test_warm_up_is_idempotent() -> None:
    warm_up()
    warm_up()


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="nice is per thread on Linux")
def test_bulk_threads_take_the_niceness_the_app_asks_for() -> None:
    """The app lowers the bulk threads' priority so its own threads win the cores; single rows
    run on the caller's thread and keep its priority. In a child process: niceness cannot
    always be raised back, and the pool is shared."""
    script = textwrap.dedent(
        """
        import os, threading
        import numpy as np
        from app.core.explain.engine import engine as E
        eng = E.engine_from_path("sample_models/adult_lgbm.txt")
        X = np.random.default_rng(0).integers(0, 5, (4_000, eng.n_features)).astype(float)
        seen = []
        real = E._apply_bulk_niceness
        def spy():
            real()
            seen.append(os.getpriority(os.PRIO_PROCESS, threading.get_native_id()))
        E._apply_bulk_niceness = spy
        eng.contributions(X)
        E.set_bulk_niceness(7)
        eng.contributions(X)
        eng.contributions_one(X[0])
        print(sorted(set(seen[:2])), sorted(set(seen[2:])),
              os.getpriority(os.PRIO_PROCESS, threading.get_native_id()))
        """
    )
    root = Path(__file__).resolve().parents[2]
    out = subprocess.run(
        [sys.executable, "-c", script], cwd=root, capture_output=True, text=True, timeout=120
    )
    assert out.returncode == 0, out.stderr
    assert out.stdout.split() == ["[0]", "[7]", "0"]
