"""numba kernels: a leaf's rows grouped by ones-pattern, for the interaction kernel.

A leaf's pairs for a row depend only on the row's ones-pattern over the leaf's d path
features (a d-bit code), and a block of rows holds far fewer codes than rows on most data
(model (c) of the benchmark, leaves of depth 8 to 12: 42% distinct in 256 rows, 69% in 64).
Leaves too deep for a pattern table compute each distinct code once into a scratch and add it
to every row of that code, as a table would.
"""

from __future__ import annotations

import numpy as np
from numba import njit

# Deeper leaves are not grouped: their pairs would make the scratch too big for the cache.
MAX_GROUPED_DEPTH = 20
_GOLDEN = np.int64(-7046029254386353131)  # 0x9E3779B97F4A7C15: Fibonacci hashing


@njit(nogil=True, cache=True)
def distinct_codes(pat, mask, nb_rows, slot_id, row_id, code_of):
    """row_id[r] = the index in code_of of row r's code (pat[r] & mask); returns how many
    distinct codes. slot_id: open-addressing table, a power of two over twice the rows."""
    size = slot_id.size
    shift = 64
    while (1 << (64 - shift)) < size:
        shift -= 1
    slot_id[:] = -1
    n = 0
    for r in range(nb_rows):
        code = pat[r] & mask
        h = np.int64(np.uint64(code * _GOLDEN) >> np.uint64(shift))
        while True:
            c = slot_id[h]
            if c < 0:
                slot_id[h] = n
                code_of[n] = code
                row_id[r] = n
                n += 1
                break
            if code_of[c] == code:
                row_id[r] = c
                break
            h = (h + 1) & (size - 1)
    return n


@njit(nogil=True, cache=True)
def scatter_codes(scratch, n_pairs, row_id, nb_rows, acc, block_rows, pair_index, po, rows_at):
    """Add code row_id[r]'s pairs (scratch, n_pairs a code, pair order) to row r of the
    pair-major accumulator (pair p of row r at p * block_rows + r). rows_at: int64 scratch."""
    for r in range(nb_rows):
        rows_at[r] = row_id[r] * n_pairs
    for q in range(n_pairs):
        at = pair_index[po + q] * block_rows
        for r in range(nb_rows):
            acc[at + r] += scratch[rows_at[r] + q]
