"""numba kernels: path tables, exact path-dependent TreeSHAP.

For one leaf, let its path's distinct features be slots 0..d-1, with cover fraction z_s (the
product of child_count/parent_count over the splits on that feature) and, for a row, the "one"
bit o_s (the row satisfies every split on that feature along the path). The leaf adds to slot i

    phi_i = v (o_i - z_i) sum_{S ⊆ ones\\{i}} w(|S|) prod_{(ones\\{i})\\S} z * prod_{zeros\\{i}} z

with Shapley weights w(s) = s!(d-s-1)!/d!. That only depends on the ones pattern, so for shallow
leaves a table of all 2^d patterns is built once and a row costs a pattern plus d additions;
deeper leaves use `_leaf_phi` (elementary symmetric polynomials, O(d^2)) per row.

All kernels take flat arrays with fixed dtypes (int64 indices, float64 values, uint8 decision
types, uint32 bitsets, C-contiguous float64 X) so numba compiles one specialisation each, and
they release the GIL so the engine can run two row ranges on two Python threads.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from app.core.explain.engine.decision import go_left as _go_left
from app.core.explain.engine.leaf_patterns import ones_polynomial, walk_patterns
from app.core.explain.engine.quad_kernels import quad_leaf


@njit(nogil=True, cache=True)
def predict_rows(
    X,
    r0,
    r1,
    out,
    node_offset,
    leaf_offset,
    tree_class,
    split_feature,
    threshold,
    decision_type,
    left,
    right,
    cat_begin,
    cat_end,
    cat_words,
    leaf_value,
):
    """out[r, k] = sum of the leaf values row r reaches in the trees of output k."""
    n_trees = node_offset.size - 1
    for r in range(r0, r1):
        for t in range(n_trees):
            nb = node_offset[t]
            node = 0
            if node_offset[t + 1] > nb:
                while node >= 0:
                    g = nb + node
                    if _go_left(
                        X[r, split_feature[g]],
                        decision_type[g],
                        threshold[g],
                        cat_begin[g],
                        cat_end[g],
                        cat_words,
                    ):
                        node = left[g]
                    else:
                        node = right[g]
                node = ~node
            out[r, tree_class[t]] += leaf_value[leaf_offset[t] + node]


@njit(nogil=True, cache=True)
def build_paths(
    node_offset,
    leaf_offset,
    split_feature,
    left,
    right,
    internal_count,
    leaf_count,
    fill,
    cond_offset,
    cond_node,
    cond_left,
    cond_slot,
    uf_offset,
    uf_feature,
    uf_z,
    node_slot,
):
    """Walk every root-to-leaf path. With fill=False only the offsets are computed.

    A leaf's conditions are (node, went_left, slot); its slots are its distinct features in
    order of first use from the root, each with the product of the cover fractions of its splits.
    Slots are assigned along the path from the root, so all leaves under a node give that node
    the same slot: the kernels use that to build every leaf's pattern in one top-down pass.
    """
    n_trees = node_offset.size - 1
    max_depth = 1
    for t in range(n_trees):
        max_depth = max(max_depth, node_offset[t + 1] - node_offset[t] + 1)
    path_node = np.empty(max_depth, np.int64)
    path_left = np.empty(max_depth, np.int64)
    stack_node = np.empty(max_depth * 2 + 2, np.int64)
    stack_depth = np.empty(max_depth * 2 + 2, np.int64)
    stack_left = np.empty(max_depth * 2 + 2, np.int64)
    feats = np.empty(max_depth, np.int64)
    zs = np.empty(max_depth)
    n_cond = 0
    n_uf = 0
    for t in range(n_trees):
        nb = node_offset[t]
        lb = leaf_offset[t]
        if node_offset[t + 1] == nb:  # a single-leaf tree: empty path
            if not fill:
                cond_offset[lb + 1] = 0
                uf_offset[lb + 1] = 0
            continue
        top = 0
        stack_node[0], stack_depth[0], stack_left[0] = 0, 0, 0
        while top >= 0:
            node, depth, went = stack_node[top], stack_depth[top], stack_left[top]
            top -= 1
            if depth > 0:
                path_left[depth - 1] = went
            if node >= 0:
                path_node[depth] = node
                top += 1
                stack_node[top], stack_depth[top], stack_left[top] = right[nb + node], depth + 1, 0
                top += 1
                stack_node[top], stack_depth[top], stack_left[top] = left[nb + node], depth + 1, 1
                continue
            leaf = lb + ~node
            d = 0
            for i in range(depth):
                g = nb + path_node[i]
                child = path_node[i + 1] if i + 1 < depth else node
                child_count = internal_count[nb + child] if child >= 0 else leaf_count[lb + ~child]
                parent_count = internal_count[g]
                frac = child_count / parent_count if parent_count > 0 else 0.5
                slot = -1
                for s in range(d):
                    if feats[s] == split_feature[g]:
                        slot = s
                if slot < 0:
                    slot = d
                    feats[d] = split_feature[g]
                    zs[d] = 1.0
                    d += 1
                zs[slot] *= frac
                if fill:
                    c = cond_offset[leaf] + i
                    cond_node[c] = path_node[i]
                    cond_left[c] = path_left[i]
                    cond_slot[c] = slot
                    # A node's slot is fixed by its ancestors, so every leaf below agrees.
                    node_slot[g] = min(slot, 63)
            if fill:
                for s in range(d):
                    uf_feature[uf_offset[leaf] + s] = feats[s]
                    uf_z[uf_offset[leaf] + s] = zs[s]
            else:
                cond_offset[leaf + 1] = depth
                uf_offset[leaf + 1] = d
            n_cond += depth
            n_uf += d


@njit(nogil=True, cache=True)
def _leaf_phi(v, z, ones, d, weights, poly, out):
    """out[s] = the leaf's SHAP contribution to slot s for one ones-pattern, in O(d^2).

    poly holds e_k(z over the ones); removing slot i's factor (1 + z_i t) by synthetic division
    gives the polynomial of ones\\{i}. The zeros all share one value: -v * prod(z_zeros) * T.
    """
    a, prod_zeros = ones_polynomial(z, ones, d, poly)
    zero_value = 0.0
    if a < d:
        total = 0.0
        for k in range(a + 1):
            total += weights[d, k] * poly[a - k]
        zero_value = -v * prod_zeros * total
    for s in range(d):
        if ones[s]:
            zi = z[s]
            reduced = 1.0
            acc = weights[d, a - 1] * reduced
            for m in range(1, a):
                reduced = poly[m] - zi * reduced
                acc += weights[d, a - 1 - m] * reduced
            out[s] = v * (1.0 - zi) * prod_zeros * acc
        else:
            out[s] = zero_value


@njit(nogil=True, cache=True)
def build_tables(leaf_value, uf_offset, uf_z, tab_offset, tables, weights):
    """tables[tab_offset[l] + p*d + s] = _leaf_phi for leaf l, pattern p, slot s."""
    max_d = weights.shape[0]
    ones = np.empty(max_d, np.int64)
    poly = np.empty(max_d + 1)
    out = np.empty(max_d)
    for leaf in range(leaf_value.size):
        base = tab_offset[leaf]
        if base < 0:
            continue
        u0 = uf_offset[leaf]
        d = uf_offset[leaf + 1] - u0
        z = uf_z[u0 : u0 + d]
        for p in range(1 << d):
            for s in range(d):
                ones[s] = (p >> s) & 1
            _leaf_phi(leaf_value[leaf], z, ones, d, weights, poly, out)
            for s in range(d):
                tables[base + p * d + s] = out[s]


@njit(nogil=True, cache=True)
def topo_order(node_offset, left, right):
    """Global node permutation putting each tree's splits in breadth-first order (root first)."""
    order = np.empty(node_offset[-1], np.int64)
    for t in range(node_offset.size - 1):
        nb = node_offset[t]
        n = node_offset[t + 1] - nb
        if n == 0:
            continue
        order[nb] = 0
        tail = 1
        for head in range(n):
            node = order[nb + head]
            for child in (left[nb + node], right[nb + node]):
                if child >= 0 and tail < n:
                    order[nb + tail] = child
                    tail += 1
        for j in range(n):
            order[nb + j] += nb
    return order


