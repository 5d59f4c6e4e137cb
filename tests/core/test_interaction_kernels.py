"""The interaction kernel's fast paths against its plain per-pattern formula: the per-row
polynomial (partial fractions, with the division kept for near-equal z) and rows grouped by
ones-pattern (leaf_codes)."""

from __future__ import annotations

import numpy as np
import pytest

from app.core.explain.engine import interaction_kernels as IK
from app.core.explain.engine.engine import shapley_weights
from app.core.explain.engine.leaf_codes import distinct_codes
from tests.core._adult import model_and_data


def _dense_leaf_add(v, z, ones, w1, w2) -> np.ndarray:
    """leaf_add into a zero scratch with the identity pair index: pair-order values."""
    d = z.size
    max_d = w1.shape[0]
    n_pairs = d * (d + 1) // 2
    row_q = np.array([s * d - (s * (s - 1)) // 2 - s for s in range(d)], np.int64)
    dst = np.zeros(n_pairs)
    IK.leaf_add(
        v, z, ones, d, w1, w2, np.empty(max_d + 1), np.empty((max_d, max_d)),
        np.zeros(max_d, np.int64), np.zeros(max_d, np.int64), np.zeros((5, max_d)),
        dst, 0, 1, np.arange(n_pairs), row_q,
    )  # fmt: skip
    return dst


def _reference(v, z, ones, w1, w2) -> np.ndarray:
    d = z.size
    max_d = w1.shape[0]
    dst = np.zeros(d * (d + 1) // 2)
    IK.leaf_pair_values(
        v, z, ones, d, w1, w2, np.empty(max_d + 1), np.empty(2 * max_d + 2), np.zeros(max_d),
        np.zeros(max_d * max_d), np.zeros(max_d), dst,
    )  # fmt: skip
    return dst


@pytest.mark.parametrize("z_kind", ["distinct", "ties", "near_ties", "zeros"])
def test_per_row_polynomial_equals_the_pattern_formula(z_kind) -> None:
    rng = np.random.default_rng(7)
    d = 12
    w1, w2 = shapley_weights(d), IK.pair_weights(d)
    for _ in range(200):
        z = rng.uniform(0.05, 1.0, d)
        if z_kind == "ties":  # equal cover ratios: partial fractions would divide by zero
            z = rng.choice([0.25, 0.5, 0.75], d)
        elif z_kind == "near_ties":  # gaps around PAIR_GAP: the cancelling side of the switch
            z = 0.5 + rng.choice([-1, 0, 1], d) * rng.uniform(0, 3 * IK.PAIR_GAP, d)
        elif z_kind == "zeros":
            z[rng.random(d) < 0.3] = 0.0
        ones = (rng.random(d) < rng.uniform(0.2, 0.9)).astype(np.int64)
        v = rng.normal()
        ref = _reference(v, z, ones, w1, w2)
        got = _dense_leaf_add(v, z, ones, w1, w2)
        np.testing.assert_allclose(got, ref, rtol=1e-9, atol=1e-12)


def test_distinct_codes_numbers_each_code_once_in_row_order() -> None:
    pat = np.array([5, 13, 5, 7, 13, 5 | 64, 7], np.int64)
    slot_id = np.empty(16, np.int64)
    row_id = np.empty(pat.size, np.int64)
    code_of = np.empty(pat.size, np.int64)
    n = distinct_codes(pat, np.int64(15), pat.size, slot_id, row_id, code_of)
    # 5 | 64 masks to 5: the bits beyond the leaf's slots are not its pattern
    assert n == 3
    assert code_of[:n].tolist() == [5, 13, 7]
    assert row_id.tolist() == [0, 1, 0, 2, 1, 0, 2]


def test_rows_grouped_by_code_equal_rows_computed_one_by_one() -> None:
    from app.core.explain.engine.interaction_engine import InteractionKernel

    model, data = model_and_data()
    X = data.X[:300]
    kernel = InteractionKernel(model.engine, max_table_depth=0)  # every leaf per code or row
    kernel.max_distinct = 0.0  # never grouped
    one_by_one = kernel.values(X)
    kernel.max_distinct = 1.0  # always grouped
    grouped = kernel.values(X)
    np.testing.assert_allclose(grouped, one_by_one, atol=1e-6)
    assert np.abs(one_by_one).max() > 0.01
