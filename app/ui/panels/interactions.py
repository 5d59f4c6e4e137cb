"""Which features act together: the heatmap of mean |SHAP interaction| over every row, and, on a
click, the dependence plot of one pair (x = the first feature's value, y = the pair's
interaction value, colour = the second feature), whose dots select rows.

The summary comes from the state's InteractionsContext (computed in the background once SHAP
values exist, with progress and cancel here). A pair's plot computes the interaction values of
up to PAIR_ROWS rows of the current filter in a worker; the heatmap itself is over all rows.
"""

from __future__ import annotations

import threading
from pathlib import Path

import numpy as np
from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QCheckBox,
    QHBoxLayout,
    QLabel,
    QProgressBar,
    QPushButton,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from app.core.base.errors import ShapLensError
from app.core.debugging.dependence import DependenceData
from app.core.explain.interaction_jobs import iterate_interactions
from app.core.explain.interaction_views import HeatmapData, heatmap, pair_dependence, pair_sample
from app.plots.interactions import InteractionHeatmap
from app.ui.export_targets import (
    ExportTarget,
    heatmap_rows,
    pair_rows,
    shown_data,
    view_caption,
)
from app.ui.panels.behaviour_common import export_button, export_plot
from app.ui.panels.debug_dependence import DependencePlot
from app.ui.panels.debug_jobs import cancel_on_destroy
from app.ui.panels.interactions_filter import FilteredMeans
from app.ui.state import AppState

TITLE = "Interactions"
PAIR_JOB = "interaction-pair"
HEATMAP, PAIR = 0, 1


