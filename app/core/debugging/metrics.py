"""Per-row outcomes of a model against a label: error, correctness, confidence, and the summary
metrics built from them (confusion matrix at a threshold, accuracy, TPR, FPR, precision ...).

Everything is vectorised numpy so it reruns instantly when the user drags the threshold.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from app.core.base.types import Task
from app.core.data.labels import LabelError
from app.core.data.labels import encode_labels as encode_labels  # the metrics' own callers

_EPS = 1e-15


@dataclass
class Evaluation:
    """Row-level outcomes. Arrays have one entry per dataset row; rows without a label are NaN
    (error, confidence) or False (correct) and `has_label` says which rows count."""

    task: Task
    y_true: np.ndarray  # float64: class index or target value, NaN when missing
    score: np.ndarray  # binary: P(positive); multiclass: (n, k) probabilities; regression: value
    predicted: np.ndarray  # class index (int64) or predicted value (float64)
    correct: np.ndarray  # bool; for regression: error below the median error
    error: np.ndarray  # log-loss per row (classifiers) or |y - prediction| (regression)
    confidence: np.ndarray  # probability of the predicted class; NaN for regression
    has_label: np.ndarray  # bool
    threshold: float = 0.5

    @property
    def n_rows(self) -> int:
        return int(self.y_true.size)

    @property
    def is_classifier(self) -> bool:
        return self.task is not Task.REGRESSION

    @property
    def misclassified(self) -> np.ndarray:
        return self.has_label & ~self.correct


def evaluate(
    predictions: np.ndarray, y_true: np.ndarray, task: Task, threshold: float = 0.5
) -> Evaluation:
    """Outcomes of every row. `predictions` is (n, k) as AppState.predictions() returns it:
    probabilities for classifiers, values for regression; `y_true` as from encode_labels."""
    pred = np.asarray(predictions, dtype=np.float64)
    if pred.ndim == 1:
        pred = pred[:, None]
    y = np.asarray(y_true, dtype=np.float64)
    has = ~np.isnan(y)
    if task is Task.REGRESSION:
        value = pred[:, 0]
        error = np.abs(y - value)
        known = error[has]
        # "Correct" has no natural meaning for regression; below-median error is a usable proxy
        # for the presets and neighbour search, and it is documented as such.
        cut = float(np.median(known)) if known.size else 0.0
        correct = has & (error <= cut)
        conf = np.full(y.size, np.nan)
        return Evaluation(task, y, value, value, correct, error, conf, has, threshold)
    if task is Task.BINARY:
        p = pred[:, 0]
        predicted = (p >= threshold).astype(np.int64)
        pc = np.clip(p, _EPS, 1 - _EPS)
        error = np.where(y == 1, -np.log(pc), -np.log(1 - pc))
        conf = np.where(predicted == 1, p, 1 - p)
        score = p
    else:
        predicted = np.argmax(pred, axis=1).astype(np.int64)
        idx = np.where(has, y, 0).astype(np.int64)
        p_true = np.clip(pred[np.arange(y.size), idx], _EPS, 1.0)
        error = -np.log(p_true)
        conf = pred[np.arange(y.size), predicted]
        score = pred
    error = np.where(has, error, np.nan)
    correct = has & (predicted == y)
    return Evaluation(task, y, score, predicted, correct, error, conf, has, float(threshold))


def with_threshold(evaluation: Evaluation, threshold: float) -> Evaluation:
    """The same rows judged at another decision threshold (binary models only)."""
    if evaluation.task is not Task.BINARY:
        return evaluation
    p = evaluation.score
    predicted = (p >= threshold).astype(np.int64)
    correct = evaluation.has_label & (predicted == evaluation.y_true)
    conf = np.where(predicted == 1, p, 1 - p)
    return Evaluation(
        evaluation.task,
        evaluation.y_true,
        p,
        predicted,
        correct,
        evaluation.error,
        conf,
        evaluation.has_label,
        float(threshold),
    )


def _rows_mask(n: int, rows: np.ndarray | None) -> np.ndarray:
    if rows is None:
        return np.ones(n, dtype=bool)
    mask = np.zeros(n, dtype=bool)
    mask[np.asarray(rows, dtype=np.int64)] = True
    return mask


def confusion_matrix(
    evaluation: Evaluation, rows: np.ndarray | None = None, n_classes: int | None = None
) -> np.ndarray:
    """Counts [true class, predicted class] (scikit-learn's layout: [[TN, FP], [FN, TP]])."""
    if not evaluation.is_classifier:
        raise LabelError("A confusion matrix needs a classifier; this model predicts values.")
    k = n_classes or (2 if evaluation.task is Task.BINARY else evaluation.score.shape[1])
    use = _rows_mask(evaluation.n_rows, rows) & evaluation.has_label
    t = evaluation.y_true[use].astype(np.int64)
    p = evaluation.predicted[use]
    return np.bincount(t * k + p, minlength=k * k).reshape(k, k)


def _ratio(a: float, b: float) -> float:
    return float(a / b) if b else float("nan")


def auc(y: np.ndarray, score: np.ndarray) -> float:
    """Area under the ROC curve by the rank-sum statistic (ties count half)."""
    pos = y == 1
    n_pos, n_neg = int(pos.sum()), int((~pos).sum())
    if n_pos == 0 or n_neg == 0:
        return float("nan")
    ranks = pd.Series(score).rank(method="average").to_numpy()
    return float((ranks[pos].sum() - n_pos * (n_pos + 1) / 2) / (n_pos * n_neg))


def binary_rates(y: np.ndarray, predicted: np.ndarray) -> dict[str, float]:
    """Accuracy, TPR, FPR, precision … from 0/1 arrays (NaN where a rate is undefined)."""
    y = np.asarray(y).astype(bool)
    p = np.asarray(predicted).astype(bool)
    tp = float(np.sum(y & p))
    fp = float(np.sum(~y & p))
    fn = float(np.sum(y & ~p))
    tn = float(np.sum(~y & ~p))
    n = tp + fp + fn + tn
    precision = _ratio(tp, tp + fp)
    tpr = _ratio(tp, tp + fn)
    return {
        "count": n,
        "accuracy": _ratio(tp + tn, n),
        "tpr": tpr,
        "fpr": _ratio(fp, fp + tn),
        "tnr": _ratio(tn, fp + tn),
        "fnr": _ratio(fn, tp + fn),
        "precision": precision,
        "f1": _ratio(2 * precision * tpr, precision + tpr) if n else float("nan"),
        "base_rate": _ratio(tp + fn, n),
        "selection_rate": _ratio(tp + fp, n),
        "tp": tp,
        "fp": fp,
        "fn": fn,
        "tn": tn,
    }


def summary(
    evaluation: Evaluation, rows: np.ndarray | None = None, positive: int = 1
) -> dict[str, float]:
    """Overall metrics over `rows` (all rows by default), only rows with a label counted.

    Classifiers: accuracy, TPR, FPR, precision, … for class `positive` against the rest, plus
    log-loss (mean per-row error) and, for binary models, ROC AUC. Regression: MAE, RMSE, R², bias.
    """
    use = _rows_mask(evaluation.n_rows, rows) & evaluation.has_label
    y = evaluation.y_true[use]
    if evaluation.task is Task.REGRESSION:
        pred = evaluation.predicted[use]
        diff = pred - y
        var = float(np.var(y)) if y.size else float("nan")
        mse = float(np.mean(diff**2)) if y.size else float("nan")
        return {
            "count": float(y.size),
            "mae": float(np.mean(np.abs(diff))) if y.size else float("nan"),
            "rmse": float(np.sqrt(mse)),
            "r2": 1.0 - mse / var if var else float("nan"),
            "bias": float(np.mean(diff)) if y.size else float("nan"),
            "mean_label": float(np.mean(y)) if y.size else float("nan"),
            "mean_prediction": float(np.mean(pred)) if y.size else float("nan"),
        }
    out = binary_rates(y == positive, evaluation.predicted[use] == positive)
    if evaluation.task is not Task.BINARY:
        out["accuracy"] = _ratio(float(np.sum(evaluation.correct[use])), float(y.size))
    out["log_loss"] = float(np.mean(evaluation.error[use])) if y.size else float("nan")
    if evaluation.task is Task.BINARY:
        out["auc"] = auc(y, evaluation.score[use])
        out["threshold"] = evaluation.threshold
    return out


# --------------------------------------------------------------------------- filter presets
@dataclass(frozen=True)
class Preset:
    key: str
    label: str
    help: str
    classifier: bool = True  # offered for classifiers
    regression: bool = False  # offered for regression models


PRESETS: tuple[Preset, ...] = (
    Preset("all", "All rows", "Every row", True, True),
    Preset("misclassified", "Misclassified", "Predicted class differs from the label"),
    Preset("false_positives", "False positives", "Predicted positive, labelled negative"),
    Preset("false_negatives", "False negatives", "Predicted negative, labelled positive"),
    Preset(
        "confident_mistakes",
        "Most confident mistakes",
        "The 100 wrong predictions the model was surest of",
    ),
    Preset("uncertain", "Uncertain (near threshold)", "Probability within ±0.05 of the threshold"),
    Preset(
        "largest_errors", "Largest errors", "The 10% of rows with the largest error", False, True
    ),
    Preset("over_predicted", "Over-predicted", "Prediction above the label", False, True),
    Preset("under_predicted", "Under-predicted", "Prediction below the label", False, True),
)
CONFIDENT_MISTAKES = 100
UNCERTAIN_BAND = 0.05


def presets_for(task: Task) -> list[Preset]:
    """The presets that make sense for a model of this task (binary-only ones dropped for
    multiclass)."""
    out = []
    for preset in PRESETS:
        if task is Task.REGRESSION:
            if preset.regression:
                out.append(preset)
        elif preset.classifier and not (
            task is Task.MULTICLASS and preset.key in ("false_positives", "false_negatives")
        ):
            out.append(preset)
    return out


def preset_mask(evaluation: Evaluation, key: str, band: float = UNCERTAIN_BAND) -> np.ndarray:
    """Rows (bool mask over all rows) that a preset selects."""
    ev = evaluation
    has = ev.has_label
    if key == "all":
        return np.ones(ev.n_rows, dtype=bool)
    if key == "misclassified":
        return ev.misclassified
    if key == "false_positives":
        return has & (ev.predicted == 1) & (ev.y_true == 0)
    if key == "false_negatives":
        return has & (ev.predicted == 0) & (ev.y_true == 1)
    if key == "confident_mistakes":
        wrong = np.flatnonzero(ev.misclassified)
        top = wrong[np.argsort(-ev.confidence[wrong], kind="stable")[:CONFIDENT_MISTAKES]]
        return _rows_mask(ev.n_rows, top)
    if key == "uncertain":
        if ev.task is Task.BINARY:
            return np.abs(ev.score - ev.threshold) <= band
        top2 = np.sort(ev.score, axis=1)[:, -2:]
        return (top2[:, 1] - top2[:, 0]) <= 2 * band
    if key == "largest_errors":
        err = np.where(has, ev.error, -np.inf)
        cut = np.quantile(ev.error[has], 0.9) if has.any() else np.inf
        return has & (err >= cut)
    if key == "over_predicted":
        return has & (ev.predicted > ev.y_true)
    if key == "under_predicted":
        return has & (ev.predicted < ev.y_true)
    raise KeyError(f"unknown preset {key!r}")


def next_mistake(
    evaluation: Evaluation, visible: np.ndarray, current: int | None, step: int = 1
) -> int | None:
    """The next (step=1) or previous (step=-1) misclassified row among `visible` after
    `current`, wrapping around; None when the visible rows hold no mistake."""
    visible = np.asarray(visible, dtype=np.int64)
    wrong = visible[evaluation.misclassified[visible]]
    if wrong.size == 0:
        return None
    if current is None:
        return int(wrong[0] if step > 0 else wrong[-1])
    if step > 0:
        at = np.searchsorted(wrong, current, side="right")
        return int(wrong[at % wrong.size])
    at = np.searchsorted(wrong, current, side="left") - 1
    return int(wrong[at % wrong.size])
