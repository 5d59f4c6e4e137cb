"""The split rule every kernel uses: LightGBM's, or the family-neutral one (GENERIC_BIT).

decision_type bits: 1 categorical, 2 default (missing) goes left, 4-8 LightGBM's missing type,
16 GENERIC, 32 (GENERIC categorical only) a code outside the bitset goes the default way.

The GENERIC rule serves every other family once its converter has normalised it: NaN goes the
default way; a numerical split goes left when x <= threshold (converters turn XGBoost's strict
`x < t` into `x <= the float32 below t` and round the data to float32 where the library does);
a categorical split goes left when the code is in the bitset. A negative, huge or (with bit 32)
non-integral code or one past the bitset goes right, or the default way with bit 32 (scikit-learn
treats unknown categories as missing).
"""

from __future__ import annotations

import numpy as np
from numba import njit

# LightGBM: `const double kZeroThreshold = 1e-35f;` - a float literal widened to double.
ZERO_THRESHOLD = float(np.float32(1e-35))
CATEGORICAL_BIT = 1
DEFAULT_LEFT_BIT = 2
GENERIC_BIT = 16
OUT_OF_RANGE_DEFAULT_BIT = 32


@njit(nogil=True, cache=True, inline="always")
def _generic_go_left(x, dtype, thr, cat_begin, cat_end, cat_words):
    default_left = (dtype & 2) != 0
    if x != x:
        return default_left
    if dtype & 1:
        oor_default = (dtype & 32) != 0
        if x < 0.0 or x >= 2147483648.0:
            return default_left if oor_default else False
        code = np.int64(x)
        if oor_default and code != x:
            return default_left
        word = code >> 5
        if word >= cat_end - cat_begin:
            return default_left if oor_default else False
        return ((np.int64(cat_words[cat_begin + word]) >> (code & 31)) & 1) == 1
    return x <= thr


@njit(nogil=True, cache=True, inline="always")
def go_left(x, dtype, thr, cat_begin, cat_end, cat_words):
    """LightGBM's Tree::Decision for one node (tree.h NumericalDecision / CategoricalDecision)."""
    if dtype & 16:
        return _generic_go_left(x, dtype, thr, cat_begin, cat_end, cat_words)
    # LightGBM's dense-row reader drops |x| <= kZeroThreshold, so such values arrive as 0.0.
    if -ZERO_THRESHOLD <= x <= ZERO_THRESHOLD:
        x = 0.0
    if dtype & 1:
        # NaN and negative categories go right; int(x) truncates toward zero like static_cast.
        if x != x or x <= -1.0 or x >= 2147483648.0:
            return False
        code = np.int64(x)
        word = code >> 5
        if word >= cat_end - cat_begin:
            return False
        return ((np.int64(cat_words[cat_begin + word]) >> (code & 31)) & 1) == 1
    missing = (dtype >> 2) & 3
    if x != x:
        if missing == 2:
            return (dtype & 2) != 0
        x = 0.0
    if missing == 1 and x == 0.0:
        return (dtype & 2) != 0
    return x <= thr
