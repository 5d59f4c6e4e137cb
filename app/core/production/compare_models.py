"""Two versions of a model on the same data: what got better, which rows flipped, what moved.

Metrics are computed here with scikit-learn (accuracy, ROC AUC, log-loss and Brier score for binary
models; accuracy and log-loss for multiclass; RMSE, MAE and R² for regression), for all rows and
per group of a sensitive column. A row "flips" when its predicted class differs (binary: at the
decision threshold; multiclass: the arg-max). Attribution is compared on the same sample of rows:
mean |SHAP| per feature for each model, and the mean per-row |φ_A − φ_B|, which also catches a
feature whose global importance stayed put while its per-row story changed. Single-row
prediction latency is measured for both models in the same job (app.core.production.latency, a few hundred
calls, bounded in seconds), and `aligned_waterfalls` explains one row with both models in the same
feature order so the two stories can be read side by side.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from app.core.base.errors import Cancelled, ShapLensError
from app.core.base.types import Task
from app.core.data.align import align
from app.core.data.labels import LabelError, encode_labels
from app.core.debugging.metrics import auc
from app.core.explain.models.base import ModelAdapter
from app.core.production.latency import Summary, measure_latency

SHAP_SAMPLE_ROWS = 2_000
MAX_GROUPS = 20
MISSING_GROUP = "(missing)"
LATENCY_CALLS = 300  # single-row predict calls per model
LATENCY_SECONDS = 1.0  # bound per model (iter_latency gives the predict stage ~45% of it)
LATENCY_STATS = ("p50", "p90", "p99", "max")


class CompareError(ShapLensError):
    """The two models (or the label) cannot be compared on this data."""


@dataclass
class MetricPair:
    name: str
    a: float
    b: float
    higher_is_better: bool

    @property
    def delta(self) -> float:
        return self.b - self.a

    @property
    def b_better(self) -> bool:
        return self.delta > 0 if self.higher_is_better else self.delta < 0


@dataclass
class GroupComparison:
    column: str
    group: str
    n: int
    flips: int
    metrics: list[MetricPair]


@dataclass
class FeatureChange:
    name: str
    importance_a: float  # mean |SHAP| (summed over outputs); 0 when the model lacks the feature
    importance_b: float
    mean_abs_change: float  # mean over sampled rows of |φ_A − φ_B|


@dataclass
class ModelComparison:
    name_a: str
    name_b: str
    task: Task
    n_rows: int
    threshold: float
    label_column: str | None
    prediction_a: np.ndarray  # (n_rows,) probability of the positive/top class, or value
    prediction_b: np.ndarray
    class_a: np.ndarray | None  # predicted class per row (classifiers)
    class_b: np.ndarray | None
    metrics: list[MetricPair]
    groups: list[GroupComparison] = field(default_factory=list)
    features: list[FeatureChange] = field(default_factory=list)  # largest change first
    shap_rows: int = 0
    latency_a: Summary | None = None  # single-row predict latency (ms); None when not measured
    latency_b: Summary | None = None

    def latency_table(self) -> list[tuple[str, float, float]]:
        """(statistic, A ms, B ms) for p50 / p90 / p99 / max; empty when not measured."""
        if self.latency_a is None or self.latency_b is None:
            return []
        a, b = self.latency_a, self.latency_b
        return [(k, float(getattr(a, k)), float(getattr(b, k))) for k in LATENCY_STATS]

    @property
    def flipped_rows(self) -> np.ndarray:
        if self.class_a is None or self.class_b is None:
            return np.empty(0, dtype=np.int64)
        return np.flatnonzero(self.class_a != self.class_b).astype(np.int64)

    @property
    def flip_rate(self) -> float:
        return self.flipped_rows.size / max(self.n_rows, 1)

    def largest_changes(self, n: int = 20) -> np.ndarray:
        """Row positions with the largest |prediction_b − prediction_a| (for regression)."""
        order = np.argsort(-np.abs(self.prediction_b - self.prediction_a), kind="stable")
        return order[:n].astype(np.int64)

    def changed_rows_frame(self, frame: pd.DataFrame, n: int = 50) -> pd.DataFrame:
        """Flipped rows (or largest changes) with both predictions, biggest change first."""
        rows = self.flipped_rows if self.class_a is not None else self.largest_changes(n)
        change = np.abs(self.prediction_b[rows] - self.prediction_a[rows])
        rows = rows[np.argsort(-change, kind="stable")][:n]
        out = frame.iloc[rows].copy()
        out.insert(0, "row", rows)
        out.insert(1, f"prediction {self.name_a}", self.prediction_a[rows])
        out.insert(2, f"prediction {self.name_b}", self.prediction_b[rows])
        return out

    def to_dict(self, max_rows: int = 1000) -> dict[str, object]:
        flips = self.flipped_rows
        return {
            "model_a": self.name_a,
            "model_b": self.name_b,
            "task": self.task.value,
            "rows": self.n_rows,
            "threshold": self.threshold,
            "label": self.label_column,
            "metrics": [
                {"name": m.name, "a": m.a, "b": m.b, "delta": m.delta} for m in self.metrics
            ],
            "flips": int(flips.size),
            "flip_rate": self.flip_rate,
            "flipped_rows": flips[:max_rows].tolist(),
            "mean_abs_prediction_change": float(
                np.mean(np.abs(self.prediction_b - self.prediction_a))
            ),
            "groups": [
                {
                    "column": g.column,
                    "group": g.group,
                    "rows": g.n,
                    "flips": g.flips,
                    "metrics": [{"name": m.name, "a": m.a, "b": m.b} for m in g.metrics],
                }
                for g in self.groups
            ],
            "features": [vars(f).copy() for f in self.features],
            "shap_rows": self.shap_rows,
            "latency_ms": {
                "calls": [
                    s.calls if s is not None else 0 for s in (self.latency_a, self.latency_b)
                ],
                **{k: {"a": a, "b": b} for k, a, b in self.latency_table()},
            },
        }


def encode_label(y: pd.Series, task: Task, n_outputs: int) -> np.ndarray:
    """Labels as floats (see app.core.data.labels), worded as a comparison error."""
    try:
        return encode_labels(y, task, max(n_outputs, 2))
    except LabelError as error:
        raise CompareError(str(error)) from error


def _metrics(task: Task, y: np.ndarray, prob: np.ndarray, threshold: float) -> dict[str, float]:
    """Metrics on rows with a label; `prob` is (n, n_outputs) probabilities or (n, 1) values."""
    # Imported here: scikit-learn takes seconds to import, and the window and most commands
    # import this module (for its result types) long before anyone compares two models.
    from sklearn import metrics as skm

    ok = ~np.isnan(y)
    y, prob = y[ok], prob[ok]
    if y.size == 0:
        return {}
    if task is Task.REGRESSION:
        pred = prob[:, 0]
        return {
            "RMSE": float(np.sqrt(skm.mean_squared_error(y, pred))),
            "MAE": float(skm.mean_absolute_error(y, pred)),
            "R²": float(skm.r2_score(y, pred)) if y.size > 1 else float("nan"),
        }
    if task is Task.BINARY:
        p = np.clip(prob[:, 0], 1e-15, 1 - 1e-15)
        out = {"accuracy": float(np.mean((p >= threshold) == (y == 1)))}
        both = np.unique(y).size == 2
        out["AUC"] = auc(y, p) if both else float("nan")
        out["log-loss"] = float(skm.log_loss(y, p, labels=[0, 1]))
        out["Brier"] = float(np.mean((p - y) ** 2))
        return out
    p = np.clip(prob, 1e-15, 1.0)
    p = p / p.sum(axis=1, keepdims=True)
    return {
        "accuracy": float(np.mean(p.argmax(axis=1) == y)),
        "log-loss": float(skm.log_loss(y, p, labels=list(range(p.shape[1])))),
    }


_HIGHER_IS_BETTER = {"accuracy": True, "AUC": True, "R²": True}


def _pairs(a: dict[str, float], b: dict[str, float]) -> list[MetricPair]:
    return [MetricPair(k, a[k], b[k], _HIGHER_IS_BETTER.get(k, False)) for k in a if k in b]


def _classes(task: Task, prob: np.ndarray, threshold: float) -> np.ndarray | None:
    if task is Task.BINARY:
        return (prob[:, 0] >= threshold).astype(np.int64)
    if task is Task.MULTICLASS:
        return prob.argmax(axis=1).astype(np.int64)
    return None


def _shown(task: Task, prob: np.ndarray) -> np.ndarray:
    """One number per row to show: positive-class probability, top-class probability, value."""
    return prob.max(axis=1) if task is Task.MULTICLASS else prob[:, 0]


def _attribution(
    model_a: ModelAdapter, X_a: np.ndarray, model_b: ModelAdapter, X_b: np.ndarray
) -> list[FeatureChange]:
    values_a, _ = model_a.contributions(X_a)
    values_b, _ = model_b.contributions(X_b)
    # Sum over outputs: one number per row and feature, comparable between the two models.
    per_a = dict(zip(model_a.feature_names, values_a.sum(axis=2).T, strict=True))
    per_b = dict(zip(model_b.feature_names, values_b.sum(axis=2).T, strict=True))
    imp_a = dict(zip(model_a.feature_names, np.abs(values_a).mean(axis=0).sum(axis=1), strict=True))
    imp_b = dict(zip(model_b.feature_names, np.abs(values_b).mean(axis=0).sum(axis=1), strict=True))
    names = list(dict.fromkeys([*model_a.feature_names, *model_b.feature_names]))
    zeros = np.zeros(X_a.shape[0], dtype=np.float32)
    out = [
        FeatureChange(
            name=name,
            importance_a=float(imp_a.get(name, 0.0)),
            importance_b=float(imp_b.get(name, 0.0)),
            mean_abs_change=float(
                np.mean(np.abs(per_a.get(name, zeros).astype(np.float64) - per_b.get(name, zeros)))
            )
            if X_a.shape[0]
            else 0.0,
        )
        for name in names
    ]
    return sorted(out, key=lambda f: (-f.mean_abs_change, f.name))


def compare_models(
    model_a: ModelAdapter,
    model_b: ModelAdapter,
    frame: pd.DataFrame,
    *,
    label: str | None = None,
    sensitive: str | None = None,
    threshold: float = 0.5,
    shap_rows: int = SHAP_SAMPLE_ROWS,
    names: tuple[str, str] = ("A", "B"),
    seed: int = 0,
    latency_calls: int = LATENCY_CALLS,
    latency_seconds: float = LATENCY_SECONDS,
    on_progress: Callable[[int, int], None] | None = None,
    should_stop: Callable[[], bool] | None = None,
) -> ModelComparison:
    """Compare two models on `frame` (each aligned to its own features)."""
    if model_a.task is not model_b.task or model_a.n_outputs != model_b.n_outputs:
        raise CompareError(
            f"The models do different jobs ({model_a.task.value} with {model_a.n_outputs} "
            f"outputs vs {model_b.task.value} with {model_b.n_outputs}); compare versions of "
            "the same model."
        )
    if sensitive is not None and sensitive not in frame.columns:
        raise CompareError(f"Sensitive column '{sensitive}' is not in the dataset.")
    task = model_a.task
    steps = 5 if latency_calls > 0 else 4

    def tick(done: int) -> None:
        if on_progress is not None:
            on_progress(done, steps)
        if should_stop is not None and should_stop():
            raise Cancelled()

    data_a = align(model_a, frame, label=label)
    data_b = align(model_b, frame, label=label)
    label_column = data_a.label_column
    prob_a = model_a.raw_to_prediction(model_a.predict_raw(data_a.X))
    tick(1)
    prob_b = model_b.raw_to_prediction(model_b.predict_raw(data_b.X))
    tick(2)
    y = (
        encode_label(frame[label_column], task, model_a.n_outputs)
        if label_column is not None
        else None
    )
    metrics = (
        _pairs(_metrics(task, y, prob_a, threshold), _metrics(task, y, prob_b, threshold))
        if y is not None
        else []
    )
    class_a, class_b = _classes(task, prob_a, threshold), _classes(task, prob_b, threshold)
    groups: list[GroupComparison] = []
    if sensitive is not None:
        keys = frame[sensitive].astype("string").fillna(MISSING_GROUP).to_numpy(dtype=object)
        values, counts = np.unique(keys, return_counts=True)
        for value in values[np.argsort(-counts, kind="stable")][:MAX_GROUPS]:
            rows = keys == value
            flips = int(np.sum(class_a[rows] != class_b[rows])) if class_a is not None else 0
            pairs = (
                _pairs(
                    _metrics(task, y[rows], prob_a[rows], threshold),
                    _metrics(task, y[rows], prob_b[rows], threshold),
                )
                if y is not None
                else []
            )
            groups.append(GroupComparison(sensitive, str(value), int(rows.sum()), flips, pairs))
    tick(3)
    sample = np.arange(len(frame))
    if sample.size > shap_rows:
        sample = np.sort(np.random.default_rng(seed).choice(sample.size, shap_rows, replace=False))
    features = _attribution(model_a, data_a.X[sample], model_b, data_b.X[sample])
    tick(4)
    latency_a = latency_b = None
    if latency_calls > 0 and len(frame):
        # Same rows for both models, one model after the other on the same machine.
        rows = sample[: min(latency_calls, sample.size)]
        latency_a = _latency(model_a, data_a.X[rows], latency_calls, latency_seconds, should_stop)
        latency_b = _latency(model_b, data_b.X[rows], latency_calls, latency_seconds, should_stop)
        tick(5)
    return ModelComparison(
        name_a=names[0],
        name_b=names[1],
        task=task,
        n_rows=len(frame),
        threshold=threshold,
        label_column=label_column,
        prediction_a=_shown(task, prob_a),
        prediction_b=_shown(task, prob_b),
        class_a=class_a,
        class_b=class_b,
        metrics=metrics,
        groups=groups,
        features=features,
        shap_rows=int(sample.size),
        latency_a=latency_a,
        latency_b=latency_b,
    )


def _latency(
    model: ModelAdapter,
    X: np.ndarray,
    calls: int,
    seconds: float,
    should_stop: Callable[[], bool] | None,
) -> Summary | None:
    report = measure_latency(
        model, X, seconds=seconds, single_calls=calls, batch_sizes=(), explain=False,
        should_stop=should_stop,
    )  # fmt: skip
    return report.predict_one
