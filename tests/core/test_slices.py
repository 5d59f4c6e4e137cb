"""Error slices: a planted bad slice is found first, numbers match a direct computation."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from app.core.debugging.filters import filter_mask
from app.core.debugging.slices import MIN_RELIABLE, bin_column, error_slices, wilson_interval
from tests.core import _adult


def planted(n: int = 4000, seed: int = 0) -> tuple[pd.DataFrame, np.ndarray]:
    rng = np.random.default_rng(seed)
    frame = pd.DataFrame(
        {
            "colour": rng.choice(["red", "green", "blue"], n),
            "size": rng.uniform(0, 100, n),
            "noise": rng.normal(size=n),
        }
    )
    bad = (frame.colour == "red") & (frame["size"] > 80)
    p = np.where(bad, 0.6, 0.05)
    return frame, (rng.random(n) < p).astype(float)


def test_wilson_interval_known_values() -> None:
    low, high = wilson_interval(np.array([5, 0]), np.array([10, 20]))
    assert low[0] == pytest.approx(0.2366, abs=1e-4) and high[0] == pytest.approx(0.7634, abs=1e-4)
    assert low[1] == 0 and high[1] == pytest.approx(0.1611, abs=1e-4)


def test_planted_slice_is_found_first() -> None:
    frame, mistakes = planted()
    found = error_slices(frame, ["colour", "size", "noise"], mistakes, top=5)
    best = found[0]
    assert set(best.features) == {"colour", "size"}
    assert "red" in best.description and "size in [" in best.description
    rows = filter_mask(best.expression, frame)
    assert rows.sum() == best.count
    assert best.rate == pytest.approx(mistakes[rows].mean())
    assert best.lift == pytest.approx(best.rate / mistakes.mean())
    assert best.lift > 4 and not best.unreliable
    assert best.ci_low < best.rate < best.ci_high
    rates = [s.rate for s in found if not s.unreliable]
    assert rates == sorted(rates, reverse=True)


def test_small_slices_are_flagged_and_listed_after_reliable_ones() -> None:
    frame, mistakes = planted(600)
    frame.loc[:9, "colour"] = "violet"  # 10 rows: a tiny level
    mistakes[:10] = 1.0  # ...all wrong: the highest rate, but not to be trusted
    found = error_slices(frame, ["colour"], mistakes, pairs=False, top=None)
    violet = next(s for s in found if "violet" in s.description)
    assert violet.count == 10 and violet.rate == 1.0 and violet.unreliable
    assert found[-1].unreliable and not found[0].unreliable
    assert all(s.unreliable for s in found if s.count < MIN_RELIABLE)


def test_rows_restriction_and_missing_values() -> None:
    frame, mistakes = planted(1000)
    frame.loc[::7, "size"] = np.nan
    only = np.arange(500)
    found = error_slices(frame, ["size"], mistakes, rows=only, pairs=False, top=None)
    assert sum(s.count for s in found) == 500  # bins partition the chosen rows
    missing = next(s for s in found if s.description == "size is missing")
    assert missing.count == len(range(0, 500, 7))
    assert filter_mask(missing.expression, frame)[only].sum() == missing.count


def test_bins_are_quantiles_and_levels() -> None:
    binned = bin_column(pd.Series(np.arange(100.0), name="v"), bins=4)
    assert np.bincount(binned.codes).tolist() == [25, 25, 25, 25]
    assert binned.descriptions[-1] == "v in [74.25, 99]"
    few = bin_column(pd.Series([1, 2, 2, 3], name="k"), bins=5)
    assert few.descriptions == ["k == 2", "k == 1", "k == 3"]


def test_regression_ranks_by_mean_error() -> None:
    frame, _ = planted(2000)
    error = np.where(frame.colour == "blue", 3.0, 1.0) + np.random.default_rng(2).random(2000)
    found = error_slices(frame, ["colour"], error, binary=False, pairs=False)
    assert found[0].description == 'colour == "blue"'
    assert found[0].rate == pytest.approx(error[frame.colour == "blue"].mean())


def test_adult_slices_have_consistent_expressions() -> None:
    model, data = _adult.model_and_data()
    ev = _adult.evaluation(0.5)
    mistakes = np.where(ev.has_label, (~ev.correct).astype(float), np.nan)
    found = error_slices(data.frame, model.feature_names, mistakes, top=20)
    assert len(found) == 20
    overall = mistakes.mean()
    for s in found[:5]:
        rows = filter_mask(s.expression, data.frame)
        assert rows.sum() == s.count
        assert mistakes[rows].mean() == pytest.approx(s.rate)
        assert s.rate > 1.5 * overall
