"""The vectorised Router routes every value exactly as each Split's own rule does (LightGBM's
zero and missing rules, XGBoost's strict float32 test, scikit-learn's float32 test)."""

from __future__ import annotations

import math

import numpy as np
from hypothesis import given
from hypothesis import strategies as st

from app.core.debugging.counterfactuals.trees import ZERO_THRESHOLD, Router, Split

values = st.one_of(
    st.floats(allow_nan=True, allow_infinity=False, width=64),
    st.sampled_from([0.0, -0.0, ZERO_THRESHOLD, -ZERO_THRESHOLD, 1e-40, 0.5, 1.5, 2.0, 3.0]),
)


def splits() -> list[Split]:
    out = []
    for t in (-1.5, 0.0, 0.5, 1.0 / 3.0, 2.0, 1e-36):
        for missing in (0, 1, 2):
            for default in (True, False):
                out.append(Split(0, t, default_left=default, lightgbm=True, missing_type=missing))
        for strict in (True, False):
            for f32 in (True, False):
                out.append(Split(0, float(np.float32(t)), strict=strict, float32=f32))
    out.append(Split(0, categories=frozenset({0, 3}), lightgbm=True))
    out.append(Split(0, categories=frozenset({1, 2}), in_left=False))
    return out


ROUTER = Router(splits())


@given(values)
def test_router_agrees_with_each_split(x: float) -> None:
    expected = tuple(s.goes_left(x) for s in ROUTER.splits)
    assert ROUTER.route(x) == expected


def test_lightgbm_rules_by_hand() -> None:
    zero_missing = Split(0, 5.0, default_left=False, lightgbm=True, missing_type=1)
    assert not zero_missing.goes_left(0.0) and zero_missing.goes_left(1.0)
    nan_as_zero = Split(0, -1.0, default_left=True, lightgbm=True, missing_type=0)
    assert not nan_as_zero.goes_left(math.nan)  # NaN reads as 0, and 0 > -1 goes right
    xgb = Split(0, 1.0, strict=True, float32=True)
    assert not xgb.goes_left(1.0) and xgb.goes_left(0.999)


def test_ortools_is_imported_only_when_a_search_needs_the_solver() -> None:
    """It takes about a second to import; the window lists the panel at start-up."""
    import subprocess
    import sys

    code = (
        "import sys, app.core.debugging.counterfactuals; "
        "assert 'ortools' not in sys.modules, 'ortools imported at start-up'"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
