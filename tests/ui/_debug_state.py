"""An AppState filled with a model, data, predictions and SHAP values, for the debug panel tests
(built from the real class, the way the controller fills it)."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from app.core.data.align import align
from app.core.data.data_io import load_dataset
from app.core.data.model_io import load_model
from app.core.explain.chunked import ExplainProgress
from app.ui.state import AppState


def filled_state(model_path: Path, data_path: Path, rows: int | None = None) -> AppState:
    model = load_model(model_path)
    frame = load_dataset(data_path)
    if rows is not None:
        frame = frame.iloc[:rows].reset_index(drop=True)
    data = align(model, frame)
    raw = model.predict_raw(data.X)
    state = AppState()
    state.set_inputs(model, model_path, data, data_path, raw)
    values, base = model.contributions(data.X)
    state.start_explanation()
    every = np.arange(data.n_rows, dtype=np.int64)
    file_chunk(state, ExplainProgress(every, values, raw, data.n_rows, data.n_rows))
    state.finish_explanation(base)
    return state


def file_chunk(state: AppState, progress: ExplainProgress) -> None:
    """What the bulk run's worker and the GUI thread do with one chunk, done here in one go."""
    assert state.builder is not None
    state.builder.add(progress)
    state.chunk_filed(progress)
