"""The soak benchmark's memory trend (benchmarks/soak.py): given over the whole run and in the
steady state after a stated warm-up (the target's), per hour and per 1,000 actions."""

from __future__ import annotations

import math

from benchmarks.soak import (
    BATCH,
    MIN_STEADY_MINUTES,
    TARGET_MB_PER_HOUR,
    WARM_UP_MINUTES,
    SoakResult,
    rows_for,
    warm_up_seconds,
)

MB = 1024**2


def _result(warm_up_mb: float, mb_per_sample: float, minutes: float = 50.0) -> SoakResult:
    """A sample every 30 s; a one-off climb during the warm-up, then a steady slope."""
    samples = int(minutes * 2)
    result = SoakResult(
        actions=samples * BATCH, seconds=samples * 30.0, warm_up_s=warm_up_seconds(minutes)
    )
    rss = 500.0 * MB
    for k in range(samples):
        t = (k + 1) * 30.0
        rss += (warm_up_mb if t < result.warm_up_s else mb_per_sample) * MB
        result.samples.append((t, int(rss)))
        result.loads.append((t, 3.0 + k % 2))
    return result


def test_steady_state_trend_per_hour_and_per_thousand_actions() -> None:
    result = _result(warm_up_mb=20.0, mb_per_sample=0.5)  # 0.5 MB per 30 s and per 50 actions
    assert math.isclose(result.slope_mb_per_hour(), 60.0, rel_tol=1e-6)
    assert math.isclose(result.kb_per_thousand_actions(), 10 * 1024, rel_tol=1e-6)
    assert result.judged


def test_a_one_off_warm_up_climb_shows_in_the_whole_run_slope_only() -> None:
    result = _result(warm_up_mb=5.0, mb_per_sample=0.0)
    assert abs(result.slope_mb_per_hour()) < 1e-6
    assert result.slope_mb_per_hour(whole_run=True) > 100  # the step, seen as a slope
    _, _, whole, steady, objects, load = rows_for(_with_objects(result))
    assert steady.measured in ("+0 MB/hour", "-0 MB/hour")
    assert steady.goal == f"<= {TARGET_MB_PER_HOUR:.0f} MB/hour"
    assert f"minutes {WARM_UP_MINUTES:.0f}-50" in steady.target
    assert f"{WARM_UP_MINUTES:.0f}-min warm-up" in steady.target
    assert "RSS +0 MB" in steady.reference
    assert "whole run (minutes 0-50" in whole.target
    assert whole.measured.startswith("+") and whole.measured != "+0 MB/hour"
    assert objects.measured == "+200 per 1,000 actions"  # 300 objects over 1,500 actions
    assert load.measured.startswith("3.5 / 4.0 on ")


def _with_objects(result: SoakResult) -> SoakResult:
    result.objects = [(10 * BATCH, 270_000), (40 * BATCH, 270_300)]
    return result


def test_a_short_run_halves_its_warm_up_and_says_it_cannot_judge() -> None:
    minutes = 8.0
    assert warm_up_seconds(minutes) == 4 * 60
    assert warm_up_seconds(60.0) == WARM_UP_MINUTES * 60
    result = _result(warm_up_mb=5.0, mb_per_sample=0.0, minutes=minutes)
    assert not result.judged
    steady = rows_for(result)[3]
    assert "minutes 4-8" in steady.target
    assert f"too short to judge: needs {MIN_STEADY_MINUTES:.0f} min" in steady.measured


def test_too_few_samples_give_no_trend() -> None:
    result = SoakResult(seconds=60.0, samples=[(30.0, MB), (60.0, 2 * MB)], warm_up_s=30.0)
    assert math.isnan(result.slope_mb_per_hour())
