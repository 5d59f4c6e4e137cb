"""From files to SHAP values: the one path the window and every command take.

Load the model (pickles only when trusted: app.core.data.model_io), load the dataset, align it
with the model, explain it in chunks. Each step raises its own precise error (ModelLoadError,
DataLoadError, AlignmentError, ExplainError) whose message is the one the user sees, in the
window's status bar or on the command's `error:` line alike.

The window runs `open_inputs` in its "load" worker (app.ui.controller) and the chunks of
`app.core.explain.chunked.iter_explanation` in its "explain" worker; a command calls
`open_inputs` and then `explain` in its own thread.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from app.core.base.types import Explanation
from app.core.data.align import AlignedData, align, naming_the_file
from app.core.data.data_io import load_dataset
from app.core.data.model_io import load_model
from app.core.explain.chunked import explain_all
from app.core.explain.models.base import ModelAdapter

ModelLoader = Callable[..., ModelAdapter]  # (path, trust_pickle=...) -> adapter, like load_model


@dataclass
class Inputs:
    """A model and a dataset as far as they are loaded; `data` once both are there, aligned."""

    model: ModelAdapter | None = None
    model_path: Path | None = None
    frame: pd.DataFrame | None = None
    data_path: Path | None = None
    data: AlignedData | None = None
    new_files: list[Path] = field(default_factory=list)  # read by the last open_inputs


def open_inputs(
    model_path: Path | None,
    data_path: Path | None,
    *,
    label: str | None = None,
    trust_pickle: bool = False,
    data_options: dict[str, object] | None = None,
    current: Inputs | None = None,
    model_loader: ModelLoader = load_model,
) -> Inputs:
    """Read the given file(s) and align the dataset with the model.

    A file not given is taken from `current` (the window opens a new model over the data it
    has). `data_options` go to load_dataset (delimiter, encoding, sheet). Raises before anything
    is returned, so a failure leaves what the caller holds untouched. `model_loader` is where a
    caller's tests put a fake loader (the window's do, to act out an untrusted pickle).
    """
    current = current or Inputs()
    model, frame = current.model, current.frame
    new_files: list[Path] = []
    if model_path is not None:
        model = model_loader(model_path, trust_pickle=trust_pickle)
        new_files.append(model_path)
    if data_path is not None:
        frame = load_dataset(data_path, **(data_options or {}))
        new_files.append(data_path)
    data = None
    if model is not None and frame is not None:
        with naming_the_file(data_path or current.data_path):
            data = align(model, frame, label=label)
    return Inputs(
        model,
        model_path or current.model_path,
        frame,
        data_path or current.data_path,
        data,
        new_files,
    )


def explain(
    inputs: Inputs,
    on_progress: Callable[[int, int], None] | None = None,
    should_stop: Callable[[], bool] | None = None,
) -> Explanation:
    """Every row of the aligned dataset, explained chunk by chunk (stops when `should_stop`)."""
    if inputs.model is None or inputs.data is None:
        raise ValueError("explain needs a model and an aligned dataset")
    return explain_all(inputs.model, inputs.data.X, on_progress, should_stop)
