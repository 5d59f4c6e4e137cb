"""What the debugging panels share beyond AppState: the per-row evaluation against the label and
the current filter (preset × expression × cohort) that decides AppState.visible_rows.

One DebugContext lives per AppState (a child QObject found with `context_for(state)`), so the
filter bar, the confusion matrix and the slices table all drive the same filter. Not a panel.
"""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import QObject, QTimer, Signal

from app.core.base.errors import FilterSyntaxError, ShapLensError
from app.core.base.types import Task
from app.core.debugging.cohorts import ALL_ROWS, CohortSet
from app.core.debugging.filters import apply_filter
from app.core.debugging.metrics import (
    Evaluation,
    encode_labels,
    evaluate,
    next_mistake,
    preset_mask,
    presets_for,
    with_threshold,
)
from app.ui.state import AppState
from app.workers import Workers

OBJECT_NAME = "shaplens-debug-context"
EVALUATION_JOB = "debug-evaluation"
REFILTER_DEBOUNCE_MS = 100


def _evaluate(predictions: np.ndarray, labels: np.ndarray, task: Task, k: int, threshold: float):
    """Encode the labels and judge every row (worker: O(n), pandas for text labels)."""
    try:
        y = encode_labels(labels, task, k)
    except ShapLensError as error:
        return None, str(error)
    return evaluate(predictions, y, task, threshold), None


class DebugContext(QObject):
    evaluation_changed = Signal()  # new predictions, label or threshold
    filter_changed = Signal()  # preset, expression or cohort changed (already applied)
    locked_changed = Signal()  # the features counterfactuals may not change
    whatif_requested = Signal(int, object)  # row, {feature: value}: show these edits in What-if

    def __init__(self, state: AppState) -> None:
        super().__init__(state)
        self.setObjectName(OBJECT_NAME)
        self.state = state
        self.workers = Workers(self)  # slices, fairness, dependence run off the GUI thread
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
        self._reapply_timer = QTimer(self)
        self._reapply_timer.setSingleShot(True)
        self._reapply_timer.setInterval(REFILTER_DEBOUNCE_MS)
        self._reapply_timer.timeout.connect(self.reapply)
        state.data_changed.connect(self._on_inputs_changed)
        state.model_changed.connect(self._on_inputs_changed)
        state.label_changed.connect(self._on_label_changed)
        state.threshold_changed.connect(self._on_threshold_changed)

    # ------------------------------------------------------------------ evaluation
    def evaluation(self) -> Evaluation | None:
        """Row outcomes at the current threshold; None without model, data, label or output.

        Computed here if the background evaluation has not arrived yet: for what the user asked
        for now (a filter on `predicted`, the N key). Panels that merely redraw use
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
            return None
        return self._evaluation

    @property
    def evaluating(self) -> bool:
        return self._stale and self._background

    def _rejudge(self) -> None:
        assert self._evaluation is not None
        self._stale = self._threshold_only = False
        self._evaluation = with_threshold(self._evaluation, self.state.threshold)

    def _inputs(self) -> tuple | None:
        """What an evaluation needs, read on the GUI thread; None (and label_problem) if not."""
        self.label_problem = None
        s = self.state
        if s.model is None or s.data is None or s.raw_output() is None:
            return None
        labels = s.data.label()
        if labels is None:
            self.label_problem = "Choose the label column to see which rows are wrong."
            return None
        predictions = s.predictions()
        k = 2 if s.model.task is Task.BINARY else s.model.n_outputs
        return predictions, labels, s.model.task, k, s.threshold

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
                # Computed on demand meanwhile: panels still waiting for it can draw now.
                self.evaluation_changed.emit()
                return
            self._stale = False
            self._evaluation, self.label_problem = result
            if self._evaluation is not None and self._evaluation.threshold != self.state.threshold:
                self._evaluation = with_threshold(self._evaluation, self.state.threshold)
            self.evaluation_changed.emit()

        def failed(error: object) -> None:
            self._background = False
            self.state.report_error(f"Could not evaluate the predictions: {error}")

        self.workers.run(EVALUATION_JOB, _evaluate, *inputs, on_result=done, on_error=failed)

    def extra_columns(self) -> dict[str, np.ndarray]:
        """Computed columns the filter grammar can use: prediction, predicted, label, error,
        confidence, correct."""
        ev = self.evaluation()
        if ev is None:
            return {}
        k = self.state.output_index
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
        self._reapply_timer.stop()  # this filter already judges rows at the current threshold
        self.preset, self.expression, self.cohort, self.hints = (
            new_preset, new_expression, new_cohort, hints,
        )  # fmt: skip
        self.state.set_visible_rows(rows)
        self.filter_changed.emit()
        return int(rows.size)

    def _rows_for(self, preset: str, expression: str, cohort: str) -> tuple[np.ndarray, list[str]]:
        data = self.state.data
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
            self.state.report_error(f"The filter was cleared: {error}")
            self.preset, self.expression, self.cohort = "all", "", ALL_ROWS.name
            self.set_filter()

    def step_mistake(self, step: int = 1) -> int | None:
        """Select the next (1) or previous (-1) misclassified row among the visible rows."""
        ev = self.evaluation()
        if ev is None:
            return None
        row = next_mistake(ev, self.state.visible_rows, self.state.selected_row, step)
        if row is None:
            self.state.report_status("No misclassified row in the current filter.")
            return None
        self.state.select_row(row)
        return row

    # ------------------------------------------------------------------ state changes
    def _on_inputs_changed(self) -> None:
        model = self.state.model
        if model is not None and self.preset not in {p.key for p in presets_for(model.task)}:
            self.preset = "all"  # e.g. "uncertain" kept from a classifier, now a regression
        self._stale = True
        self._threshold_only = False
        self._generation += 1
        self._background = False
        self.workers.cancel(EVALUATION_JOB)
        self.evaluation_changed.emit()
        if self.preset != "all" or self.expression or self.cohort != ALL_ROWS.name:
            self.reapply()

    def _on_label_changed(self) -> None:
        self._on_inputs_changed()

    def _on_threshold_changed(self, _threshold: float) -> None:
        self._threshold_only = self._threshold_only or not self._stale
        self._stale = True
        self.evaluation_changed.emit()
        # Presets and expressions on `predicted`/`correct` depend on the threshold; a dragged
        # slider re-filters once it rests (each re-filter moves every row-following view).
        if self.preset != "all" or self.expression:
            self._reapply_timer.start()


def context_for(state: AppState) -> DebugContext:
    """The state's DebugContext, created on first use."""
    found = state.findChild(DebugContext, OBJECT_NAME)
    return found if found is not None else DebugContext(state)


def step_mistake(state: AppState, step: int = 1) -> int | None:
    """For the shell: N / Shift+N — next / previous misclassified row in the current filter."""
    return context_for(state).step_mistake(step)
