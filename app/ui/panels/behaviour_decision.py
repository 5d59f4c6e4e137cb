"""Decision plot of the rows in the current filter or cohort (up to 2,000 lines, a seeded
sample beyond that which always keeps the selected row). Lines are coloured by prediction or
by correct / wrong; clicking a line selects its row; the selected row is drawn on top."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from PySide6.QtWidgets import QComboBox, QHBoxLayout, QLabel, QVBoxLayout, QWidget

from app.core.debugging.behaviour.decision import DecisionData, decision
from app.plots.decision import DecisionPlot
from app.ui.panels.behaviour_common import export_button, export_plot, shrinkable
from app.ui.panels.debug_jobs import PanelJob, Work
from app.ui.state import AppState

TITLE = "Decision plot"
JOB = "behaviour-decision"
DEBOUNCE_MS = 200


class DecisionPanel(QWidget):
    def __init__(self, state: AppState, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.state = state
        self.context = state.debug
        self.colour = QComboBox(self)
        self.colour.addItem("colour by prediction", "prediction")
        self.colour.addItem("colour by correct / wrong", "correct")
        self.note = QLabel(self)
        self.plot = DecisionPlot(self)
        shrinkable(self.colour, 12)
        top = QHBoxLayout()
        top.addWidget(self.colour)
        top.addWidget(self.note, 1)
        top.addWidget(export_button(self, self.export))
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(self.plot, 1)
        self.job = PanelJob(
            self, self.context.workers, JOB, self._prepare,
            lambda error: self.note.setText(f"Could not draw: {error}"), DEBOUNCE_MS,
            on_close=state.on_close,
        )  # fmt: skip
        self.colour.activated.connect(lambda _i: self.job.request())
        self.plot.row_clicked.connect(state.select_row)
        state.explanation_changed.connect(self.job.request)
        state.visible_rows_changed.connect(self.job.request)
        state.output_changed.connect(lambda _k: self.job.request())
        state.row_selected.connect(self._on_row_selected)
        self.context.evaluation_changed.connect(self._on_evaluation_changed)
        self.job.request()

    def _prepare(self) -> Work | None:
        s = self.state
        explanation = s.explanation
        if s.model is None or s.data is None or explanation is None:
            self.plot.clear()
            self.note.setText("Waiting for SHAP values." if s.model is not None else "")
            return None
        if s.visible_rows.size == 0:
            self.plot.clear()
            self.note.setText("No rows pass the filter.")
            return None
        predictions = s.predictions()
        k = s.output_index
        correct = None
        if self.colour.currentData() == "correct":
            ev = self.context.evaluation_if_ready()
            if ev is None:
                self.note.setText(self.context.label_problem or "Evaluating the predictions…")
                return None
            correct = ev.correct
        self.note.setText("")
        name = s.output_names[k] if len(s.output_names) > 1 else ""
        args = (
            explanation.values, explanation.rows, s.visible_rows,
            float(explanation.base_values[k]), s.model.feature_names, s.model.unit,
            predictions[:, k], correct, k, s.selected_row,
        )  # fmt: skip
        return Work(lambda *a: decision(*a, output_name=name), args, self._on_result)

    def _on_result(self, data: DecisionData) -> None:
        self.plot.set_data(data)

    def _on_evaluation_changed(self) -> None:
        if self.colour.currentData() == "correct":
            self.job.request()

    def _on_row_selected(self, row: int) -> None:
        data: DecisionData | None = self.plot.data
        if data is not None and row in data.rows:
            self.plot.set_data(replace(data, selected=row))  # only the highlight moves
        elif data is not None and data.sampled and row in self.state.visible_rows:
            self.job.request()  # a new sample that includes the row

    def export(self, path: Path | None = None) -> Path | None:
        """Save the plot (asks where unless `path` is given); returns the file written."""
        return export_plot(self, self.state, self.plot, "decision", path)


def create(state: AppState) -> QWidget:
    return DecisionPanel(state)
