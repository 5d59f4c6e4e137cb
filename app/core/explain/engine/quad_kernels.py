"""Deep leaves in O(d) table lookups plus O(d^2/2) multiply-adds per row: split quadrature tables.

With Shapley weights written as w(d, k) = integral_0^1 t^k (1-t)^(d-k-1) dt, a leaf's TreeSHAP
sum over subsets collapses into one integral per slot (Linear TreeSHAP's observation):

    phi_i = v * integral G(t) h_i(t) dt,   G(t) = prod_j g_j(t),
    g_j(t) = t + (1-t) z_j if slot j is a one, z_j (1-t) if it is a zero,
    h_i(t) = (1-z_i) / (t + (1-t) z_i) for a one,  -1 / (1-t) for a zero.

G h_i is a polynomial of degree d-1, so Gauss-Legendre with Q = ceil(d/2) nodes is exact. G at
the nodes factorises over any split of the slots, so each leaf stores G for every pattern of its
first d//2 slots (A) and of the rest (B): 2 x 2^(d/2) x Q numbers instead of the 2^d x d of a
full pattern table (d = 16: 34 KB instead of 8 MB). A row then costs two lookups and a product
per node, and d x Q multiply-adds, all vectorised over the rows of a block.

Per-leaf layout at q_offset[leaf]: TA (2^hA x Q, times v and the quadrature weight), TB
(2^hB x Q), H1 (d x Q), H0 (Q).
"""

from __future__ import annotations

import numpy as np
from numba import njit


def gauss_legendre(max_q: int) -> tuple[np.ndarray, np.ndarray]:
    """nodes[Q, :Q] and weights[Q, :Q] of Q-point Gauss-Legendre on [0, 1], Q = 1..max_q."""
    nodes = np.zeros((max_q + 1, max(max_q, 1)))
    weights = np.zeros_like(nodes)
    for q in range(1, max_q + 1):
        x, w = np.polynomial.legendre.leggauss(q)
        nodes[q, :q] = (x + 1.0) / 2.0
        weights[q, :q] = w / 2.0
    return nodes, weights


def quad_size(d: np.ndarray) -> np.ndarray:
    """Float64 words of a leaf's split quadrature table."""
    d = np.asarray(d, dtype=np.int64)
    q = (d + 1) // 2
    h_a = d // 2
    return ((np.int64(1) << h_a) + (np.int64(1) << (d - h_a)) + d + 1) * q


@njit(nogil=True, cache=True)
def build_quad_tables(leaf_value, uf_offset, uf_z, q_offset, q_tables, gl_nodes, gl_weights):
    for leaf in range(leaf_value.size):
        base = q_offset[leaf]
        if base < 0:
            continue
        u0 = uf_offset[leaf]
        d = uf_offset[leaf + 1] - u0
        nq = (d + 1) // 2
        h_a = d // 2
        h_b = d - h_a
        ta = base
        tb = ta + (1 << h_a) * nq
        h1 = tb + (1 << h_b) * nq
        h0 = h1 + d * nq
        for q in range(nq):
            t = gl_nodes[nq, q]
            for p in range(1 << h_a):
                g = leaf_value[leaf] * gl_weights[nq, q]
                for s in range(h_a):
                    z = uf_z[u0 + s]
                    g *= t + (1.0 - t) * z if (p >> s) & 1 else z * (1.0 - t)
                q_tables[ta + p * nq + q] = g
            for p in range(1 << h_b):
                g = 1.0
                for s in range(h_b):
                    z = uf_z[u0 + h_a + s]
                    g *= t + (1.0 - t) * z if (p >> s) & 1 else z * (1.0 - t)
                q_tables[tb + p * nq + q] = g
            for s in range(d):
                z = uf_z[u0 + s]
                q_tables[h1 + s * nq + q] = (1.0 - z) / (t + (1.0 - t) * z)
            q_tables[h0 + q] = -1.0 / (1.0 - t)


@njit(nogil=True, cache=True)
def quad_leaf(pat, nb_rows, d, base, q_tables, features, acc, n_out, k, g, zero, tmp):
    """Add one leaf's SHAP values for the block's rows (pat: their ones-patterns) into acc."""
    nq = (d + 1) // 2
    h_a = d // 2
    h_b = d - h_a
    mask_a = (np.int64(1) << h_a) - 1
    mask_b = (np.int64(1) << h_b) - 1
    ta = base
    tb = ta + (1 << h_a) * nq
    h1 = tb + (1 << h_b) * nq
    h0 = h1 + d * nq
    for r in range(nb_rows):
        zero[r] = 0.0
    for q in range(nq):
        gq = g[q]
        w0 = q_tables[h0 + q]
        for r in range(nb_rows):
            p = pat[r]
            value = (
                q_tables[ta + (p & mask_a) * nq + q] * q_tables[tb + ((p >> h_a) & mask_b) * nq + q]
            )
            gq[r] = value
            zero[r] += value * w0
    for s in range(d):
        for r in range(nb_rows):
            tmp[r] = 0.0
        for q in range(nq):
            w1 = q_tables[h1 + s * nq + q]
            gq = g[q]
            for r in range(nb_rows):
                tmp[r] += gq[r] * w1
        dst = acc[features[s] * n_out + k]
        for r in range(nb_rows):
            dst[r] += tmp[r] if (pat[r] >> s) & 1 else zero[r]
