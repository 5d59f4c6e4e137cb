"""numba kernels: exact path-dependent SHAP interaction values (Lundberg et al. 2020).

A leaf's value function on its path's d distinct features is multilinear,
f(S) = v prod_{s in S} o_s prod_{s not in S} z_s (see treeshap_kernels), so for slots i != j

    Phi_ij = v/2 (o_i - z_i)(o_j - z_j) sum_{S ⊆ D\\{i,j}} w2(|S|) prod_S o prod_{D\\{i,j}\\S} z

with w2(k) = k!(d-k-2)!/(d-1)!. As o is 0 or 1, only S inside the ones survive. With P the
product of z over the zeros and G(A) = sum_k w2(k) e_{|A|-k}(z_A) (elementary symmetric
polynomials of the ones' z), the (o - z) factors fold into P and a leaf has three kinds of pairs:

    both zeros        v/2 P G(ones)                          one value for all such pairs
    i one, j zero     -v/2 (1 - z_i) P G(ones\\{i})           one value per one
    both ones         v/2 (1 - z_i)(1 - z_j) P G(ones\\{i,j})

The main effect is Phi_ii = phi_i - sum_{j != i} Phi_ij per leaf (phi_i from the same
polynomials, as in treeshap_kernels._leaf_phi), so each row of the matrix sums to the feature's
SHAP value and the whole matrix to the model output minus the base value. Features off a leaf's
path get nothing from it.

A leaf's d(d+1)/2 slot pairs (s <= t) have fixed places in a row's accumulator (pair_index,
the upper triangle of the features), so adding a leaf to a row is a gather-add of d(d+1)/2
values. Shallow leaves take them from a table over the 2^d ones patterns built once; deeper
leaves compute them per row (O(a^3) in the number a of ones, no memory traffic).
"""

from __future__ import annotations

import numpy as np
from numba import njit

from app.core.explain.engine.decision import go_left as _go_left


def pair_weights(max_d: int) -> np.ndarray:
    """w2[d, k] = k! (d-k-2)! / (d-1)! for 0 <= k <= d-2, 2 <= d <= max_d (log-gamma)."""
    import math

    w = np.zeros((max_d + 1, max_d + 1))
    for d in range(2, max_d + 1):
        for k in range(d - 1):
            w[d, k] = math.exp(math.lgamma(k + 1) + math.lgamma(d - k - 1) - math.lgamma(d))
    return w