class InteractionsPanel(QWidget):
    USEFUL_HEIGHT = 460  # the heatmap's readable minimum plus its title and controls (docks.py)

    def __init__(self, state: AppState, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.state = state
        self.context = state.interactions
        self.workers = self.context.workers
        self.pair: tuple[int, int] | None = None  # model columns of the pair on show
        self.heatmap_data: HeatmapData | None = None
        # Which rows the figure on show covers, worded when it was drawn (export captions).
        self.heatmap_rows = self.pair_rows = ""
        self._pair_stop = threading.Event()  # the pair job's: set, it stops within an engine step
        self.status = QLabel(self)
        self.status.setWordWrap(True)
        self.progress = QProgressBar(self)
        self.progress.setRange(0, 1000)
        self.progress.setTextVisible(False)
        self.progress.setMaximumWidth(160)
        self.cancel_button = QPushButton("Cancel", self)
        self.cancel_button.setToolTip("Stop computing interaction values")
        self.compute_button = QPushButton("Compute", self)
        self.compute_button.setToolTip("Compute the interaction values of every row")
        self.filtered = QCheckBox("Only rows in the current filter", self)
        self.filtered.setToolTip(
            "The heatmap over the rows of the current filter or cohort (computed for them)"
        )
        self.filter_means = FilteredMeans(state, self.workers, self)
        top = QHBoxLayout()
        top.addWidget(self.status, 1)
        top.addWidget(self.filtered)
        top.addWidget(self.progress)
        top.addWidget(self.cancel_button)
        top.addWidget(self.compute_button)
        top.addWidget(export_button(self, self.export))

        self.heatmap = InteractionHeatmap(self)
        self.heatmap.setToolTip("Hover a cell for its number; click it for the pair's plot")
        self.note = QLabel(self)
        self.note.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.note.setWordWrap(True)
        self.back_button = QPushButton("← All pairs", self)
        self.back_button.setToolTip("Back to the heatmap")
        self.pair_note = QLabel(self)
        self.pair_plot = DependencePlot(self)
        pair_page = QWidget(self)
        pair_top = QHBoxLayout()
        pair_top.addWidget(self.back_button)
        pair_top.addStretch(1)
        pair_top.addWidget(self.pair_note)
        pair_layout = QVBoxLayout(pair_page)
        pair_layout.setContentsMargins(0, 0, 0, 0)
        pair_layout.addLayout(pair_top)
        pair_layout.addWidget(self.pair_plot, 1)
        self.pages = QStackedWidget(self)
        heat_page = QStackedWidget(self)  # the heatmap, or a note in its place
        heat_page.addWidget(self.note)
        heat_page.addWidget(self.heatmap)
        self.heat_page = heat_page
        self.pages.addWidget(heat_page)
        self.pages.addWidget(pair_page)
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(self.pages, 1)

        self.cancel_button.clicked.connect(self._on_cancel_clicked)
        self.compute_button.clicked.connect(self.context.start)
        self.back_button.clicked.connect(self.show_heatmap)
        self.heatmap.pair_clicked.connect(self.show_pair)
        self.pair_plot.row_clicked.connect(state.select_row)
        self.context.summary_changed.connect(self._on_summary_changed)
        self.context.progress_changed.connect(self._on_progress)
        self.context.running_changed.connect(lambda _on: self._show_controls())
        state.output_changed.connect(lambda _k: self._on_summary_changed())
        self.review = state.review
        self.review.glossary_changed.connect(self._on_summary_changed)
        state.visible_rows_changed.connect(self._on_filter_changed)
        state.model_changed.connect(self._on_inputs_changed)
        state.data_changed.connect(self._on_inputs_changed)
        self.filtered.toggled.connect(lambda _on: self._on_summary_changed())
        self.filter_means.ready.connect(self._on_summary_changed)
        self.filter_means.progressed.connect(self._on_progress)
        self.filter_means.failed.connect(self._on_filter_failed)
        state.row_selected.connect(self.pair_plot.set_selected)
        cancel_on_destroy(self, self.workers, PAIR_JOB, "interaction-filter")
        self._on_summary_changed()

    def showEvent(self, event) -> None:
        super().showEvent(event)
        self.context.want()  # on screen: the summary is worth computing now

    # ----------------------------------------------------------------- heatmap
    def _show_controls(self) -> None:
        fm = self.filter_means
        running = self.context.running or fm.running
        self.progress.setVisible(running)
        self.cancel_button.setVisible(running)
        can_compute = self.state.explanation is not None and self.state.explanation.complete
        self.compute_button.setVisible(not running and self.context.summary is None and can_compute)
        if fm.running:
            n = self.state.visible_rows.size
            self.status.setText(f"Computing the interactions of {n:,} filtered rows…")
        elif running:
            self.status.setText(f"Computing interaction values… {self.context.fraction:.0%}")
        elif self.context.summary is not None:
            self.status.setText(
                "Click a cell for the pair's dependence plot; a dot there selects its row."
            )
        else:
            self.status.setText(self.context.status)

    def _on_progress(self, fraction: float) -> None:
        self.progress.setValue(round(fraction * 1000))
        self._show_controls()

    def _on_cancel_clicked(self) -> None:
        self.context.cancel()
        if self.filter_means.running:
            self.filter_means.stop()
            self.filtered.setChecked(False)  # back to every row's heatmap

    def _on_filter_failed(self, message: str) -> None:
        self.filtered.setChecked(False)
        self.status.setText(message)

    def _on_inputs_changed(self) -> None:
        self.filter_means.forget()
        self.show_heatmap()  # a pair of the old model's columns means nothing now

    def _filtering(self) -> bool:
        s = self.state
        return (
            self.filtered.isChecked() and s.data is not None and s.visible_rows.size < s.data.n_rows
        )

    def _source(self) -> tuple[np.ndarray, int, str] | None:
        """(mean |interaction|, rows, scope) to draw: the filter's, or every row's summary."""
        if self._filtering():
            fm, rows = self.filter_means, self.state.visible_rows
            if fm.current() and fm.mean_abs is not None:
                return fm.mean_abs, int(rows.size), "in the filter"
            if rows.size and not fm.running:
                fm.request()
            return None
        summary = self.context.summary
        return None if summary is None else (summary.mean_abs, summary.n_rows, "")

    def _on_summary_changed(self) -> None:
        s = self.state
        source = self._source() if s.model is not None else None
        self._show_controls()
        if source is None or s.model is None:
            self.heatmap_data = None
            self.heatmap.clear()
            self.note.setText(self._waiting_text())
            self.heat_page.setCurrentWidget(self.note)
            return
        mean_abs, n_rows, scope = source
        k = s.output_index
        self.heatmap_data = heatmap(
            mean_abs,
            self.review.glossary.display_names(list(s.model.feature_names)),
            s.model.unit,
            n_rows,
            output=k,
            output_name=s.output_names[k] if len(s.output_names) > 1 else "",
            importance=s.mean_abs(),
            scope=scope,
        )
        self.heatmap_rows = heatmap_rows(s, n_rows, bool(scope))
        self.heatmap.set_data(self.heatmap_data)
        self.heat_page.setCurrentWidget(self.heatmap)
        if self.pair is not None:
            self._refresh_pair()

    def _waiting_text(self) -> str:
        s = self.state
        if not s.ready:
            return "Open a model and a dataset to see which features act together."
        if self._filtering():
            n = s.visible_rows.size
            return (
                f"Computing the interactions of the {n:,} rows in the filter…"
                if n
                else ("No rows pass the filter.")
            )
        if self.context.running:
            return "Computing the interaction values of every row…"
        return self.context.status or "Computed once every row has its SHAP values."

    def show_heatmap(self) -> None:
        self._stop_pair()
        self.pair = None
        self.pages.setCurrentIndex(HEATMAP)
        self.filtered.setVisible(True)

    def _stop_pair(self) -> None:
        self._pair_stop.set()
        self.workers.cancel(PAIR_JOB)

    # ----------------------------------------------------------------- one pair
    def show_pair(self, i: int, j: int) -> None:
        """The dependence plot of features i and j (model columns; i == j: a main effect)."""
        if self.pair != (int(i), int(j)):
            self.pair_plot.clear()  # another pair's dots would pass for this one's
        self.pair = (int(i), int(j))
        self.pages.setCurrentIndex(PAIR)
        self.filtered.setVisible(False)  # a pair's plot always follows the filter
        self._refresh_pair()

    def _on_filter_changed(self) -> None:
        if self.filtered.isChecked():
            self.filter_means.stop()
            self._on_summary_changed()  # the note, and a run for the new rows
        if self.pair is not None:
            self._refresh_pair()

    def _refresh_pair(self) -> None:
        s = self.state
        if self.pair is None or s.model is None or s.data is None:
            return
        i, j = self.pair
        rows = s.visible_rows
        if rows.size == 0:
            self.pair_plot.clear()
            self.pair_note.setText("No rows pass the filter.")
            return
        sample = pair_sample(rows)
        names = self.review.glossary.display_names(list(s.model.feature_names))
        pair = names[i] if i == j else f"{names[i]} × {names[j]}"
        self.pair_note.setText(f"{pair}: computing {sample.size:,} rows…")
        k = s.output_index
        self._stop_pair()
        self._pair_stop = threading.Event()
        self.workers.run(
            PAIR_JOB,
            pair_dependence,
            iterate_interactions,
            s.model,
            s.data.X,
            s.model.features,
            s.model.unit,
            sample,
            i,
            j,
            k,
            s.output_names[k],
            int(rows.size),
            self._pair_stop,
            names,  # the heatmap's names (glossary), in the title, axis and tooltips
            on_progress=lambda f: self.pair_note.setText(f"{pair}: computing… {f:.0%}"),
            on_result=self._on_pair,
            on_error=lambda error: self.pair_note.setText(f"Could not draw: {error}"),
        )

    def _on_pair(self, data: DependenceData) -> None:
        if data.subsampled:
            self.pair_note.setText(f"{data.rows.size:,} of {data.total:,} rows drawn (sample)")
        else:
            self.pair_note.setText(f"{data.total:,} rows")
        self.pair_plot.selected = self.state.selected_row
        self.pair_rows = pair_rows(self.state, int(data.rows.size), int(data.total))
        self.pair_plot.set_data(data)

    # ----------------------------------------------------------------- export
    def export_target(self) -> ExportTarget:
        """The figure on show (heatmap or pair plot) for File > Export View and Export…."""
        if self.pages.currentIndex() == PAIR:
            return ExportTarget("interaction_pair", self.pair_plot, self.pair_rows)
        return ExportTarget("interactions", self.heatmap, self.heatmap_rows)

    def export(self, path: Path | None = None) -> Path | None:
        """Save the figure on show (asks where unless `path` is given); the file written."""
        target = self.export_target()
        try:
            data = shown_data(self.state, target.view, target.widget)
        except ShapLensError as error:  # a personal column's values: refused
            self.state.report_error(str(error))
            return None
        caption = view_caption(self.state, cohort=target.cohort)
        return export_plot(
            self, self.state, target.widget, target.view, path, caption=caption, data=data
        )


def create(state: AppState) -> QWidget:
    return InteractionsPanel(state)
