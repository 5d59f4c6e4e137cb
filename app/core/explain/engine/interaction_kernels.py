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
leaves compute them once per distinct pattern in a block of rows (leaf_codes) or per row,
O(a^2) in the number a of ones (leaf_add).
"""

from __future__ import annotations

import numpy as np
from numba import njit

from app.core.explain.engine.leaf_patterns import ones_polynomial

# Relative gap between two ones' z under which leaf_add divides rather than subtracting
# partial fractions (relative error bound ~ 2 (d + 1) 2.2e-16 / PAIR_GAP, 6e-11 at d = 12).
PAIR_GAP = 1e-4


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
    a, prod_zeros = ones_polynomial(z, ones, d, poly)
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
def leaf_add(
    v, z, ones, d, w1, w2, poly, redm, one_idx, zero_idx, one_f, acc, ab, stride, pair_index, row_q
):
    """Add one leaf's pairs for one row straight into its accumulator: slot pair (s, t),
    s <= t, at acc[ab + stride * pair_index[row_q[s] + t]]. Scratch: redm (max_d x max_d),
    one_f (5 x max_d).

    Same values as leaf_pair_values, but only the arithmetic the pattern needs: a one-zero pair
    and a zero-zero pair have one value per one and one for all, so the main effects follow
    from counts (a one's: phi - its one-one pairs - nz * c1; a zero's: phi - sum of c1 over the
    ones - (nz - 1) * c00). A one-one pair costs O(1), not a second division: by partial
    fractions 1/((1 + z_i t)(1 + z_j t)) = (z_i/(1 + z_i t) - z_j/(1 + z_j t)) / (z_i - z_j),
    so G(ones minus i, j) = (z_i U_i - z_j U_j) / (z_i - z_j), U_i the same weighted sum over
    the polynomial without i alone. It cancels as z_i nears z_j, so close pairs (relative gap
    under PAIR_GAP, error bound ~ 2 (d + 1) eps / PAIR_GAP) divide instead.
    """
    one_z, one_h, one_g, one_u, one_diag = one_f[0], one_f[1], one_f[2], one_f[3], one_f[4]
    a = 0
    nz = 0
    prod_zeros = 1.0
    poly[0] = 1.0
    for s in range(d):
        if ones[s]:
            one_idx[a] = s
            zs = z[s]
            one_z[a] = zs
            a += 1
            poly[a] = 0.0
            for k in range(a, 0, -1):
                poly[k] += zs * poly[k - 1]
        else:
            zero_idx[nz] = s
            nz += 1
            prod_zeros *= z[s]
    vp = v * prod_zeros
    # every one's polynomial without it (redm[m, x]), the ones side by side: independent
    # chains the compiler can vectorise, then the three weighted sums each needs
    for x in range(a):
        redm[0, x] = 1.0
        one_h[x] = 0.0
        one_g[x] = 0.0
        one_u[x] = 0.0
        one_diag[x] = 0.0
    for m in range(1, a):
        pm = poly[m]
        for x in range(a):
            redm[m, x] = pm - one_z[x] * redm[m - 1, x]
    for k in range(a):
        w1k = w1[d, k]
        w2k = w2[d, k]
        for x in range(a):
            r = redm[a - 1 - k, x]
            one_h[x] += w1k * r
            one_g[x] += w2k * r
    for k in range(a - 1):
        w2k = w2[d, k]
        for x in range(a):
            one_u[x] += w2k * redm[a - 2 - k, x]
    c00 = 0.0
    if nz >= 2:
        g = 0.0
        for k in range(a + 1):
            g += w2[d, k] * poly[a - k]
        c00 = 0.5 * vp * g
    sum_c1 = 0.0
    for x in range(a):
        s = one_idx[x]
        zs = one_z[x]
        diag = vp * (1.0 - zs) * one_h[x] + one_diag[x]  # one_diag: its pairs with earlier ones
        if nz > 0:
            c1 = -0.5 * vp * (1.0 - zs) * one_g[x]
            sum_c1 += c1
            diag -= nz * c1
            for y in range(nz):
                t = zero_idx[y]
                lo, hi = (s, t) if s < t else (t, s)
                acc[ab + stride * pair_index[row_q[lo] + hi]] += c1
        half = 0.5 * vp * (1.0 - zs)
        for y in range(x + 1, a):
            zt = one_z[y]
            gap = zs - zt
            if abs(gap) > PAIR_GAP * max(abs(zs), abs(zt)):
                g2 = (zs * one_u[x] - zt * one_u[y]) / gap
            else:
                g2 = _divided_pair(redm, x, zt, a, d, w2)
            c11 = half * (1.0 - zt) * g2
            acc[ab + stride * pair_index[row_q[s] + one_idx[y]]] += c11
            diag -= c11
            one_diag[y] -= c11
        acc[ab + stride * pair_index[row_q[s] + s]] += diag
    if nz > 0:
        h = 0.0
        for k in range(a + 1):
            h += w1[d, k] * poly[a - k]
        zero_diag = -vp * h - sum_c1 - (nz - 1) * c00
        for x in range(nz):
            s = zero_idx[x]
            acc[ab + stride * pair_index[row_q[s] + s]] += zero_diag
            for y in range(x + 1, nz):
                t = zero_idx[y]
                acc[ab + stride * pair_index[row_q[s] + t]] += c00


@njit(nogil=True, cache=True)
def _divided_pair(redm, x, zt, a, d, w2):
    """G(ones minus x and the one of z zt) by dividing x's polynomial by (1 + zt t)."""
    prev = 0.0
    g2 = 0.0
    for m in range(a - 1):
        prev = redm[m, x] - zt * prev
        g2 += w2[d, a - 2 - m] * prev
    return g2
