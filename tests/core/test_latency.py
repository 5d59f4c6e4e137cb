"""Latency: ordered, positive percentiles; the run stops within its bound; budgets parse."""

from __future__ import annotations

import time

import numpy as np
import pandas as pd
import pytest

from app.core.base.errors import Cancelled
from app.core.data.align import align
from app.core.data.model_io import load_model
from app.core.production.latency import (
    BudgetError,
    Summary,
    format_report,
    iter_latency,
    measure_latency,
    parse_budget,
)


@pytest.fixture(scope="module")
def model_and_x(sample_model_path, sample_data_path):
    model = load_model(sample_model_path)
    frame = pd.read_parquet(sample_data_path).iloc[:500]
    return model, align(model, frame).X


@pytest.mark.parametrize(
    ("text", "percentile", "limit_ms"),
    [
        ("p99 < 20 ms", 99.0, 20.0),
        ("p99.9<5ms", 99.9, 5.0),
        ("P50 <= 300us", 50.0, 0.3),
        ("p95 < 0.1 s", 95.0, 100.0),
    ],
)
def test_parse_budget(text: str, percentile: float, limit_ms: float) -> None:
    budget = parse_budget(text)
    assert budget.percentile == percentile
    assert budget.limit_ms == pytest.approx(limit_ms)


@pytest.mark.parametrize("text", ["p99 20ms", "fast please", "p0 < 1 ms", "p99 < 20 minutes"])
def test_bad_budget_says_how_to_write_it(text: str) -> None:
    with pytest.raises(BudgetError, match=r"p99 < 20 ms|between 0 and 100"):
        parse_budget(text)


def test_budget_verdict_follows_the_percentile() -> None:
    times = np.array([1.0] * 98 + [10.0, 30.0])
    met, value = parse_budget("p50 < 2 ms").met_by(times)
    assert met and value == pytest.approx(1.0)
    met, value = parse_budget("p99.9 < 20 ms").met_by(times)
    assert not met and value == pytest.approx(np.percentile(times, 99.9))


def test_summary_histogram_covers_every_call() -> None:
    times = np.random.default_rng(0).lognormal(0, 1, 1000)
    summary = Summary.of(times)
    assert sum(summary.histogram_counts) == 1000
    assert summary.histogram_edges[0] <= times.min() and summary.histogram_edges[-1] >= times.max()


def test_latency_percentiles_ordered_and_run_respects_its_bound(model_and_x) -> None:
    model, X = model_and_x
    seconds = 3.0
    started = time.monotonic()
    report = measure_latency(
        model, X, seconds=seconds, single_calls=200, batch_sizes=(1, 10, 100), budget="p99<1s"
    )
    elapsed = time.monotonic() - started
    assert elapsed < seconds * 4 + 10  # it stops: generous slack for a loaded machine
    for summary in (report.predict_one, report.explain_one):
        assert summary is not None and summary.calls > 0
        order = [summary.p50, summary.p90, summary.p95, summary.p99, summary.p999, summary.max]
        assert all(v > 0 for v in order)
        assert order == sorted(order)
    measured = [p for p in report.predict_batches if not p.skipped]
    assert measured and all(p.latency_ms > 0 and p.throughput > 0 for p in measured)
    assert [p.batch_size for p in report.predict_batches] == [1, 10, 100]
    assert report.budget_met is not None and report.budget_value_ms > 0
    assert report.machine.logical_cores >= 1 and report.machine.libraries["lightgbm"]
    text = format_report(report)
    assert "p99.9" in text and "budget p99<1s" in text


def test_latency_cancels_between_calls(model_and_x) -> None:
    model, X = model_and_x
    calls = {"n": 0}

    def stop() -> bool:
        calls["n"] += 1
        return calls["n"] > 1

    with pytest.raises(Cancelled):
        measure_latency(model, X, seconds=60, single_calls=1000, should_stop=stop)


def test_iter_latency_reports_progress_fractions(model_and_x) -> None:
    model, X = model_and_x
    generator = iter_latency(
        model, X, seconds=1.0, single_calls=100, batch_sizes=(1, 10), explain=False
    )
    fractions = []
    while True:
        try:
            fractions.append(next(generator).done)
        except StopIteration as finished:
            report = finished.value
            break
    assert fractions == sorted(fractions) and fractions[-1] == 1.0
    assert report.explain_one is None and report.predict_one is not None
