"""The soak benchmark's memory trend (benchmarks/soak.py): the slope ignores the warm-up and is
given per hour and per 1,000 actions."""

from __future__ import annotations

import math

from benchmarks.soak import BATCH, TARGET_MB_PER_HOUR, SoakResult, rows_for

MB = 1024**2


def _result(warm_up_mb: float, mb_per_sample: float, samples: int = 40) -> SoakResult:
    """A sample every 30 s; the first quarter climbs steeply (warm-up), then a steady slope."""
    result = SoakResult(actions=samples * BATCH, seconds=samples * 30.0)
    rss = 500.0 * MB
    for k in range(samples):
        t = (k + 1) * 30.0
        rss += (warm_up_mb if t < result.warm_up_s else mb_per_sample) * MB
        result.samples.append((t, int(rss)))
    return result


def test_trend_after_warm_up_per_hour_and_per_thousand_actions() -> None:
    result = _result(warm_up_mb=20.0, mb_per_sample=0.5)  # 0.5 MB per 30 s and per 50 actions
    assert math.isclose(result.slope_mb_per_hour(), 60.0, rel_tol=1e-6)
    assert math.isclose(result.kb_per_thousand_actions(), 10 * 1024, rel_tol=1e-6)


def test_flat_memory_after_warm_up_meets_the_target_and_the_row_says_so() -> None:
    result = _result(warm_up_mb=20.0, mb_per_sample=0.0)
    assert abs(result.slope_mb_per_hour()) < 1e-6
    result.objects = [(10 * BATCH, 270_000), (40 * BATCH, 270_300)]
    *_, trend, objects = rows_for(result)
    assert trend.measured in ("+0 MB/hour", "-0 MB/hour")
    assert trend.goal == f"<= {TARGET_MB_PER_HOUR:.0f} MB/hour"
    assert "minutes 5-20" in trend.target
    assert objects.measured == "+200 per 1,000 actions"  # 300 objects over 1,500 actions


def test_too_few_samples_give_no_trend() -> None:
    assert math.isnan(
        SoakResult(seconds=60.0, samples=[(30.0, MB), (60.0, 2 * MB)]).slope_mb_per_hour()
    )
