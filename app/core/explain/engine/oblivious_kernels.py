"""Oblivious trees (CatBoost): one lookup table per tree, indexed by the row's level decisions.

Every node of a level of an oblivious tree applies the same split, so a row's D split outcomes
form a D-bit code c, and everything path-dependent TreeSHAP needs from the row - which leaves
agree with it on which features - follows from c alone. The tree's SHAP values for the row are
therefore a function U[c] of the code: a table of 2^D x d numbers per tree (d = distinct
features; 16 KB at depth 8), built once when the model loads as U[c] = sum over leaves l of the
leaf's contribution for the ones-pattern that c leaves on l's path. A row then costs D split
tests and d additions per tree, instead of a pattern per node and a lookup per leaf.

Leaves of an oblivious tree share their slots (distinct features in order of first use from
the root), so the ones-pattern of leaf l for code c is full & ~clear[c ^ went(l)], where
went(l) is the leaf's own code and clear[x] the slots of the levels set in x.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from app.core.explain.engine.decision import go_left as _go_left


@njit(nogil=True, cache=True)
def level_depths(
    node_offset,
    leaf_offset,
    split_feature,
    threshold,
    decision_type,
    cat_begin,
    cat_end,
    cond_offset,
    cond_node,
    uf_offset,
    uf_feature,
):
    """Per tree its depth D when it is oblivious (every leaf at depth D, every level one split
    and the same slots for every leaf), else -1. A constant tree has depth 0."""
    n_trees = node_offset.size - 1
    depth = np.full(n_trees, -1, np.int64)
    for t in range(n_trees):
        nb = node_offset[t]
        lb = leaf_offset[t]
        n_leaf = leaf_offset[t + 1] - lb
        D = 0
        while n_leaf > (1 << D):
            D += 1
        if n_leaf != (1 << D) or node_offset[t + 1] - nb != n_leaf - 1:
            continue
        ok = True
        c0 = cond_offset[lb]
        u0 = uf_offset[lb]
        d = uf_offset[lb + 1] - u0
        for leaf in range(lb, lb + n_leaf):
            c = cond_offset[leaf]
            u = uf_offset[leaf]
            if cond_offset[leaf + 1] - c != D or uf_offset[leaf + 1] - u != d:
                ok = False
                break
            for s in range(d):
                if uf_feature[u + s] != uf_feature[u0 + s]:
                    ok = False
            for i in range(D):
                a = nb + cond_node[c0 + i]
                b = nb + cond_node[c + i]
                if (
                    split_feature[a] != split_feature[b]
                    or threshold[a] != threshold[b]
                    or decision_type[a] != decision_type[b]
                    or cat_begin[a] != cat_begin[b]
                    or cat_end[a] != cat_end[b]
                ):
                    ok = False
            if not ok:
                break
        if ok:
            depth[t] = D
    return depth


@njit(nogil=True, cache=True)
def _leaf_table(v, z, d, gl_nodes, gl_weights, G, H, table):
    """table[p*d + s]: the leaf's contribution to slot s for every ones-pattern p, by the
    Gauss-Legendre form of quad_kernels (exact with ceil(d/2) nodes): G over all patterns is
    a subset product built by doubling, then each slot is a Q-term dot product."""
    nq = (d + 1) // 2
    for q in range(nq):
        t = gl_nodes[nq, q]
        G[q] = v * gl_weights[nq, q]
        H[d * nq + q] = -1.0 / (1.0 - t)
        for j in range(d):
            H[j * nq + q] = (1.0 - z[j]) / (t + (1.0 - t) * z[j])
    size = 1
    for j in range(d):
        for q in range(nq):
            t = gl_nodes[nq, q]
            one = t + (1.0 - t) * z[j]
            zero = z[j] * (1.0 - t)
            for p in range(size):
                g = G[p * nq + q]
                G[(p + size) * nq + q] = g * one
                G[p * nq + q] = g * zero
        size *= 2
    for p in range(1 << d):
        g = G[p * nq : (p + 1) * nq]
        zero = 0.0
        for q in range(nq):
            zero += g[q] * H[d * nq + q]
        for s in range(d):
            if (p >> s) & 1:
                one = 0.0
                for q in range(nq):
                    one += g[q] * H[s * nq + q]
                table[p * d + s] = one
            else:
                table[p * d + s] = zero


@njit(nogil=True, cache=True)
def build_level_tables(
    t0,
    t1,
    leaf_offset,
    depth,
    u_offset,
    cond_offset,
    cond_left,
    cond_slot,
    uf_offset,
    uf_z,
    leaf_value,
    gl_nodes,
    gl_weights,
    U,
):
    """U[u_offset[t] + c*d + s] for trees t0..t1 (code bit i: the row goes left at level i)."""
    for t in range(t0, t1):
        D = depth[t]
        if D <= 0:
            continue
        lb = leaf_offset[t]
        n_code = 1 << D
        d = uf_offset[lb + 1] - uf_offset[lb]
        full = (1 << d) - 1
        clear = np.zeros(n_code, np.int64)
        for x in range(n_code):
            for i in range(D):
                if (x >> i) & 1:
                    clear[x] |= 1 << cond_slot[cond_offset[lb] + i]
        table = np.empty((1 << d) * d)
        G = np.empty((1 << d) * ((d + 1) // 2))
        H = np.empty((d + 1) * ((d + 1) // 2))
        base = u_offset[t]
        for leaf in range(lb, lb + n_code):
            z = uf_z[uf_offset[leaf] : uf_offset[leaf] + d]
            _leaf_table(leaf_value[leaf], z, d, gl_nodes, gl_weights, G, H, table)
            went = 0
            for i in range(D):
                went |= cond_left[cond_offset[leaf] + i] << i
            for c in range(n_code):
                p = full & ~clear[c ^ went]
                for s in range(d):
                    U[base + c * d + s] += table[p * d + s]


@njit(nogil=True, cache=True)
def shap_rows_oblivious(
    X,
    r0,
    r1,
    out,
    block_rows,
    tree_class,
    depth,
    lvl_offset,
    lvl_feature,
    lvl_threshold,
    lvl_dtype,
    lvl_cat_begin,
    lvl_cat_end,
    cat_words,
    u_offset,
    slot_offset,
    slot_feature,
    U,
):
    """SHAP values of rows r0..r1 into out (float32, rows x features x outputs), in float64
    sums over column-major row blocks like treeshap_kernels.shap_rows."""
    n_trees = depth.size
    n_feat = out.shape[1]
    n_out = out.shape[2]
    xt = np.empty((n_feat, block_rows))
    acc = np.zeros((n_feat * n_out, block_rows))
    code = np.empty(block_rows, np.int64)
    for b0 in range(r0, r1, block_rows):
        nb_rows = min(block_rows, r1 - b0)
        for r in range(nb_rows):
            for f in range(n_feat):
                xt[f, r] = X[b0 + r, f]
        acc[:] = 0.0
        for t in range(n_trees):
            D = depth[t]
            if D <= 0:
                continue  # a constant tree only moves the base value
            k = tree_class[t]
            for r in range(nb_rows):
                code[r] = 0
            for i in range(D):
                g = lvl_offset[t] + i
                xf = xt[lvl_feature[g]]
                dt, thr = lvl_dtype[g], lvl_threshold[g]
                cb, ce = lvl_cat_begin[g], lvl_cat_end[g]
                for r in range(nb_rows):
                    code[r] |= np.int64(_go_left(xf[r], dt, thr, cb, ce, cat_words)) << i
            s0 = slot_offset[t]
            d = slot_offset[t + 1] - s0
            base = u_offset[t]
            for r in range(nb_rows):
                row = base + code[r] * d
                for s in range(d):
                    acc[slot_feature[s0 + s] * n_out + k, r] += U[row + s]
        for r in range(nb_rows):
            for f in range(n_feat):
                for k in range(n_out):
                    out[b0 + r, f, k] = acc[f * n_out + k, r]
