"""numba kernel: exact SHAP interaction values of a range of rows (see interaction_kernels).

Kept apart from the per-leaf mathematics so each file stays readable; it walks the trees like
treeshap_kernels.shap_rows and adds each leaf's pairs to the rows' accumulators.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from app.core.explain.engine.decision import go_left as _go_left
from app.core.explain.engine.interaction_kernels import leaf_add
from app.core.explain.engine.leaf_codes import (
    MAX_GROUPED_DEPTH,
    distinct_codes,
    scatter_codes,
)
from app.core.explain.engine.leaf_patterns import walk_patterns


@njit(nogil=True, cache=True)
def interaction_rows(
    X,
    r0,
    r1,
    out,
    block_rows,
    node_offset,
    leaf_offset,
    tree_class,
    split_feature,
    threshold,
    decision_type,
    cat_begin,
    cat_end,
    cat_words,
    target_left,
    target_right,
    node_slot,
    leaf_value,
    cond_offset,
    cond_node,
    cond_left,
    cond_slot,
    uf_offset,
    uf_z,
    pair_offset,
    pair_index,
    tab_offset,
    tables,
    w1,
    w2,
    max_distinct,
):
    """Interaction values of rows r0..r1 into out (float32, rows x features x features x outputs).

    Patterns per node come block-wise and column-major as in treeshap_kernels.shap_rows; the
    accumulator is pair-major (position p of the M x M x outputs float64 square, upper triangle
    and diagonal, of row r at p * block_rows + r: a leaf adds each pair to a contiguous run of
    rows), mirrored when the block is stored. A leaf without a table groups
    the block's rows by code when at most max_distinct of them are distinct (0 never groups).
    """
    n_trees = node_offset.size - 1
    n_feat = out.shape[1]
    n_out = out.shape[3]
    square = n_feat * n_feat * n_out
    max_buf = 1
    for t in range(n_trees):
        max_buf = max(max_buf, 2 * (node_offset[t + 1] - node_offset[t]) + 1)
    max_d = w1.shape[0]
    xt = np.empty((n_feat, block_rows))
    acc = np.zeros(square * block_rows)
    pattern = np.empty((max_buf, block_rows), np.int64)
    ones = np.zeros(max_d, np.int64)
    poly = np.empty(max_d + 1)
    redm = np.empty((max_d, max_d))
    one_idx = np.zeros(max_d, np.int64)
    zero_idx = np.zeros(max_d, np.int64)
    one_f = np.zeros((5, max_d))
    zl = np.zeros(max_d)
    row_q = np.zeros(max_d, np.int64)
    # grouping rows by code (leaf_codes): each code's pairs land in scratch, in pair order
    grouped_d = min(max_d, MAX_GROUPED_DEPTH)
    scratch = np.zeros(block_rows * (grouped_d * (grouped_d + 1) // 2))
    local_index = np.arange(grouped_d * (grouped_d + 1) // 2)
    local_q = np.zeros(max_d, np.int64)
    size = 1
    while size < 2 * block_rows:
        size *= 2
    slot_id = np.empty(size, np.int64)
    row_id = np.empty(block_rows, np.int64)
    code_of = np.empty(block_rows, np.int64)
    rows_at = np.empty(block_rows, np.int64)
    for b0 in range(r0, r1, block_rows):
        nb_rows = min(block_rows, r1 - b0)
        for r in range(nb_rows):
            for f in range(n_feat):
                xt[f, r] = X[b0 + r, f]
        acc[:] = 0.0
        for t in range(n_trees):
            nb = node_offset[t]
            n_nodes = node_offset[t + 1] - nb
            if n_nodes == 0:
                continue
            lb = leaf_offset[t]
            walk_patterns(
                pattern, xt, nb_rows, nb, n_nodes, split_feature, threshold, decision_type,
                cat_begin, cat_end, cat_words, node_slot, target_left, target_right,
            )  # fmt: skip
            for i in range(leaf_offset[t + 1] - lb):
                leaf = lb + i
                u0 = uf_offset[leaf]
                d = uf_offset[leaf + 1] - u0
                if d == 0:
                    continue
                pat = pattern[n_nodes + i]
                n_pairs = d * (d + 1) // 2
                po = pair_offset[leaf]
                tb = tab_offset[leaf]
                if tb >= 0:
                    mask = (np.int64(1) << d) - 1
                    for r in range(nb_rows):
                        rows_at[r] = tb + (pat[r] & mask) * n_pairs
                    for q in range(n_pairs):  # pair by pair: one contiguous run of rows
                        at = pair_index[po + q] * block_rows
                        for r in range(nb_rows):
                            acc[at + r] += tables[rows_at[r] + q]
                    continue
                v = leaf_value[leaf]
                for s in range(d):  # a private copy: no array view per row
                    zl[s] = uf_z[u0 + s]
                    row_q[s] = po + s * d - (s * (s - 1)) // 2 - s
                if d <= grouped_d:
                    mask = (np.int64(1) << d) - 1
                    n_codes = distinct_codes(pat, mask, nb_rows, slot_id, row_id, code_of)
                    if n_codes <= max_distinct * nb_rows:
                        for s in range(d):
                            local_q[s] = s * d - (s * (s - 1)) // 2 - s
                        scratch[: n_codes * n_pairs] = 0.0
                        for c in range(n_codes):
                            for s in range(d):
                                ones[s] = (code_of[c] >> s) & 1
                            leaf_add(
                                v, zl, ones, d, w1, w2, poly, redm, one_idx, zero_idx, one_f,
                                scratch, c * n_pairs, 1, local_index, local_q,
                            )  # fmt: skip
                        scatter_codes(
                            scratch, n_pairs, row_id, nb_rows, acc, block_rows, pair_index, po,
                            rows_at,
                        )  # fmt: skip
                        continue
                for r in range(nb_rows):
                    if d < 63:
                        for s in range(d):
                            ones[s] = (pat[r] >> s) & 1
                    else:  # too many slots for a 64-bit pattern: check the path directly
                        for s in range(d):
                            ones[s] = 1
                        for c in range(cond_offset[leaf], cond_offset[leaf + 1]):
                            g = nb + cond_node[c]
                            go = _go_left(
                                xt[split_feature[g], r],
                                decision_type[g],
                                threshold[g],
                                cat_begin[g],
                                cat_end[g],
                                cat_words,
                            )
                            if np.int64(go) != cond_left[c]:
                                ones[cond_slot[c]] = 0
                    leaf_add(
                        v, zl, ones, d, w1, w2, poly, redm, one_idx, zero_idx, one_f, acc,
                        r, block_rows, pair_index, row_q,
                    )  # fmt: skip
        for r in range(nb_rows):
            for a in range(n_feat):
                for b in range(a, n_feat):
                    for k in range(n_out):
                        value = acc[((a * n_feat + b) * n_out + k) * block_rows + r]
                        out[b0 + r, a, b, k] = value
                        out[b0 + r, b, a, k] = value
