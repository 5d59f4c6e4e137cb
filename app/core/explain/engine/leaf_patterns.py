"""numba pieces the SHAP and interaction kernels share: a tree's ones-patterns for a block of
rows, and the polynomial of a leaf's ones (see treeshap_kernels' docstring for the maths)."""

from __future__ import annotations

import numpy as np
from numba import njit

from app.core.explain.engine.decision import go_left as _go_left


@njit(nogil=True, cache=True)
def walk_patterns(
    pattern, xt, nb_rows, nb, n_nodes, split_feature, threshold, decision_type,
    cat_begin, cat_end, cat_words, node_slot, target_left, target_right,
):  # fmt: skip
    """One tree, a block of rows: pattern[n_nodes + i, r] is row r's ones-pattern at leaf i.

    Nodes are in topological order; a node clears its slot's bit on the side the row does not
    take, so a leaf's pattern has a one where the row satisfies every split on that feature."""
    for r in range(nb_rows):
        pattern[0, r] = -1
    for j in range(n_nodes):
        g = nb + j
        xf = xt[split_feature[g]]
        dt, thr, cb, ce = decision_type[g], threshold[g], cat_begin[g], cat_end[g]
        slot = node_slot[g]
        src = pattern[j]
        dst_l = pattern[target_left[g]]
        dst_r = pattern[target_right[g]]
        for r in range(nb_rows):
            go = np.int64(_go_left(xf[r], dt, thr, cb, ce, cat_words))
            p = src[r]
            dst_l[r] = p & ~((1 - go) << slot)
            dst_r[r] = p & ~(go << slot)


@njit(nogil=True, cache=True)
def ones_polynomial(z, ones, d, poly):
    """poly[0..a] = e_k(z over the ones), for a = the number of ones; returns (a, prod of the
    zeros' z). Shared by the SHAP and interaction leaf formulas."""
    a = 0
    prod_zeros = 1.0
    poly[0] = 1.0
    for s in range(d):
        if ones[s]:
            a += 1
            poly[a] = 0.0
            for k in range(a, 0, -1):
                poly[k] += z[s] * poly[k - 1]
        else:
            prod_zeros *= z[s]
    return a, prod_zeros