@njit(nogil=True, cache=True)
def shap_rows(
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
    leaf_mask,
    cond_offset,
    cond_node,
    cond_left,
    cond_slot,
    uf_offset,
    uf_feature,
    uf_z,
    tab_offset,
    tables,
    q_offset,
    q_tables,
    weights,
):
    """SHAP values of rows r0..r1 into out (float32, rows x features x outputs).

    Rows go in blocks and everything inside a block is column-major (feature x row), so each
    loop below runs over the rows of the block with one node's or one leaf's constants fixed:
    the branches are predictable, a leaf's table stays hot while all rows gather from it, and
    the accumulator is written contiguously. Per tree:
      1. nodes in breadth-first order: every node's ones-pattern follows from its parent's by
         clearing the node's slot bit on the side the row did not take (leaves sit at
         n_nodes + leaf in the pattern buffer);
      2. leaves: add table[pattern] (d values) to the leaf's features, or use the leaf's split
         quadrature table (quad_kernels), or run the O(d^2) DP.
    Sums are float64; a row's additions happen in the same order whatever the block, so any
    chunking of the rows gives bit-identical results.
    """
    n_trees = node_offset.size - 1
    n_feat = out.shape[1]
    n_out = out.shape[2]
    max_buf = 1
    for t in range(n_trees):
        max_buf = max(max_buf, 2 * (node_offset[t + 1] - node_offset[t]) + 1)
    max_d = weights.shape[0]
    xt = np.empty((n_feat, block_rows))
    acc = np.zeros((n_feat * n_out, block_rows))
    pattern = np.empty((max_buf, block_rows), np.int64)
    ones = np.empty(max_d, np.int64)
    poly = np.empty(max_d + 1)
    phi = np.empty(max_d)
    index = np.empty(block_rows, np.int64)
    quad_g = np.empty(((max_d + 1) // 2 + 1, block_rows))
    zero = np.empty(block_rows)
    tmp = np.empty(block_rows)
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
                continue  # a constant tree only moves the base value
            k = tree_class[t]
            lb = leaf_offset[t]
            walk_patterns(
                pattern, xt, nb_rows, nb, n_nodes, split_feature, threshold, decision_type,
                cat_begin, cat_end, cat_words, node_slot, target_left, target_right,
            )  # fmt: skip
            for i in range(leaf_offset[t + 1] - lb):
                leaf = lb + i
                u0 = uf_offset[leaf]
                d = uf_offset[leaf + 1] - u0
                pat = pattern[n_nodes + i]
                tb = tab_offset[leaf]
                if tb >= 0:
                    mask = leaf_mask[leaf]
                    for r in range(nb_rows):
                        index[r] = tb + (pat[r] & mask) * d
                    for s in range(d):
                        dst = acc[uf_feature[u0 + s] * n_out + k]
                        for r in range(nb_rows):
                            dst[r] += tables[index[r] + s]
                    continue
                if q_offset[leaf] >= 0:
                    features = uf_feature[u0 : u0 + d]
                    qo = q_offset[leaf]
                    quad_leaf(
                        pat, nb_rows, d, qo, q_tables, features, acc, n_out, k, quad_g, zero, tmp
                    )
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
                    _leaf_phi(leaf_value[leaf], uf_z[u0 : u0 + d], ones, d, weights, poly, phi)
                    for s in range(d):
                        acc[uf_feature[u0 + s] * n_out + k, r] += phi[s]
        for r in range(nb_rows):
            for f in range(n_feat):
                for k in range(n_out):
                    out[b0 + r, f, k] = acc[f * n_out + k, r]
