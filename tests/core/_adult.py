"""Cached Adult sample inputs shared by the debugging tests (loaded once per test session)."""

from __future__ import annotations

from functools import lru_cache

import numpy as np

from app.core.data.align import AlignedData, align
from app.core.data.data_io import load_dataset
from app.core.data.model_io import load_model
from app.core.debugging.metrics import Evaluation, encode_labels, evaluate
from app.core.explain.models.base import ModelAdapter
from tests.conftest import SAMPLE_DATA, SAMPLE_MODEL

SHAP_ROWS = 1_000  # model.contributions is ~1,000 rows/s on a busy machine


@lru_cache(maxsize=1)
def model_and_data() -> tuple[ModelAdapter, AlignedData]:
    model = load_model(SAMPLE_MODEL)
    return model, align(model, load_dataset(SAMPLE_DATA))


@lru_cache(maxsize=1)
def predictions() -> np.ndarray:
    model, data = model_and_data()
    return model.raw_to_prediction(model.predict_raw(data.X))


@lru_cache(maxsize=4)
def evaluation(threshold: float = 0.5) -> Evaluation:
    model, data = model_and_data()
    return evaluate(predictions(), encode_labels(data.label(), model.task), model.task, threshold)


@lru_cache(maxsize=1)
def shap_values() -> np.ndarray:
    """SHAP values (SHAP_ROWS, n_features) of the first rows, for the single output."""
    model, data = model_and_data()
    values, _ = model.contributions(data.X[:SHAP_ROWS])
    return values[:, :, 0]
