"""The Workspace: what is loaded (model, data, their alignment), computed (SHAP values) and
chosen (row, filter, cohorts, threshold, output, bookmarks, glossary, redaction), as one Qt-free
object with change events (psygnal).

Sub-states are attributes, never looked up: `explained` (partial and complete explanations),
`selection` (row, visible rows, output, threshold), `debug` (evaluation against the label,
filter, cohorts, locked features), `review` (bookmarks, glossary, redaction, sensitive column,
results the report carries) and `messages` (status, errors, notices). The window adapts the
events to Qt signals in one place (app.ui.state); a command can drive the same object with no
event loop at all.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
from psygnal import Signal

from app.core.data.align import AlignedData
from app.core.explain.models.base import ModelAdapter, display_output_name
from app.core.workspace.debug import DebugState
from app.core.workspace.explained import Explained
from app.core.workspace.messages import Messages
from app.core.workspace.review import ReviewState
from app.core.workspace.selection import Selection

if TYPE_CHECKING:
    import pandas as pd


class Workspace:
    """Model and data (already aligned) with their raw output; the rest lives in sub-states."""

    model_changed = Signal()
    data_changed = Signal()
    label_changed = Signal()

    def __init__(self) -> None:
        self.model: ModelAdapter | None = None
        self.model_path: Path | None = None
        self.data: AlignedData | None = None
        self.data_path: Path | None = None
        # A dataset opened before any model: kept as read, aligned once a model comes.
        self.unaligned: tuple[pd.DataFrame, Path | None] | None = None
        self._raw: np.ndarray | None = None  # raw model output for every row
        self._predictions: np.ndarray | None = None
        self.messages = Messages()
        self.explained = Explained()
        self.selection = Selection(self)
        # Created after the inputs' events exist: both follow model, data and label changes.
        self.debug = DebugState(self)
        self.review = ReviewState(self)

    def set_inputs(
        self,
        model: ModelAdapter | None,
        model_path: Path | None,
        data: AlignedData | None,
        data_path: Path | None,
        raw_output: np.ndarray | None = None,
        *,
        unaligned: tuple[pd.DataFrame, Path | None] | None = None,
    ) -> None:
        """Replace model and/or data (already aligned, off the GUI thread) and reset results;
        `unaligned`: a dataset read while no model is there to align it with (kept only while
        `data` is None).

        Everything is consistent before the first event fires: listeners of `model_changed`
        already see the new visible rows and no stale explanation."""
        model_new = model is not self.model
        data_new = data is not self.data
        self.model, self.model_path = model, model_path
        self.data, self.data_path = data, data_path
        self.unaligned = unaligned if data is None else None
        self._raw = raw_output
        self._predictions = None
        self.explained.reset()
        n_outputs = model.n_outputs if model is not None else 1
        self.selection.reset(data.n_rows if data is not None else 0, n_outputs)
        if model_new:
            self.model_changed.emit()
        if data_new or model_new:
            self.data_changed.emit()
        self.selection.visible_rows_changed.emit()
        self.explained.changed.emit()

    def set_label_column(self, column: str | None) -> None:
        """Choose which column is the label (None: no label); the model input is unchanged."""
        if self.data is None or column == self.data.label_column:
            return
        if column is not None and column not in self.data.frame.columns:
            self.messages.report_error(f"Column '{column}' is not in the dataset.")
            return
        self.data.label_column = column
        self.label_changed.emit()

    def start_explanation(self) -> None:
        """A bulk run begins: forget old values (the caller starts the worker)."""
        if self.model is None or self.data is None:
            return
        self.explained.start(self.model, self.data.n_rows)

    @property
    def ready(self) -> bool:
        """A model and data that fit it are both loaded."""
        return self.model is not None and self.data is not None

    @property
    def output_names(self) -> list[str]:
        """Display names of the outputs ("class 2" for a bare class code)."""
        if self.model is None:
            return []
        return [display_output_name(n) for n in self.model.output_names]

    def raw_output(self) -> np.ndarray | None:
        """The model's raw output (n_rows, n_outputs) in its unit (log-odds, margin, value)."""
        return self._raw

    def predictions(self) -> np.ndarray | None:
        """Probabilities (n_rows, n_outputs) for classifiers, predicted values otherwise."""
        if self._raw is None or self.model is None:
            return None
        if self._predictions is None:
            self._predictions = self.model.raw_to_prediction(self._raw)
        return self._predictions
