"""How fast is the model in production? Single-row and batch latency, bounded in time.

Four stages share the time bound: single-row prediction (up to 1,000 calls), single-row
explanation (`contributions_one`), then batch prediction and batch explanation for batch sizes
1 … 10,000. Each call is timed with `time.perf_counter`; rows cycle through the loaded data so
caches see real variety. A stage stops when its share of the time is spent; a batch size whose
estimated duration (from the previous size's per-row cost) would overrun the stage is skipped and
reported as skipped, because one call cannot be interrupted. The report states the machine and
thread count, since a latency number without them cannot be compared with anything.

`iter_latency` is a generator (progress between calls, for app.workers); `measure_latency` runs it
with callbacks for the CLI.
"""

from __future__ import annotations

import os
import platform
import re
import sys
import time
from collections.abc import Callable, Generator
from dataclasses import asdict, dataclass, field
from importlib import metadata

import numpy as np

from app.core.base.errors import Cancelled, ShapLensError
from app.core.explain.models.base import ModelAdapter

SINGLE_CALLS = 1_000
BATCH_SIZES = (1, 10, 100, 1_000, 10_000)
BATCH_REPEATS = 5
WARMUP_CALLS = 5
HISTOGRAM_BINS = 40
PERCENTILES = (50.0, 90.0, 95.0, 99.0, 99.9)
# Shares of the time bound per stage: predict-one, explain-one, predict batches, explain batches.
STAGE_SHARES = (0.2, 0.2, 0.25, 0.35)
LIBRARIES = ("numpy", "pandas", "lightgbm", "xgboost", "catboost", "scikit-learn", "shap", "numba")


class BudgetError(ShapLensError):
    """A latency budget could not be read."""


@dataclass
class Budget:
    percentile: float  # e.g. 99.0 for "p99"
    limit_ms: float
    text: str

    def met_by(self, times_ms: np.ndarray) -> tuple[bool, float]:
        value = float(np.percentile(times_ms, self.percentile))
        return value < self.limit_ms, value


_BUDGET = re.compile(
    r"^\s*p(?P<p>\d+(?:\.\d+)?)\s*(?:<=?)\s*(?P<v>\d+(?:\.\d+)?)\s*(?P<u>us|µs|ms|s)\s*$",
    re.IGNORECASE,
)
_UNIT_MS = {"us": 1e-3, "µs": 1e-3, "ms": 1.0, "s": 1e3}


def parse_budget(text: str) -> Budget:
    """Read a budget such as "p99 < 20 ms", "p99.9<5ms", "p50 <= 300us" or "p95 < 0.1 s"."""
    match = _BUDGET.match(text)
    if match is None:
        raise BudgetError(
            f'Cannot read the latency budget {text!r}; write it like "p99 < 20 ms" '
            "(a percentile, '<', a number and a unit: us, ms or s)."
        )
    p = float(match["p"])
    if not 0 < p <= 100:
        raise BudgetError(f"The budget's percentile must be between 0 and 100, got p{match['p']}.")
    return Budget(p, float(match["v"]) * _UNIT_MS[match["u"].lower()], text.strip())


@dataclass
class Summary:
    """Percentiles of one stage's call times, in milliseconds."""

    calls: int
    p50: float
    p90: float
    p95: float
    p99: float
    p999: float
    max: float
    mean: float
    histogram_edges: list[float]  # log-spaced, ms
    histogram_counts: list[int]

    @classmethod
    def of(cls, times_ms: np.ndarray) -> Summary:
        q = np.percentile(times_ms, PERCENTILES)
        lo, hi = float(times_ms.min()), float(times_ms.max())
        edges = np.geomspace(max(lo, 1e-6), max(hi, lo * 1.0001, 1e-6 * 1.0001), HISTOGRAM_BINS + 1)
        counts = np.histogram(np.clip(times_ms, edges[0], edges[-1]), edges)[0]
        return cls(
            int(times_ms.size), *(float(v) for v in q), hi, float(times_ms.mean()),
            edges.tolist(), counts.tolist(),
        )  # fmt: skip


@dataclass
class BatchPoint:
    batch_size: int
    calls: int
    latency_ms: float  # median time per call
    throughput: float  # rows per second at that median
    skipped: bool = False  # not run: it would have overrun the time bound


@dataclass
class MachineInfo:
    cpu: str
    logical_cores: int
    physical_cores: int | None
    python: str
    platform: str
    threads: str
    libraries: dict[str, str] = field(default_factory=dict)


