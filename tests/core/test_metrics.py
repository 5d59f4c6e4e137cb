"""Per-row outcomes, confusion matrix, summary metrics and presets: by hand and against sklearn."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sklearn import metrics as skm

from app.core.base.types import Task
from app.core.debugging.metrics import (
    LabelError,
    confusion_matrix,
    encode_labels,
    evaluate,
    next_mistake,
    preset_mask,
    presets_for,
    summary,
    with_threshold,
)
from tests.core import _adult

Y = np.array([1, 0, 1, 0, 1], dtype=float)
P = np.array([0.9, 0.6, 0.4, 0.2, 0.5])


def test_binary_by_hand() -> None:
    ev = evaluate(P[:, None], Y, Task.BINARY, threshold=0.5)
    assert ev.predicted.tolist() == [1, 1, 0, 0, 1]  # 0.5 >= threshold counts as positive
    assert ev.correct.tolist() == [True, False, False, True, True]
    assert ev.confidence == pytest.approx([0.9, 0.6, 0.6, 0.8, 0.5])
    assert ev.error == pytest.approx(-np.log([0.9, 0.4, 0.4, 0.8, 0.5]))
    assert confusion_matrix(ev).tolist() == [[1, 1], [1, 2]]  # [[TN, FP], [FN, TP]]
    s = summary(ev)
    assert s["accuracy"] == pytest.approx(3 / 5)
    assert s["tpr"] == pytest.approx(2 / 3)
    assert s["fpr"] == pytest.approx(1 / 2)
    assert s["precision"] == pytest.approx(2 / 3)
    assert s["auc"] == pytest.approx(skm.roc_auc_score(Y, P))
    assert preset_mask(ev, "false_positives").tolist() == [False, True, False, False, False]
    assert preset_mask(ev, "false_negatives").tolist() == [False, False, True, False, False]


def test_threshold_moves_the_confusion_matrix() -> None:
    ev = with_threshold(evaluate(P[:, None], Y, Task.BINARY), 0.36)
    assert ev.predicted.tolist() == [1, 1, 1, 0, 1]
    assert confusion_matrix(ev).tolist() == [[1, 1], [0, 3]]
    direct = evaluate(P[:, None], Y, Task.BINARY, threshold=0.36)
    assert np.array_equal(ev.correct, direct.correct)
    assert preset_mask(ev, "uncertain").tolist() == [False, False, True, False, False]


def test_missing_labels_are_not_counted() -> None:
    y = np.array([1, np.nan, 0])
    ev = evaluate(np.array([[0.8], [0.1], [0.7]]), y, Task.BINARY)
    assert ev.has_label.tolist() == [True, False, True]
    assert not ev.correct[1] and not ev.misclassified[1]
    assert confusion_matrix(ev).sum() == 2
    assert summary(ev)["count"] == 2


def test_text_labels_sorted_like_label_encoder() -> None:
    assert encode_labels(pd.Series(["<=50K", ">50K", None]), Task.BINARY)[:2].tolist() == [0, 1]
    assert encode_labels(np.array([True, False]), Task.BINARY).tolist() == [1, 0]
    with pytest.raises(LabelError, match="3 distinct values"):
        encode_labels(pd.Series(["a", "b", "c"]), Task.BINARY)
    with pytest.raises(LabelError, match="2 classes"):
        encode_labels(np.array([0, 1, 2]), Task.BINARY)


def test_multiclass_and_regression_against_sklearn() -> None:
    rng = np.random.default_rng(1)
    proba = rng.dirichlet([1, 1, 1], size=200)
    y = rng.integers(0, 3, 200).astype(float)
    ev = evaluate(proba, y, Task.MULTICLASS)
    assert np.array_equal(confusion_matrix(ev), skm.confusion_matrix(y, proba.argmax(1)))
    assert summary(ev)["log_loss"] == pytest.approx(skm.log_loss(y, proba))
    assert summary(ev)["accuracy"] == pytest.approx(skm.accuracy_score(y, proba.argmax(1)))
    assert "false_positives" not in [p.key for p in presets_for(Task.MULTICLASS)]
    value = rng.normal(size=300)
    target = value + rng.normal(scale=0.5, size=300)
    reg = evaluate(value[:, None], target, Task.REGRESSION)
    s = summary(reg)
    assert s["mae"] == pytest.approx(skm.mean_absolute_error(target, value))
    assert s["r2"] == pytest.approx(skm.r2_score(target, value))
    assert reg.error == pytest.approx(np.abs(target - value))
    top = preset_mask(reg, "largest_errors")
    assert reg.error[top].min() >= reg.error[~top].max()


def test_next_mistake_wraps_within_visible_rows() -> None:
    ev = evaluate(P[:, None], Y, Task.BINARY)  # mistakes at rows 1 and 2
    visible = np.array([0, 2, 3, 4])
    assert next_mistake(ev, visible, None) == 2
    assert next_mistake(ev, visible, 2) == 2  # only one mistake visible: stays there
    assert next_mistake(ev, np.arange(5), 1) == 2
    assert next_mistake(ev, np.arange(5), 2) == 1  # wraps
    assert next_mistake(ev, np.arange(5), 1, step=-1) == 2
    assert next_mistake(ev, np.array([0, 3]), None) is None


def test_adult_against_sklearn() -> None:
    _, data = _adult.model_and_data()
    ev = _adult.evaluation(0.5)
    y = data.frame["income_gt_50k"].to_numpy()
    p = _adult.predictions()[:, 0]
    pred = (p >= 0.5).astype(int)
    assert np.array_equal(confusion_matrix(ev), skm.confusion_matrix(y, pred))
    s = summary(ev)
    assert s["accuracy"] == pytest.approx(skm.accuracy_score(y, pred))
    assert s["tpr"] == pytest.approx(skm.recall_score(y, pred))
    assert s["precision"] == pytest.approx(skm.precision_score(y, pred))
    assert s["log_loss"] == pytest.approx(skm.log_loss(y, p), rel=1e-9)
    assert s["auc"] == pytest.approx(skm.roc_auc_score(y, p))
    assert s["accuracy"] > 0.85  # a sane model, so the presets below are not degenerate
    sex = data.frame["sex"].to_numpy()
    for group, base in (("Female", 0.109), ("Male", 0.304)):
        rows = np.flatnonzero(sex == group)
        g = summary(ev, rows)
        assert g["base_rate"] == pytest.approx(base, abs=5e-4)
        assert g["selection_rate"] == pytest.approx(pred[rows].mean())
        assert g["tpr"] == pytest.approx(skm.recall_score(y[rows], pred[rows]))
        assert g["fpr"] == pytest.approx(1 - skm.recall_score(y[rows], pred[rows], pos_label=0))


def test_adult_presets() -> None:
    ev = _adult.evaluation(0.5)
    wrong = preset_mask(ev, "misclassified")
    fp, fn = preset_mask(ev, "false_positives"), preset_mask(ev, "false_negatives")
    assert np.array_equal(wrong, fp | fn) and not (fp & fn).any()
    confident = preset_mask(ev, "confident_mistakes")
    assert confident.sum() == 100 and wrong[confident].all()
    assert ev.confidence[confident].min() >= ev.confidence[wrong & ~confident].max()
    uncertain = preset_mask(ev, "uncertain")
    assert np.all(np.abs(ev.score[uncertain] - 0.5) <= 0.05)
