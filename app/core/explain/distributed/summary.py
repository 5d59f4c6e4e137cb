"""The small summary written next to explained values: exact over all rows, merged from parts.

Every partition returns a `SummaryPartial` (sums, histograms, metric sums, a bottom-k sample);
partials merge associatively, so the driver folds them in as partitions finish and its memory
does not grow with the number of rows. `Summary` is what gets saved (summary.json +
summary.npz + sample.parquet) and what the desktop app reads back.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from app.core.base.atomic import write_stream_atomic, write_text_atomic
from app.core.base.input_gate import DATA, MANIFEST, open_input, read_input
from app.core.base.types import Unit
from app.core.explain.distributed.histogram import Axis, Histogram2D

SUMMARY_JSON = "summary.json"
SUMMARY_NPZ = "summary.npz"
SAMPLE_FILE = "sample.parquet"
SAMPLE_ROWS = 5_000
MAX_STRATA = 50


@dataclass
class SummaryPartial:
    """Mergeable statistics of some rows of an explained dataset."""

    n_rows: int
    abs_sum: np.ndarray  # float64 (features, outputs): sum of |SHAP|
    shap_sum: np.ndarray  # float64 (features, outputs): sum of SHAP
    histograms: list[list[Histogram2D]]  # [feature][output]
    metric_sums: dict[str, float] = field(default_factory=dict)  # "n", "correct", "log_loss", …
    strata_counts: dict[str, int] = field(default_factory=dict)
    sample: pd.DataFrame | None = None  # has "_priority" and "_stratum" columns
    sample_rows: int = SAMPLE_ROWS

    def merge(self, other: SummaryPartial) -> SummaryPartial:
        metrics = dict(self.metric_sums)
        for name, value in other.metric_sums.items():
            metrics[name] = metrics.get(name, 0.0) + value
        strata = dict(self.strata_counts)
        for name, count in other.strata_counts.items():
            strata[name] = strata.get(name, 0) + count
        frames = [f for f in (self.sample, other.sample) if f is not None and len(f)]
        sample = pd.concat(frames, ignore_index=True) if frames else self.sample
        return SummaryPartial(
            n_rows=self.n_rows + other.n_rows,
            abs_sum=self.abs_sum + other.abs_sum,
            shap_sum=self.shap_sum + other.shap_sum,
            histograms=[
                [a.merge(b) for a, b in zip(row_a, row_b, strict=True)]
                for row_a, row_b in zip(self.histograms, other.histograms, strict=True)
            ],
            metric_sums=metrics,
            strata_counts=strata,
            sample=bottom_k(sample, quota(strata, self.sample_rows)),
            sample_rows=self.sample_rows,
        )


def quota(strata_counts: dict[str, int], sample_rows: int) -> int:
    """Rows kept per stratum: equal allocation, so rare classes still get dots."""
    return max(1, -(-sample_rows // max(len(strata_counts), 1)))


def bottom_k(sample: pd.DataFrame | None, k: int) -> pd.DataFrame | None:
    """The k rows with the smallest random priority in each stratum: a uniform sample that merges
    exactly (the bottom k of a union is the bottom k of the parts' bottom k)."""
    if sample is None or not len(sample):
        return sample
    ordered = sample.sort_values(["_stratum", "_priority"], kind="stable")
    return ordered.groupby("_stratum", sort=False).head(k).reset_index(drop=True)


@dataclass
class Summary:
    """The finished summary of an explained dataset."""

    n_rows: int
    features: list[str]
    categories: list[list[str] | None]
    outputs: list[str]
    unit: Unit
    base_values: np.ndarray  # (outputs,)
    mean_abs: np.ndarray  # (features, outputs)
    mean: np.ndarray  # (features, outputs)
    histograms: list[list[Histogram2D]]
    metrics: dict[str, object]
    sample: pd.DataFrame  # key columns, value:<feature>, shap columns, raw_output, weight

    @staticmethod
    def from_partial(
        partial: SummaryPartial,
        features: list[str],
        categories: list[list[str] | None],
        outputs: list[str],
        unit: Unit,
        base_values: np.ndarray,
        metrics: dict[str, object],
    ) -> Summary:
        n = max(partial.n_rows, 1)
        sample = partial.sample if partial.sample is not None else pd.DataFrame()
        if len(sample):
            taken = sample.groupby("_stratum")["_stratum"].transform("size")
            population = sample["_stratum"].map(partial.strata_counts)
            sample = sample.assign(weight=(population / taken).astype(np.float64))
            sample = sample.drop(columns=["_priority"]).rename(columns={"_stratum": "stratum"})
        return Summary(
            n_rows=partial.n_rows,
            features=features,
            categories=categories,
            outputs=outputs,
            unit=unit,
            base_values=np.asarray(base_values, dtype=np.float64),
            mean_abs=partial.abs_sum / n,
            mean=partial.shap_sum / n,
            histograms=partial.histograms,
            metrics=metrics,
            sample=sample.reset_index(drop=True),
        )

    def histogram(self, feature: str, output: int = 0) -> Histogram2D:
        return self.histograms[self.features.index(feature)][output]

    def save(self, folder: Path) -> None:
        arrays: dict[str, np.ndarray] = {"mean_abs": self.mean_abs, "mean": self.mean}
        axes = []
        for j, per_output in enumerate(self.histograms):
            for k, hist in enumerate(per_output):
                arrays[f"counts_{j}_{k}"] = hist.counts
                arrays[f"missing_{j}_{k}"] = hist.missing
                axes.append([j, k, *_axis_json(hist.x), *_axis_json(hist.y)])
        write_stream_atomic(folder / SUMMARY_NPZ, lambda f: np.savez_compressed(f, **arrays))
        write_stream_atomic(folder / SAMPLE_FILE, lambda f: self.sample.to_parquet(f, index=False))
        document = {
            "version": 1,
            "n_rows": self.n_rows,
            "features": self.features,
            "categories": self.categories,
            "outputs": self.outputs,
            "unit": self.unit.value,
            "base_values": self.base_values.tolist(),
            "mean_abs": self.mean_abs.tolist(),
            "mean": self.mean.tolist(),
            "metrics": self.metrics,
            "histogram_axes": axes,
            "sample": {"file": SAMPLE_FILE, "rows": len(self.sample)},
        }
        write_text_atomic(folder / SUMMARY_JSON, json.dumps(document, indent=1))

    @staticmethod
    def load(folder: Path) -> Summary:
        document = json.loads(read_input(folder / SUMMARY_JSON, MANIFEST))
        n_features, n_outputs = len(document["features"]), len(document["outputs"])
        with open_input(folder / SUMMARY_NPZ, DATA) as handle, np.load(handle) as arrays:
            grid: list[list[Histogram2D | None]] = [[None] * n_outputs for _ in range(n_features)]
            for j, k, xe, xs, xn, xm, ye, ys, yn, ym in document["histogram_axes"]:
                grid[j][k] = Histogram2D(
                    Axis(xe, xs, xn, xm),
                    Axis(ye, ys, yn, ym),
                    arrays[f"counts_{j}_{k}"],
                    arrays[f"missing_{j}_{k}"],
                )
            mean_abs, mean = arrays["mean_abs"], arrays["mean"]
        return Summary(
            n_rows=int(document["n_rows"]),
            features=list(document["features"]),
            categories=list(document["categories"]),
            outputs=list(document["outputs"]),
            unit=Unit(document["unit"]),
            base_values=np.asarray(document["base_values"], dtype=np.float64),
            mean_abs=mean_abs,
            mean=mean,
            histograms=grid,  # type: ignore[arg-type]
            metrics=dict(document["metrics"]),
            sample=_read_sample(folder / SAMPLE_FILE),
        )


def _read_sample(path: Path) -> pd.DataFrame:
    with open_input(path, DATA) as handle:
        return pd.read_parquet(handle)


def _axis_json(axis: Axis) -> list[int]:
    return [axis.exp, axis.start, axis.n, axis.max_bins]
