"""Helpers that replaced copies (issue 20): the libraries' TreeSHAP layout is split in one place
for LightGBM, XGBoost and CatBoost, and one check tells a LightGBM text model from a data file."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from app.core.data.model_io import is_lightgbm_text, sniff
from app.core.explain.models.base import split_contributions
from tests.conftest import SAMPLE_MODEL


def test_library_contributions_split_into_values_and_base() -> None:
    n_rows, n_features, k = 3, 4, 2
    # Row r, output j: features' values 100r + 10j + f, then the bias 7 + j.
    flat = np.array(
        [
            [
                v
                for j in range(k)
                for v in [100 * r + 10 * j + f for f in range(n_features)] + [7 + j]
            ]
            for r in range(n_rows)
        ],
        dtype=np.float64,
    )
    values, base = split_contributions(flat, n_rows, n_features, k)
    assert values.shape == (n_rows, n_features, k) and values.dtype == np.float32
    assert values[2, 3, 1] == 213 and values[1, 0, 0] == 100
    assert base.tolist() == [7, 8]
    empty, base0 = split_contributions(np.zeros((0, 10)), 0, n_features, k)
    assert empty.shape == (0, n_features, k) and base0.tolist() == [0, 0]


def test_lightgbm_text_models_are_told_from_data_files() -> None:
    head = SAMPLE_MODEL.read_bytes()[:4096]
    assert is_lightgbm_text(head) and sniff(head, ".txt") == "lightgbm-text"
    assert is_lightgbm_text(b"tree\r\nversion=v4\r\n")
    assert not is_lightgbm_text(b"age,income\n39,2174\n")
    assert not is_lightgbm_text(b"treetop,height\n1,2\n")


def test_the_window_sorts_dropped_files_with_the_same_check(tmp_path: Path) -> None:
    from app.ui.file_kinds import classify

    model = tmp_path / "m.txt"
    model.write_bytes(SAMPLE_MODEL.read_bytes()[:4096])
    data = tmp_path / "d.txt"
    data.write_text("tree,height\n1,2\n")
    assert classify(model) == "model" and classify(data) == "data"
