"""Partial dependence and ICE for a chosen feature over the rows of the current filter, or a
two-feature heatmap. The model predicts every row at every grid value in a worker, in chunks:
the curve appears after the first chunk (a running estimate over a random sample of the rows)
and sharpens; the progress bar's Cancel stops it. The selected row's ICE line is highlighted
with its own value marked (computed at once if it is not among the sampled lines)."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtWidgets import (
    QComboBox,
    QHBoxLayout,
    QLabel,
    QSpinBox,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from app.core.base.types import Unit
from app.core.debugging.behaviour.pd_views import pd2_plot, pd_plot
from app.core.debugging.behaviour.pdp import (
    PartialDependence,
    Progress,
    ice_lines,
    partial_dependence_for,
    with_ice_rows,
)
from app.core.debugging.behaviour.pdp2d import PartialDependence2D, partial_dependence_2d_for
from app.plots.pdp import PD2Plot, PDPlot
from app.ui.panels.behaviour_common import (
    ProgressRow,
    WhenShown,
    export_button,
    export_plot,
    shrinkable,
)
from app.ui.panels.debug_jobs import cancel_on_destroy
from app.ui.state import AppState

TITLE = "Partial dependence"
JOB, ROW_JOB = "behaviour-pdp", "behaviour-pdp-row"
CHUNK_PREDICTIONS = 20_000  # ~0.5 s of LightGBM on a busy core: progress and Cancel feel live
GRID_2D = 12
SHOW = ("partial dependence", "ICE lines", "centred ICE")


class PartialDependencePanel(QWidget):
    # Three rows of controls, a two-line title and a readable plot (docks.py): at the
    # default window size the bottom dock left the plot 'too small to read' (issue 17).
    USEFUL_HEIGHT = 400

    def __init__(self, state: AppState, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.state = state
        self.workers = state.debug.workers
        self.result: PartialDependence | PartialDependence2D | None = None
        self.feature = QComboBox(self)
        self.second = QComboBox(self)
        self.second.setToolTip("A second feature draws the two-feature heatmap")
        self.show_combo = QComboBox(self)
        self.show_combo.addItems(SHOW)
        self.scale = QComboBox(self)
        self.grid = QSpinBox(self)
        self.grid.setRange(5, 200)
        self.grid.setValue(30)
        self.grid.setToolTip("Grid points for a numeric feature (categories: every level)")
        self.pd_plot, self.pd2_plot = PDPlot(self), PD2Plot(self)
        self.stack = QStackedWidget(self)
        self.stack.addWidget(self.pd_plot)
        self.stack.addWidget(self.pd2_plot)
        self.progress = ProgressRow(self)
        for combo in (self.feature, self.second, self.show_combo, self.scale):
            shrinkable(combo)
        top, options = QHBoxLayout(), QHBoxLayout()
        for label, widget in (("Feature:", self.feature), ("and:", self.second)):
            top.addWidget(QLabel(label, self))
            top.addWidget(widget, 1)
        top.addWidget(export_button(self, self.export))
        options.addWidget(self.show_combo, 1)
        options.addWidget(self.scale, 1)
        options.addWidget(QLabel("Grid:", self))
        options.addWidget(self.grid)
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addLayout(options)
        layout.addWidget(self.progress)
        layout.addWidget(self.stack, 1)
        self.when_shown = WhenShown(self, self.compute, on_close=state.on_close)
        cancel_on_destroy(self, self.workers, JOB, ROW_JOB)
        for combo in (self.feature, self.second):
            combo.activated.connect(lambda _i: self.when_shown.request())
        self.grid.editingFinished.connect(self.when_shown.request)
        self.show_combo.activated.connect(lambda _i: self.render())
        self.scale.activated.connect(lambda _i: self.render())
        self.progress.cancel.clicked.connect(self.cancel)
        state.model_changed.connect(self._fill)
        state.data_changed.connect(self.when_shown.request)
        state.visible_rows_changed.connect(self.when_shown.request)
        state.output_changed.connect(lambda _k: self.when_shown.request())
        state.row_selected.connect(self._on_row_selected)
        self._fill()

    # ---------------------------------------------------------------- inputs
    def _fill(self) -> None:
        model = self.state.model
        names = model.feature_names if model is not None else []
        self.feature.clear()
        self.feature.addItems(names)
        self.second.clear()
        self.second.addItem("(one feature)", None)
        for name in names:
            self.second.addItem(name, name)
        self.scale.clear()
        if model is not None and model.unit is Unit.LOG_ODDS:
            self.scale.addItem("probability", "prediction")
            self.scale.addItem("log-odds", "raw")
        else:  # a regression's prediction is its raw output: one scale
            unit = model.unit.value if model is not None else ""
            self.scale.addItem(f"prediction ({unit})" if unit else "prediction", "prediction")
        self.scale.setEnabled(self.scale.count() > 1)
        self.when_shown.request()

    def set_feature(self, name: str, second: str | None = None) -> None:
        """Choose the feature(s) and compute (for tests and other panels)."""
        self.feature.setCurrentText(name)
        self.second.setCurrentIndex(max(self.second.findData(second), 0))
        self.when_shown.request()

    # ---------------------------------------------------------------- computing
    def compute(self) -> None:
        s = self.state
        self.workers.cancel(ROW_JOB)
        if s.model is None or s.data is None or not self.feature.currentText():
            self.progress.say("Open a model and a dataset.")
            return
        rows = s.visible_rows
        if rows.size == 0:
            self.progress.say("No rows pass the filter.")
            return
        feature, second = self.feature.currentText(), self.second.currentData()
        if second == feature:
            self.progress.say("Choose two different features for the heatmap.")
            return
        self.result = None
        self.progress.running(True, 0, int(rows.size))
        self.progress.say(f"Predicting {rows.size:,} rows at every grid value…")
        k = s.output_index
        if second is None:
            selected = [s.selected_row] if s.selected_row is not None else []
            args = (s.model, s.data.X, feature, rows, self.grid.value(), 100, selected, k)
            fn = partial_dependence_for
        else:
            grid = min(self.grid.value(), GRID_2D)
            args = (s.model, s.data.X, feature, second, rows, grid, k)
            fn = partial_dependence_2d_for
        self.workers.run(
            JOB, fn, *args, CHUNK_PREDICTIONS,
            on_result=self._on_result, on_error=self._on_error, on_progress=self._on_progress,
        )  # fmt: skip

    def cancel(self) -> None:
        self.workers.cancel(JOB)
        self.progress.running(False)
        shown = self.result
        if shown is not None and not shown.complete:
            self.progress.say(
                f"Cancelled: the curve is an estimate from {shown.n_rows:,} of "
                f"{shown.rows_total:,} rows."
            )
        else:
            self.progress.say("Cancelled.")

    def _on_progress(self, progress: Progress) -> None:
        self.progress.running(True, progress.done, progress.total)
        if progress.partial is not None:
            self.result = progress.partial
            self.render()

    def _on_result(self, result: PartialDependence | PartialDependence2D) -> None:
        self.result = result
        self.progress.running(False)
        self.progress.say("")  # the title says how many rows
        self.render()

    def _on_error(self, error: object) -> None:
        self.progress.running(False)
        self.progress.say(f"Could not compute: {error}")

    def _on_row_selected(self, row: int) -> None:
        result, s = self.result, self.state
        if not isinstance(result, PartialDependence) or s.model is None or s.data is None:
            return
        if row in result.ice_rows:
            self.render()
            return
        grid = result.grid

        def add(lines) -> None:
            if self.result is not None and getattr(self.result, "grid", None) is grid:
                self.result = with_ice_rows(self.result, [row], *lines, s.data.X)
                self.render()

        self.workers.run(
            ROW_JOB, ice_lines, s.model, s.data.X, grid, [row], result.output,
            on_result=add, on_error=self._on_error,
        )  # fmt: skip

    # ---------------------------------------------------------------- drawing
    def render(self) -> None:
        result = self.result
        if result is None:
            return
        scale = self.scale.currentData() or "prediction"
        if isinstance(result, PartialDependence2D):
            self.stack.setCurrentWidget(self.pd2_plot)
            self.pd2_plot.set_data(pd2_plot(result, scale))
            return
        self.stack.setCurrentWidget(self.pd_plot)
        show = self.show_combo.currentIndex()
        kind = "pdp" if show == 0 else "ice"
        data = pd_plot(result, kind, scale, centred=show == 2, selected_row=self.state.selected_row)
        self.pd_plot.set_data(data)

    def current_plot(self) -> QWidget:
        return self.stack.currentWidget()

    def export(self, path: Path | None = None) -> Path | None:
        """Save the plot (asks where unless `path` is given); returns the file written."""
        view = "pdp2" if self.stack.currentWidget() is self.pd2_plot else "pdp"
        if view == "pdp" and self.show_combo.currentIndex():
            view = "ice"
        return export_plot(self, self.state, self.current_plot(), view, path)


def create(state: AppState) -> QWidget:
    return PartialDependencePanel(state)
