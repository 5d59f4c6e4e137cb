"""AppState: the window's Qt face of the Workspace (app.core.workspace). With its two
sub-adapters in app.ui.state_contexts it is the one place where workspace events become Qt
signals.

Panels, plots and the window read its attributes and listen to its signals; only the shell
(main window and its controller) calls the `set_*`/`*_explanation` methods that change what is
loaded. The state itself lives in the Qt-free workspace: this class forwards reads and calls to
it and re-emits its events as signals. Sub-states are attributes, handed to panels with the
state: `state.debug` (DebugContext) and `state.review` (ReviewContext), the Qt faces of
`workspace.debug` and `workspace.review`, and `state.interactions` (the interaction summary's
background run). An event re-emitted off the GUI thread still reaches
GUI-thread receivers there (queued), like any Qt signal. The contract is in docs/ARCHITECTURE.md.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
from PySide6.QtCore import QObject, Signal

from app.core.base.types import Explanation
from app.core.data.align import AlignedData
from app.core.explain.chunked import ExplainProgress, ExplanationBuilder
from app.core.explain.models.base import ModelAdapter
from app.core.workspace import Workspace
from app.ui.interactions_context import InteractionsContext
from app.ui.on_close import OnClose
from app.ui.state_contexts import DebugContext, ReviewContext, relay

if TYPE_CHECKING:
    import pandas as pd


class AppState(QObject):
    """What is loaded (model, data), computed (SHAP values) and selected (row, output, filter)."""

    model_changed = Signal()
    data_changed = Signal()
    explanation_changed = Signal()  # a chunk arrived (partial) or the run completed
    explanation_finished = Signal()  # every row is explained (emitted once per run)
    row_selected = Signal(int)
    row_explained = Signal(int)  # one row's values became available (clicked ahead of the bulk)
    visible_rows_changed = Signal()
    output_changed = Signal(int)
    threshold_changed = Signal(float)
    label_changed = Signal()
    status_changed = Signal(str)
    error_raised = Signal(str)
    notice_raised = Signal(str)  # worth telling, but nothing went wrong (a declined file)

    def __init__(self, parent: QObject | None = None, workspace: Workspace | None = None) -> None:
        super().__init__(parent)
        self.workspace = ws = workspace if workspace is not None else Workspace()
        sel, run, msg = ws.selection, ws.explained, ws.messages
        relay(
            self,
            [
                (ws.model_changed, self.model_changed),
                (ws.data_changed, self.data_changed),
                (ws.label_changed, self.label_changed),
                (run.changed, self.explanation_changed),
                (run.finished, self.explanation_finished),
                (run.row_explained, self.row_explained),
                (sel.row_selected, self.row_selected),
                (sel.visible_rows_changed, self.visible_rows_changed),
                (sel.output_changed, self.output_changed),
                (sel.threshold_changed, self.threshold_changed),
                (msg.status_changed, self.status_changed),
                (msg.error_raised, self.error_raised),
                (msg.notice_raised, self.notice_raised),
            ],
        )
        # What the window stops when it closes: each owner of a timer or a Workers adds it.
        self.on_close = OnClose()
        self.debug = DebugContext(ws.debug, self)
        self.review = ReviewContext(ws.review, self)
        self.interactions = InteractionsContext(self)
        for owned in (
            self.debug.refilter,
            self.debug.workers,
            self.review.workers,
            self.interactions.workers,
        ):
            self.on_close.add(owned)

    # ----------------------------------------------------------------- loaded inputs
    @property
    def model(self) -> ModelAdapter | None:
        return self.workspace.model

    @property
    def model_path(self) -> Path | None:
        return self.workspace.model_path

    @property
    def data(self) -> AlignedData | None:
        return self.workspace.data

    @property
    def data_path(self) -> Path | None:
        return self.workspace.data_path

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
        """Replace model and/or data (already aligned, off the GUI thread) and reset results
        (`unaligned`: a dataset waiting for its model; see Workspace.set_inputs)."""
        self.workspace.set_inputs(
            model, model_path, data, data_path, raw_output, unaligned=unaligned
        )

    def set_label_column(self, column: str | None) -> None:
        """Choose which column is the label (None: no label); the model input is unchanged."""
        self.workspace.set_label_column(column)

    @property
    def ready(self) -> bool:
        """A model and data that fit it are both loaded."""
        return self.workspace.ready

    @property
    def output_names(self) -> list[str]:
        """Display names of the outputs ("class 2" for a bare class code)."""
        return self.workspace.output_names

    def raw_output(self) -> np.ndarray | None:
        """The model's raw output (n_rows, n_outputs) in its unit (log-odds, margin, value)."""
        return self.workspace.raw_output()

    def predictions(self) -> np.ndarray | None:
        """Probabilities (n_rows, n_outputs) for classifiers, predicted values otherwise."""
        return self.workspace.predictions()

    # ----------------------------------------------------------------- explanation
    @property
    def builder(self) -> ExplanationBuilder | None:
        return self.workspace.explained.builder

    @property
    def explanation(self) -> Explanation | None:
        """The complete explanation, or the rows explained so far; None before the first chunk."""
        return self.workspace.explained.explanation

    def needs_snapshot(self) -> bool:
        """A partial explanation too big to rebuild here is behind the rows explained."""
        return self.workspace.explained.needs_snapshot()

    def set_partial(self, builder: ExplanationBuilder, explanation: Explanation) -> None:
        """A worker built a snapshot of `builder`'s rows; keep it if it is still current."""
        self.workspace.explained.set_partial(builder, explanation)

    def set_explanation(self, explanation: Explanation, mean_abs: np.ndarray) -> None:
        """A complete explanation computed earlier (loaded from the disk cache, in a worker)."""
        self.workspace.explained.set_explanation(explanation, mean_abs)

    @property
    def computing(self) -> bool:
        return self.workspace.explained.computing

    @property
    def base_values(self) -> np.ndarray | None:
        return self.workspace.explained.base_values

    def start_explanation(self) -> None:
        """A bulk run begins: forget old values (the controller starts the worker)."""
        self.workspace.start_explanation()

    def chunk_filed(self, progress: ExplainProgress) -> None:
        """A chunk the bulk run's worker already wrote into `builder` arrived: O(1) work here."""
        self.workspace.explained.chunk_filed(progress)

    def flush_changes(self) -> None:
        """Emit a coalesced `explanation_changed` now (a run was cancelled or stopped)."""
        self.workspace.explained.flush_changes()

    def finish_explanation(self, base_values: np.ndarray) -> None:
        """The bulk run returned: keep the complete explanation."""
        self.workspace.explained.finish(base_values)

    def rows_explained(self) -> int:
        return self.workspace.explained.rows_explained()

    def mean_abs(self) -> np.ndarray | None:
        """Mean |SHAP| (n_features, n_outputs) over the rows explained so far."""
        return self.workspace.explained.mean_abs()

    def set_row_values(self, row: int, values: np.ndarray, base: np.ndarray) -> None:
        """Values for one row computed ahead of the bulk run (values: (n_features, n_outputs))."""
        self.workspace.explained.set_row_values(row, values, base)

    def row_values(self, row: int) -> tuple[np.ndarray, np.ndarray] | None:
        """(values (n_features, n_outputs), base values (n_outputs,)) for a row, when known."""
        return self.workspace.explained.row_values(row)

    # ----------------------------------------------------------------- selection & filters
    @property
    def selected_row(self) -> int | None:
        return self.workspace.selection.selected_row

    @property
    def visible_rows(self) -> np.ndarray:
        return self.workspace.selection.visible_rows

    @property
    def output_index(self) -> int:
        return self.workspace.selection.output_index

    @property
    def threshold(self) -> float:
        return self.workspace.selection.threshold

    def select_row(self, row: int) -> None:
        self.workspace.selection.select_row(row)

    def set_visible_rows(self, rows: np.ndarray) -> None:
        self.workspace.selection.set_visible_rows(rows)

    def set_output(self, k: int) -> None:
        self.workspace.selection.set_output(k)

    def set_threshold(self, t: float) -> None:
        self.workspace.selection.set_threshold(t)

    # ----------------------------------------------------------------- messages
    def report_status(self, message: str) -> None:
        self.workspace.messages.report_status(message)

    def report_error(self, message: str) -> None:
        self.workspace.messages.report_error(message)

    def report_notice(self, message: str) -> None:
        self.workspace.messages.report_notice(message)
