"""What the debugging views share: each row judged against the label (an Evaluation) and the
current filter (preset × expression × cohort) that decides which rows are visible.

The evaluation is computed in the background through the workspace's job runner and kept until
the model, data, label or threshold change; a new threshold only re-judges (a few vectorised ms)
instead of encoding the labels again. A threshold dragged on a slider re-filters through a
deferred call, once it rests.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np
from psygnal import Signal

from app.core.base.errors import FilterSyntaxError, ShapLensError
from app.core.base.types import Task
from app.core.data.labels import encode_labels
from app.core.debugging.cohorts import ALL_ROWS, CohortSet
from app.core.debugging.filters import apply_filter
from app.core.debugging.metrics import (
    Evaluation,
    evaluate,
    next_mistake,
    preset_mask,
    presets_for,
    with_threshold,
)
from app.core.workspace.jobs import CallNow, Deferred, InlineJobs, JobRunner

if TYPE_CHECKING:
    from app.core.workspace.workspace import Workspace

EVALUATION_JOB = "debug-evaluation"


def _evaluate(predictions: np.ndarray, labels: np.ndarray, task: Task, k: int, threshold: float):
    """Encode the labels and judge every row (worker: O(n), pandas for text labels)."""
    try:
        y = encode_labels(labels, task, k)
    except ShapLensError as error:
        return None, str(error)
    return evaluate(predictions, y, task, threshold), None


class DebugState:
    """Evaluation, filter, cohorts and the features counterfactuals keep (locked)."""

    evaluation_changed = Signal()  # new predictions, label or threshold
    filter_changed = Signal()  # preset, expression or cohort changed (already applied)
    locked_changed = Signal()  # the features counterfactuals may not change

    def __init__(self, workspace: Workspace) -> None:
        self._ws = workspace
        self.cohorts = CohortSet()
        self.preset = "all"
        self.expression = ""
        self.cohort = ALL_ROWS.name
        self.hints: list[str] = []
        # Features counterfactuals keep as they are; None: the names suggested for the model.
        self.locked_features: list[str] | None = None
        self.label_problem: str | None = None
        self._evaluation: Evaluation | None = None
        self._stale = True
        self._threshold_only = False  # only the threshold moved: re-judge, do not re-encode
        self._generation = 0  # bumped when model, data or label change; stale jobs are ignored
        self._background = False  # an evaluation of the current generation is being computed
        self._jobs: JobRunner = InlineJobs()
        self._refilter: Deferred = CallNow(self.reapply)
        workspace.data_changed.connect(self._on_inputs_changed)
        workspace.model_changed.connect(self._on_inputs_changed)
        workspace.label_changed.connect(self._on_inputs_changed)
        workspace.selection.threshold_changed.connect(self._on_threshold_changed)

    def attach(self, jobs: JobRunner, refilter: Deferred) -> None:
        """Run evaluations through `jobs` and re-filter after a threshold change through
        `refilter`, whose expiry must call `reapply` (the window: its Workers and a QTimer)."""
        self._jobs, self._refilter = jobs, refilter

    # ------------------------------------------------------------------ evaluation
    def evaluation(self) -> Evaluation | None:
        """Row outcomes at the current threshold; None without model, data, label or output.

        Computed here if the background evaluation has not arrived yet: for what the user asked
        for now (a filter on `predicted`, the N key). Views that merely redraw use
        `evaluation_if_ready` and wait for `evaluation_changed`."""
        if self._stale and self._threshold_only and self._evaluation is not None:
            self._rejudge()
        if self._stale:
            inputs = self._inputs()
            self._stale = self._threshold_only = False
            self._evaluation = None
            if inputs is not None:
                self._evaluation, self.label_problem = _evaluate(*inputs)
        return self._evaluation

    def evaluation_if_ready(self) -> Evaluation | None:
        """The evaluation if it costs no O(n) encoding now (a new threshold is a few vectorised
        ms); None while the background evaluation runs (`evaluating` says so)."""
        if self._stale and self._threshold_only and self._evaluation is not None:
            self._rejudge()
        if self._stale:
            self._start_background()
        return None if self._stale else self._evaluation

    @property
    def evaluating(self) -> bool:
        return self._stale and self._background

    def _rejudge(self) -> None:
        assert self._evaluation is not None
        self._stale = self._threshold_only = False
        self._evaluation = with_threshold(self._evaluation, self._ws.selection.threshold)

    def _inputs(self) -> tuple[Any, ...] | None:
        """What an evaluation needs, read on the caller's thread; None (and label_problem)."""
        self.label_problem = None
        ws = self._ws
        if ws.model is None or ws.data is None or ws.raw_output() is None:
            return None
        labels = ws.data.label()
        if labels is None:
            self.label_problem = "Choose the label column to see which rows are wrong."
            return None
        predictions = ws.predictions()
        k = 2 if ws.model.task is Task.BINARY else ws.model.n_outputs
        return predictions, labels, ws.model.task, k, ws.selection.threshold

    def _start_background(self) -> None:
        if self._background:
            return
        inputs = self._inputs()
        if inputs is None:
            self._stale = self._threshold_only = False
            self._evaluation = None
            return
        self._background = True
        generation = self._generation

        def done(result: tuple[Evaluation | None, str | None]) -> None:
            self._background = False
            if generation != self._generation:
                return  # the model, data or label changed meanwhile
            if not self._stale or self._threshold_only:
                # Computed on demand meanwhile: views still waiting for it can draw now.
                self.evaluation_changed.emit()
                return
            self._stale = False
            self._evaluation, self.label_problem = result
            threshold = self._ws.selection.threshold
            if self._evaluation is not None and self._evaluation.threshold != threshold:
                self._evaluation = with_threshold(self._evaluation, threshold)
            self.evaluation_changed.emit()

        def failed(error: object) -> None:
            self._background = False
            self._ws.messages.report_error(f"Could not evaluate the predictions: {error}")

        self._jobs.run(EVALUATION_JOB, _evaluate, *inputs, on_result=done, on_error=failed)

    def extra_columns(self) -> dict[str, np.ndarray]:
        """Computed columns the filter grammar can use: prediction, predicted, label, error,
        confidence, correct."""
        ev = self.evaluation()
        if ev is None:
            return {}
        k = self._ws.selection.output_index
        prediction = ev.score if ev.score.ndim == 1 else ev.score[:, k]
        return {
            "prediction": prediction,
            "predicted": ev.predicted,
            "label": ev.y_true,
            "error": ev.error,
            "confidence": ev.confidence,
            "correct": ev.correct,
        }

    def set_locked_features(self, names: list[str] | None) -> None:
        """Choose the locked features (kept in the session); None goes back to suggestions."""
        names = None if names is None else list(dict.fromkeys(names))
        if names != self.locked_features:
            self.locked_features = names
            self.locked_changed.emit()

    # ------------------------------------------------------------------ filter
    def set_filter(
        self, preset: str | None = None, expression: str | None = None, cohort: str | None = None
    ) -> int:
        """Change part of the filter and apply it; returns the number of visible rows.

        A bad expression raises FilterSyntaxError and leaves the current filter as it was."""
        new_preset = self.preset if preset is None else preset
        new_expression = self.expression if expression is None else expression
        new_cohort = self.cohort if cohort is None else cohort
        rows, hints = self._rows_for(new_preset, new_expression, new_cohort)
        self._refilter.stop()  # this filter already judges rows at the current threshold
        self.preset, self.expression, self.cohort, self.hints = (
            new_preset, new_expression, new_cohort, hints,
        )  # fmt: skip
        self._ws.selection.set_visible_rows(rows)
        self.filter_changed.emit()
        return int(rows.size)

    def record_filter(self, preset: str, expression: str, cohort: str) -> None:
        """Take a filter as given without applying it (visible rows unchanged, no event): for a
        workspace no view shows, such as a command's, whose report applies the filter itself
        against the evaluation it computes (presets and `predicted` need one)."""
        self.preset, self.expression, self.cohort, self.hints = preset, expression, cohort, []

    def _rows_for(self, preset: str, expression: str, cohort: str) -> tuple[np.ndarray, list[str]]:
        data = self._ws.data
        if data is None:
            return np.empty(0, dtype=np.int64), []
        extra = self.extra_columns()
        mask = np.ones(data.n_rows, dtype=bool)
        hints: list[str] = []
        ev = self.evaluation()
        if preset != "all" and ev is not None:
            mask &= preset_mask(ev, preset)
        if expression.strip():
            result = apply_filter(expression, data.frame, extra)
            mask &= result.mask
            hints += result.hints
        chosen = self.cohorts.get(cohort)
        if chosen.expression:
            try:
                mask &= apply_filter(chosen.expression, data.frame, extra).mask
            except FilterSyntaxError as error:
                raise FilterSyntaxError(f"Cohort '{cohort}': {error}", error.position) from error
        return np.flatnonzero(mask).astype(np.int64), hints

    def reapply(self) -> None:
        """Apply the current filter again (new data, threshold or label); a filter that no longer
        fits (a column the new data lacks) is dropped with a message."""
        try:
            self.set_filter()
        except FilterSyntaxError as error:
            self._ws.messages.report_error(f"The filter was cleared: {error}")
            self.preset, self.expression, self.cohort = "all", "", ALL_ROWS.name
            self.set_filter()

    def step_mistake(self, step: int = 1) -> int | None:
        """Select the next (1) or previous (-1) misclassified row among the visible rows."""
        ev = self.evaluation()
        if ev is None:
            return None
        selection = self._ws.selection
        row = next_mistake(ev, selection.visible_rows, selection.selected_row, step)
        if row is None:
            self._ws.messages.report_status("No misclassified row in the current filter.")
            return None
        selection.select_row(row)
        return row

    # ------------------------------------------------------------------ workspace changes
    def _on_inputs_changed(self) -> None:
        model = self._ws.model
        if model is not None and self.preset not in {p.key for p in presets_for(model.task)}:
            self.preset = "all"  # e.g. "uncertain" kept from a classifier, now a regression
        self._stale = True
        self._threshold_only = False
        self._generation += 1
        self._background = False
        self._jobs.cancel(EVALUATION_JOB)
        self.evaluation_changed.emit()
        if self.preset != "all" or self.expression or self.cohort != ALL_ROWS.name:
            self.reapply()

    def _on_threshold_changed(self, _threshold: float) -> None:
        self._threshold_only = self._threshold_only or not self._stale
        self._stale = True
        self.evaluation_changed.emit()
        # Presets and expressions on `predicted`/`correct` depend on the threshold; a dragged
        # slider re-filters once it rests (each re-filter moves every row-following view).
        if self.preset != "all" or self.expression:
            self._refilter.start()