@dataclass
class LatencyReport:
    machine: MachineInfo
    rows_available: int
    seconds_limit: float
    elapsed_s: float
    predict_one: Summary | None = None
    explain_one: Summary | None = None
    predict_batches: list[BatchPoint] = field(default_factory=list)
    explain_batches: list[BatchPoint] = field(default_factory=list)
    budget: Budget | None = None
    budget_value_ms: float | None = None  # the budget's percentile, measured
    budget_met: bool | None = None

    def to_dict(self) -> dict[str, object]:
        return asdict(self)


@dataclass
class LatencyProgress:
    stage: str
    done: float  # fraction of the whole run, 0..1
    message: str


def cpu_name() -> str:
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as handle:
            for line in handle:
                if line.lower().startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def machine_info() -> MachineInfo:
    """CPU, cores, Python, library versions and the thread count predictions run with."""
    import psutil

    libraries = {}
    for name in LIBRARIES:
        try:
            libraries[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            continue
    # LightGBM/XGBoost predict with OpenMP: one thread per core unless OMP_NUM_THREADS says
    # otherwise (a num_threads stored in a model file is a training setting, not used here).
    omp = os.environ.get("OMP_NUM_THREADS")
    threads_text = f"{omp} (OMP_NUM_THREADS)" if omp else f"{os.cpu_count()} (one per core)"
    return MachineInfo(
        cpu=cpu_name(),
        logical_cores=os.cpu_count() or 1,
        physical_cores=psutil.cpu_count(logical=False),
        python=sys.version.split()[0],
        platform=platform.platform(terse=True),
        threads=threads_text,
        libraries=libraries,
    )


def _rows(X: np.ndarray, size: int, start: int) -> np.ndarray:
    """`size` rows starting at `start`, wrapping around (a C-contiguous copy, made untimed)."""
    idx = (start + np.arange(size)) % X.shape[0]
    return np.ascontiguousarray(X[idx])


def _single(
    call: Callable[[np.ndarray], object],
    X: np.ndarray,
    n_calls: int,
    deadline: float,
    stop: Callable[[], bool],
    stage: str,
    base: float,
    span: float,
) -> Generator[LatencyProgress, None, np.ndarray]:
    clock = time.perf_counter
    rows = [_rows(X, 1, i)[0] for i in range(min(n_calls, X.shape[0]))]
    for i in range(WARMUP_CALLS):
        call(rows[i % len(rows)])
    times = np.empty(n_calls)
    done = 0
    while done < n_calls and (done < 3 or clock() < deadline):  # a few calls, always
        x = rows[done % len(rows)]
        t0 = clock()
        call(x)
        times[done] = clock() - t0
        done += 1
        if done % 50 == 0:
            if stop():
                raise Cancelled()
            yield LatencyProgress(stage, base + span * done / n_calls, f"{stage}: {done} calls")
    return times[:done] * 1e3


def _batches(
    call: Callable[[np.ndarray], object],
    X: np.ndarray,
    sizes: tuple[int, ...],
    deadline: float,
    stop: Callable[[], bool],
    stage: str,
    base: float,
    span: float,
) -> Generator[LatencyProgress, None, list[BatchPoint]]:
    clock = time.perf_counter
    points: list[BatchPoint] = []
    per_row = 0.0  # seconds per row at the previous size: predicts the next size's cost
    for n, size in enumerate(sizes):
        batch = _rows(X, size, 0)
        # The first size is always measured (as a few single calls always are): a report whose
        # every batch was skipped because earlier stages ran late says nothing.
        if n and clock() + per_row * size * 1.5 > deadline:
            points.append(BatchPoint(size, 0, float("nan"), float("nan"), skipped=True))
            continue
        call(batch[: min(size, 10)])  # warm-up on a small slice: the full call costs real time
        times = []
        while len(times) < BATCH_REPEATS:
            t0 = clock()
            call(batch)
            times.append(clock() - t0)
            if stop():
                raise Cancelled()
            if clock() + times[-1] > deadline:
                break
        median = float(np.median(times))
        per_row = median / size
        points.append(BatchPoint(size, len(times), median * 1e3, size / max(median, 1e-12)))
        yield LatencyProgress(
            stage, base + span * (n + 1) / len(sizes), f"{stage}: batch size {size:,}"
        )
    return points


def iter_latency(
    model: ModelAdapter,
    X: np.ndarray,
    *,
    seconds: float = 30.0,
    single_calls: int = SINGLE_CALLS,
    batch_sizes: tuple[int, ...] = BATCH_SIZES,
    explain: bool = True,
    budget: Budget | str | None = None,
    should_stop: Callable[[], bool] | None = None,
) -> Generator[LatencyProgress, None, LatencyReport]:
    """Measure latency within about `seconds`; yields progress, returns the LatencyReport.

    The budget, if any, is checked against single-row prediction latency: that is what an
    online service answers per request.
    """
    if X.ndim != 2 or X.shape[0] == 0:
        raise ShapLensError("Latency needs data with at least one row to predict on.")
    if isinstance(budget, str):
        budget = parse_budget(budget)
    stop = should_stop or (lambda: False)
    start = time.perf_counter()
    report = LatencyReport(machine_info(), int(X.shape[0]), float(seconds), 0.0)
    report.budget = budget
    shares = STAGE_SHARES if explain else (0.45, 0.0, 0.55, 0.0)
    ends = start + seconds * np.cumsum(shares)
    bases = np.concatenate([[0.0], np.cumsum(shares)[:-1]])

    def predict_one(x: np.ndarray) -> object:
        return model.predict_raw(x.reshape(1, -1))

    times = yield from _single(
        predict_one, X, single_calls, ends[0], stop, "predict one row", bases[0], shares[0]
    )
    report.predict_one = Summary.of(times)
    if budget is not None:
        report.budget_met, report.budget_value_ms = budget.met_by(times)
    if explain:
        times = yield from _single(
            model.contributions_one, X, single_calls, ends[1], stop, "explain one row",
            bases[1], shares[1],
        )  # fmt: skip
        report.explain_one = Summary.of(times)
    report.predict_batches = yield from _batches(
        model.predict_raw, X, batch_sizes, ends[2], stop, "predict batches", bases[2], shares[2]
    )
    if explain:
        report.explain_batches = yield from _batches(
            model.contributions, X, batch_sizes, ends[3], stop, "explain batches",
            bases[3], shares[3],
        )  # fmt: skip
    report.elapsed_s = time.perf_counter() - start
    yield LatencyProgress("done", 1.0, "done")
    return report


def measure_latency(
    model: ModelAdapter,
    X: np.ndarray,
    *,
    on_progress: Callable[[LatencyProgress], None] | None = None,
    should_stop: Callable[[], bool] | None = None,
    **options: object,
) -> LatencyReport:
    """Run iter_latency to the end (CLI and tests); options as for iter_latency."""
    generator = iter_latency(model, X, should_stop=should_stop, **options)  # type: ignore[arg-type]
    while True:
        try:
            progress = next(generator)
        except StopIteration as finished:
            return finished.value
        if on_progress is not None:
            on_progress(progress)


def format_report(report: LatencyReport) -> str:
    """Plain-text summary for the terminal."""
    m = report.machine
    lines = [
        f"machine: {m.cpu}, {m.logical_cores} logical cores, Python {m.python}, "
        f"threads {m.threads}",
        "libraries: " + ", ".join(f"{k} {v}" for k, v in m.libraries.items()),
        f"data: {report.rows_available:,} rows; measured for {report.elapsed_s:.1f} s "
        f"(limit {report.seconds_limit:g} s)",
        "",
        f"{'single row':<18}{'calls':>7}{'p50':>9}{'p90':>9}{'p95':>9}{'p99':>9}{'p99.9':>9}"
        f"{'max':>9}   (ms)",
    ]
    for name, s in (("predict", report.predict_one), ("explain", report.explain_one)):
        if s is not None:
            values = (s.p50, s.p90, s.p95, s.p99, s.p999, s.max)
            lines.append(f"{name:<18}{s.calls:>7}" + "".join(f"{v:>9.3f}" for v in values))
    for name, points in (("predict", report.predict_batches), ("explain", report.explain_batches)):
        if not points:
            continue
        lines += ["", f"{name + ' batches':<18}{'calls':>7}{'ms/call':>12}{'rows/s':>14}"]
        for p in points:
            if p.skipped:
                lines.append(f"{p.batch_size:<18,}{'skipped (would exceed the time bound)':>33}")
            else:
                lines.append(
                    f"{p.batch_size:<18,}{p.calls:>7}{p.latency_ms:>12.3f}{p.throughput:>14,.0f}"
                )
    if report.budget is not None:
        verdict = "MET" if report.budget_met else "NOT MET"
        lines += [
            "",
            f"budget {report.budget.text}: single-row prediction p{report.budget.percentile:g} = "
            f"{report.budget_value_ms:.3f} ms -> {verdict}",
        ]
    return "\n".join(lines)
