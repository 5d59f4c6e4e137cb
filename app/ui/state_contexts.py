"""The Qt faces of the workspace's sub-states, reached as `state.debug` and `state.review`.

Each holds what only the window has (the Workers its jobs run on, a QTimer for deferred work),
hands those to its core sub-state, re-emits the sub-state's events as Qt signals and forwards
reads and calls. The state itself lives in app.core.workspace.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
from psygnal import SignalInstance
from PySide6.QtCore import QObject, QTimer, Signal

from app.core.debugging.cohorts import CohortSet
from app.core.debugging.metrics import Evaluation
from app.core.production.compare_models import ModelComparison
from app.core.production.drift import DriftReport
from app.core.production.latency import LatencyReport
from app.core.review.bookmarks import Bookmarks
from app.core.review.glossary import Glossary
from app.core.review.redaction import Redaction
from app.core.review.session import Session
from app.core.workspace import DebugState, ReviewState
from app.core.workspace import sessions as core_sessions
from app.workers import Workers

if TYPE_CHECKING:
    from app.ui.state import AppState

REFILTER_DEBOUNCE_MS = 100


def relay(owner: QObject, links: Iterable[tuple[SignalInstance, Any]]) -> None:
    """Re-emit each workspace event as a Qt signal of `owner` until `owner` is deleted."""
    connected = []
    for event, signal in links:
        event.connect(signal.emit)
        connected.append((event, signal.emit))
    # The workspace may outlive the Qt object (a caller still holds it): stop relaying then.
    owner.destroyed.connect(lambda *_: [event.disconnect(emit) for event, emit in connected])


class DebugContext(QObject):
    """Evaluation, filter, cohorts and locked features (app.core.workspace.debug) for panels."""

    evaluation_changed = Signal()  # new predictions, label or threshold
    filter_changed = Signal()  # preset, expression or cohort changed (already applied)
    locked_changed = Signal()  # the features counterfactuals may not change
    # A request between panels, not state: show these edits (row, {feature: value}) in What-if.
    whatif_requested = Signal(int, object)

    def __init__(self, core: DebugState, parent: QObject) -> None:
        super().__init__(parent)
        self.core = core
        self.workers = Workers(self)  # slices, fairness, dependence run off the GUI thread
        self.refilter = refilter = QTimer(self)
        refilter.setSingleShot(True)
        refilter.setInterval(REFILTER_DEBOUNCE_MS)
        refilter.timeout.connect(core.reapply)
        core.attach(self.workers, refilter)
        relay(
            self,
            [
                (core.evaluation_changed, self.evaluation_changed),
                (core.filter_changed, self.filter_changed),
                (core.locked_changed, self.locked_changed),
            ],
        )

    @property
    def cohorts(self) -> CohortSet:
        return self.core.cohorts

    @cohorts.setter
    def cohorts(self, cohorts: CohortSet) -> None:
        self.core.cohorts = cohorts

    @property
    def preset(self) -> str:
        return self.core.preset

    @property
    def expression(self) -> str:
        return self.core.expression

    @property
    def cohort(self) -> str:
        return self.core.cohort

    @property
    def hints(self) -> list[str]:
        return self.core.hints

    @property
    def locked_features(self) -> list[str] | None:
        return self.core.locked_features

    @property
    def label_problem(self) -> str | None:
        return self.core.label_problem

    @property
    def evaluating(self) -> bool:
        return self.core.evaluating

    def evaluation(self) -> Evaluation | None:
        return self.core.evaluation()

    def evaluation_if_ready(self) -> Evaluation | None:
        return self.core.evaluation_if_ready()

    def extra_columns(self) -> dict[str, np.ndarray]:
        return self.core.extra_columns()

    def set_locked_features(self, names: list[str] | None) -> None:
        self.core.set_locked_features(names)

    def set_filter(
        self, preset: str | None = None, expression: str | None = None, cohort: str | None = None
    ) -> int:
        return self.core.set_filter(preset, expression, cohort)

    def reapply(self) -> None:
        self.core.reapply()

    def step_mistake(self, step: int = 1) -> int | None:
        return self.core.step_mistake(step)


class ReviewContext(QObject):
    """Bookmarks, glossary, redaction and the report's results (app.core.workspace.review)."""

    bookmarks_changed = Signal()
    glossary_changed = Signal()
    redaction_changed = Signal()

    def __init__(self, core: ReviewState, parent: QObject) -> None:
        super().__init__(parent)
        self.core = core
        self.workers = Workers(self)  # glossary files are read off the GUI thread
        core.attach(self.workers)
        relay(
            self,
            [
                (core.bookmarks_changed, self.bookmarks_changed),
                (core.glossary_changed, self.glossary_changed),
                (core.redaction_changed, self.redaction_changed),
            ],
        )

    @property
    def bookmarks(self) -> Bookmarks:
        return self.core.bookmarks

    @property
    def glossary(self) -> Glossary:
        return self.core.glossary

    @property
    def glossary_path(self) -> Path | None:
        return self.core.glossary_path

    @property
    def redaction(self) -> Redaction:
        return self.core.redaction

    # What the report carries from other views, set by the panel or dialog that shows it.
    @property
    def sensitive(self) -> str | None:
        return self.core.sensitive

    @sensitive.setter
    def sensitive(self, column: str | None) -> None:
        self.core.sensitive = column

    @property
    def drift(self) -> DriftReport | None:
        return self.core.drift

    @drift.setter
    def drift(self, report: DriftReport | None) -> None:
        self.core.drift = report

    @property
    def drift_name(self) -> str:
        return self.core.drift_name

    @drift_name.setter
    def drift_name(self, name: str) -> None:
        self.core.drift_name = name

    @property
    def comparison(self) -> ModelComparison | None:
        return self.core.comparison

    @comparison.setter
    def comparison(self, comparison: ModelComparison | None) -> None:
        self.core.comparison = comparison

    @property
    def latency(self) -> LatencyReport | None:
        return self.core.latency

    @latency.setter
    def latency(self, report: LatencyReport | None) -> None:
        self.core.latency = report

    def set_redaction(self, redaction: Redaction) -> None:
        self.core.set_redaction(redaction)

    def set_bookmarks(self, bookmarks: Bookmarks) -> None:
        """Replace the bookmarks (e.g. from a loaded session)."""
        self.core.set_bookmarks(bookmarks)

    def set_glossary(self, glossary: Glossary | None, path: Path | None = None) -> None:
        self.core.set_glossary(glossary, path)

    def open_glossary(self, path: Path, then: Callable[[], None] | None = None) -> None:
        """Load a glossary file on a worker, then `then()`; a bad file is reported through the
        state and nothing changes. `glossary_changed` says it is in."""
        self.core.open_glossary(path, then)


def session_from_state(
    state: AppState,
    view_layout: str = "",
    filter_expression: str = "",
    cohorts: list[dict[str, object]] | None = None,
) -> Session:
    """A Session of what the window shows (the shell adds its layout, filter and cohorts)."""
    return core_sessions.session_of(state.workspace, view_layout, filter_expression, cohorts)


def restore_review(state: AppState, session: Session) -> None:
    """After the shell has reopened the session's model and data: bookmarks and glossary."""
    core_sessions.restore_review(state.workspace, session)
