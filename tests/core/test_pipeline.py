"""The one load-align-explain path the window's workers and the commands share."""

from __future__ import annotations

import pickle

import numpy as np
import pandas as pd
import pytest

from app.core.base.errors import AlignmentError, DataLoadError, UntrustedPickleError
from app.core.explain.pipeline import Inputs, explain, open_inputs
from tests.conftest import SAMPLE_DATA, SAMPLE_MODEL

LABEL = "income_gt_50k"


@pytest.fixture(scope="module")
def small_data(tmp_path_factory: pytest.TempPathFactory):
    path = tmp_path_factory.mktemp("pipeline") / "small.parquet"
    pd.read_parquet(SAMPLE_DATA).head(40).to_parquet(path)
    return path


def test_open_inputs_loads_aligns_and_explains_additively(small_data) -> None:
    inputs = open_inputs(SAMPLE_MODEL, small_data, label=LABEL)
    assert inputs.new_files == [SAMPLE_MODEL, small_data]
    assert inputs.data is not None and inputs.data.n_rows == 40
    assert inputs.data.label_column == LABEL
    seen: list[tuple[int, int]] = []
    explanation = explain(inputs, on_progress=lambda done, total: seen.append((done, total)))
    assert seen[-1] == (40, 40) and explanation.complete
    assert explanation.values.dtype == np.float32 and explanation.values.shape[0] == 40
    total = explanation.values.sum(axis=1, dtype=np.float64) + explanation.base_values
    raw = inputs.model.predict_raw(inputs.data.X)
    np.testing.assert_allclose(total, raw, atol=1e-4)


def test_a_new_dataset_keeps_the_current_model(small_data) -> None:
    first = open_inputs(SAMPLE_MODEL, None)
    assert first.data is None and first.frame is None  # half loaded: nothing to align yet
    second = open_inputs(None, small_data, current=first)
    assert second.model is first.model and second.model_path == SAMPLE_MODEL
    assert second.new_files == [small_data] and second.data is not None


def test_each_step_raises_its_own_error(tmp_path, small_data) -> None:
    pickled = tmp_path / "model.pkl"
    pickled.write_bytes(pickle.dumps({"not": "a model"}))
    with pytest.raises(UntrustedPickleError, match="--trust-pickle"):
        open_inputs(pickled, small_data)
    empty = tmp_path / "empty.csv"
    empty.write_bytes(b"")
    with pytest.raises(DataLoadError):
        open_inputs(SAMPLE_MODEL, empty)
    with pytest.raises(AlignmentError, match="nope"):
        open_inputs(SAMPLE_MODEL, small_data, label="nope")


def test_explain_refuses_half_loaded_inputs() -> None:
    with pytest.raises(ValueError):
        explain(Inputs())