def table_words(d: np.ndarray) -> np.ndarray:
    """Words of one leaf's pattern table: 2^d patterns x d(d+1)/2 slot pairs."""
    d = np.asarray(d, np.int64)
    return (np.int64(1) << np.minimum(d, 62)) * (d * (d + 1) // 2)


@njit(nogil=True, cache=True)
def leaf_pairs(v, z, ones, d, w1, w2, poly, red, c1, c11, phi):
    """One leaf and one ones-pattern: return c00, fill c1[s] (s a one), c11[s*d+t] (s<t ones)
    and phi[s] (every slot). Polynomials are over the ones' z; dividing out a one's factor
    (1 + z t) by synthetic division gives the polynomial without it."""
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
    c00 = 0.0
    if a <= d - 2:
        g = 0.0
        for k in range(a + 1):
            g += w2[d, k] * poly[a - k]
        c00 = 0.5 * v * prod_zeros * g
    if a < d:
        h = 0.0
        for k in range(a + 1):
            h += w1[d, k] * poly[a - k]
        zero_phi = -v * prod_zeros * h
        for s in range(d):
            if not ones[s]:
                phi[s] = zero_phi
    for s in range(d):
        if not ones[s]:
            continue
        zs = z[s]
        red[0] = 1.0
        for m in range(1, a):
            red[m] = poly[m] - zs * red[m - 1]
        h = 0.0
        g = 0.0
        for k in range(a):
            h += w1[d, k] * red[a - 1 - k]
            g += w2[d, k] * red[a - 1 - k]
        phi[s] = v * (1.0 - zs) * prod_zeros * h
        c1[s] = -0.5 * v * (1.0 - zs) * prod_zeros * g if a < d else 0.0
        for t in range(s + 1, d):
            if not ones[t]:
                continue
            zt = z[t]
            # second division, in place over red2 = red / (1 + zt x), kept in red[d + m]
            red[d] = 1.0
            for m in range(1, a - 1):
                red[d + m] = red[m] - zt * red[d + m - 1]
            g2 = 0.0
            for k in range(a - 1):
                g2 += w2[d, k] * red[d + a - 2 - k]
            c11[s * d + t] = 0.5 * v * (1.0 - zs) * (1.0 - zt) * prod_zeros * g2
    return c00


@njit(nogil=True, cache=True)
def leaf_pair_values(v, z, ones, d, w1, w2, poly, red, c1, c11, phi, dst):
    """dst[q] for the leaf's slot pairs in pair order (s, t), s <= t, row by row: the value of
    Phi_st, with the main effect Phi_ss = phi_s - sum_{t != s} Phi_st on the diagonal."""
    c00 = leaf_pairs(v, z, ones, d, w1, w2, poly, red, c1, c11, phi)
    q = 0
    for s in range(d):
        diag_q = q
        dst[diag_q] = phi[s]
        q += 1
        for t in range(s + 1, d):
            if ones[s] and ones[t]:
                val = c11[s * d + t]
            elif ones[s]:
                val = c1[s]
            elif ones[t]:
                val = c1[t]
            else:
                val = c00
            dst[q] = val
            q += 1
    # the diagonal needs every pair of its slot, so subtract in a second pass
    q = 0
    for s in range(d):
        diag_q = q
        q += 1
        for t in range(s + 1, d):
            dst[diag_q] -= dst[q]
            dst[_pair_q(t, t, d)] -= dst[q]
            q += 1


@njit(nogil=True, cache=True)
def _pair_q(s, t, d):
    """Position of slot pair (s, t), s <= t, in pair order."""
    return s * d - (s * (s - 1)) // 2 + (t - s)


@njit(nogil=True, cache=True)
def build_pair_index(uf_offset, uf_feature, leaf_class, pair_offset, n_feat, n_out, pair_index):
    """pair_index[pair_offset[l] + q] = flat (lo, hi, output) position in a row's accumulator
    of leaf l's slot pair q (features ordered so only the upper triangle is written)."""
    for leaf in range(uf_offset.size - 1):
        u0 = uf_offset[leaf]
        d = uf_offset[leaf + 1] - u0
        q = pair_offset[leaf]
        k = leaf_class[leaf]
        for s in range(d):
            for t in range(s, d):
                a, b = uf_feature[u0 + s], uf_feature[u0 + t]
                lo, hi = (a, b) if a < b else (b, a)
                pair_index[q] = (lo * n_feat + hi) * n_out + k
                q += 1


@njit(nogil=True, cache=True)
def build_pair_tables(leaf_value, uf_offset, uf_z, tab_offset, tables, w1, w2):
    """tables[tab_offset[l] + p * n_pairs + q] = leaf_pair_values of leaf l for pattern p."""
    max_d = w1.shape[0]
    ones = np.zeros(max_d, np.int64)
    poly = np.empty(max_d + 1)
    red = np.empty(2 * max_d + 2)
    c1 = np.zeros(max_d)
    c11 = np.zeros(max_d * max_d)
    phi = np.zeros(max_d)
    for leaf in range(leaf_value.size):
        base = tab_offset[leaf]
        if base < 0:
            continue
        u0 = uf_offset[leaf]
        d = uf_offset[leaf + 1] - u0
        z = uf_z[u0 : u0 + d]
        n_pairs = d * (d + 1) // 2
        for p in range(1 << d):
            for s in range(d):
                ones[s] = (p >> s) & 1
            row = base + p * n_pairs
            leaf_pair_values(
                leaf_value[leaf],
                z,
                ones,
                d,
                w1,
                w2,
                poly,
                red,
                c1,
                c11,
                phi,
                tables[row : row + n_pairs],
            )


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
):
    """Interaction values of rows r0..r1 into out (float32, rows x features x features x outputs).

    Patterns per node come block-wise and column-major as in treeshap_kernels.shap_rows; the
    accumulator is row-major (one M x M x outputs float64 square per row of the block, upper
    triangle and diagonal), mirrored when the block is stored.
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
    red = np.empty(2 * max_d + 2)
    c1 = np.zeros(max_d)
    c11 = np.zeros(max_d * max_d)
    phi = np.zeros(max_d)
    buf = np.zeros(max_d * (max_d + 1) // 2)
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
                        row = tb + (pat[r] & mask) * n_pairs
                        ab = r * square
                        for q in range(n_pairs):
                            acc[ab + pair_index[po + q]] += tables[row + q]
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
                    z = uf_z[u0 : u0 + d]
                    leaf_pair_values(
                        leaf_value[leaf], z, ones, d, w1, w2, poly, red, c1, c11, phi, buf
                    )
                    ab = r * square
                    for q in range(n_pairs):
                        acc[ab + pair_index[po + q]] += buf[q]
        for r in range(nb_rows):
            ab = r * square
            for a in range(n_feat):
                for b in range(a, n_feat):
                    for k in range(n_out):
                        value = acc[ab + (a * n_feat + b) * n_out + k]
                        out[b0 + r, a, b, k] = value
                        out[b0 + r, b, a, k] = value
