"""One label encoder, one AUC and one file hasher serve every caller (issue 20: the copies had
drifted: the comparison re-coded labels {1, 2} as {0, 1} where the debugging views refused them)."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from sklearn.metrics import roc_auc_score

from app.core.base.hashing import file_sha256, short_hash
from app.core.base.input_gate import InputError
from app.core.base.types import Task
from app.core.data.labels import LabelError, encode_labels
from app.core.debugging.metrics import auc
from app.core.explain.models.trust import is_trusted
from app.core.production.compare_models import CompareError, encode_label


@pytest.mark.parametrize("labels", [[1, 2, 1], [0, 1, 2], [0.0, 0.5, 1.0], [-1, 0, 1]])
def test_numbers_outside_the_classes_are_refused_by_every_caller(labels: list[float]) -> None:
    with pytest.raises(LabelError, match="2 classes"):
        encode_labels(pd.Series(labels), Task.BINARY, 2)
    # The comparison used to re-code {1, 2} as {0, 1} by sorting them as text.
    with pytest.raises(CompareError, match="2 classes"):
        encode_label(pd.Series(labels), Task.BINARY, 1)


def test_multiclass_numbers_are_class_indices_not_text_order() -> None:
    labels = pd.Series([10, 2, 0, None, *range(11)])
    y = encode_labels(labels, Task.MULTICLASS, 11)
    assert y[:3].tolist() == [10.0, 2.0, 0.0] and np.isnan(y[3])
    assert np.array_equal(encode_label(labels, Task.MULTICLASS, 11), y, equal_nan=True)


def test_the_encoders_agree_on_what_both_accept() -> None:
    cases = [
        (pd.Series(["no", "yes", None, "yes"]), Task.BINARY),
        (pd.Series([0, 1, 1, None]), Task.BINARY),
        (pd.Series(["0", "1", "1"]), Task.BINARY),
        (pd.Series([True, False]), Task.BINARY),
        (pd.Series([3.5, None, -2.0]), Task.REGRESSION),
    ]
    for labels, task in cases:
        a = encode_labels(labels, task, 2)
        b = encode_label(labels, task, 1)
        assert np.array_equal(a, b, equal_nan=True), labels.tolist()


def test_auc_equals_scikit_learns_with_ties() -> None:
    rng = np.random.default_rng(0)
    for n in (2, 7, 200):
        y = rng.integers(0, 2, n).astype(float)
        y[:2] = [0, 1]
        score = np.round(rng.random(n), 1)  # rounding makes many ties
        assert auc(y, score) == pytest.approx(roc_auc_score(y, score), abs=1e-12)
    assert np.isnan(auc(np.ones(4), np.arange(4.0)))


def test_file_hash_is_sha256_of_the_bytes(tmp_path: Path) -> None:
    path = tmp_path / "f.bin"
    data = np.arange(300_000).tobytes()  # over one read block
    path.write_bytes(data)
    assert file_sha256(path) == hashlib.sha256(data).hexdigest()
    assert file_sha256(path, chunk=7) == file_sha256(path)
    assert short_hash(path) == hashlib.sha256(data).hexdigest()[:8]
    assert len(short_hash(path, 12)) == 12


def test_hashing_refuses_what_is_not_a_regular_file(tmp_path: Path) -> None:
    with pytest.raises(InputError):
        file_sha256(tmp_path)
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    with pytest.raises(InputError):  # never waits for a writer
        file_sha256(fifo)
    assert not is_trusted(fifo)
    assert not is_trusted(tmp_path / "missing.txt")
