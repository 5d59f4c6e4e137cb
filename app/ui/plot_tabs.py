"""The tabbed views on the right of the window: Importance, Beeswarm, Waterfall.

This module turns AppState into plot-ready data (app.core.explain.views) and hands it to the plots; the
plots only draw. Importance is cheap (running mean |SHAP|) and follows every chunk; the beeswarm
layout is computed in a worker; the waterfall follows the selected row. Plot classes are imported
lazily so the window still opens (with a note in place of a view) if one is missing.
"""

from __future__ import annotations

import logging
from functools import partial

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QTabWidget, QWidget
from superqt.utils import qthrottled, signals_blocked

from app.core.base.types import Task, Unit
from app.core.explain.view_inputs import ViewInputs
from app.core.explain.views import (
    BeeswarmData,
    ImportanceData,
    beeswarm,
    contrast_waterfall,
    filtered_beeswarm,
    filtered_importance,
    importance,
    waterfall,
)
from app.plots.registry import tab_views
from app.ui.state import AppState
from app.ui.view_options import ViewOptions, with_display_names
from app.ui.view_slot import ViewSlot
from app.workers import Workers

log = logging.getLogger(__name__)

VIEW_JOB = "view:"  # worker key of a registered view's data


def prediction_text(state: AppState, row: int, k: int) -> str:
    """What the model predicts for the row, in the user's terms, with the raw unit beside it."""
    model, raw, pred = state.model, state.raw_output(), state.predictions()
    if model is None or raw is None or pred is None:
        return ""
    name = state.output_names[k]
    if model.task is Task.BINARY and model.unit is Unit.LOG_ODDS:
        return f"P({name}) = {pred[row, k]:.3f}  (log-odds {raw[row, k]:+.3f})"
    if model.task is Task.MULTICLASS and model.unit is Unit.LOG_ODDS:
        # A class's raw score is a softmax logit: its probability depends on the other classes.
        return f"P({name}) = {pred[row, k]:.3f}  (softmax logit {raw[row, k]:+.3f})"
    return f"prediction = {pred[row, k]:,.4g} ({model.unit.value})"


def beeswarm_job(values, X, features, frame, unit, order, k, name, rows, total) -> BeeswarmData:
    """Worker: pick the explained rows' features and lay the swarm out (seconds at 1M rows).

    `X` and `frame` are the whole dataset; selecting the explained rows copies hundreds of MB
    at 1M rows, so it happens here and not on the GUI thread."""
    if rows.size < total:
        X, frame = X[rows], frame.iloc[rows] if frame is not None else None
    return beeswarm(
        values,
        X,
        features,
        frame,
        unit,
        order,
        output=k,
        output_name=name,
        rows=rows,
        rows_total=total,
    )


class PlotTabs(QTabWidget):
    """Importance / Beeswarm / Waterfall, kept in step with the state."""

    views_updated = Signal(str)  # a view got new data (its name)

    def __init__(self, state: AppState, workers: Workers, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.state, self.workers = state, workers
        self.slots = {spec.name: ViewSlot(spec, self) for spec in tab_views()}
        for spec in tab_views():
            index = self.addTab(self.slots[spec.name], spec.title)
            self.setTabToolTip(index, spec.tip)
        self.importance_data = self.beeswarm_data = self.waterfall_data = None
        self._beeswarm_stale = True
        self.options = ViewOptions(self)
        self.setCornerWidget(self.options, Qt.Corner.TopRightCorner)
        self.options.filtered.toggled.connect(self._on_filter_scope_changed)
        self.options.rather.currentIndexChanged.connect(self._refresh_waterfall)
        self.review = state.review
        self.review.glossary_changed.connect(self._on_glossary_changed)
        state.model_changed.connect(self._fill_contrast)
        state.visible_rows_changed.connect(self._on_visible_rows_changed)
        # Chunks can arrive faster than redraws are useful; coalesce them.
        self._refresh_soon = state.on_close.add(
            qthrottled(self._refresh_global, timeout=150, parent=self)
        )
        state.explanation_changed.connect(self._on_explanation_changed)
        state.explanation_finished.connect(self._refresh_global)
        state.output_changed.connect(self._on_output_changed)
        state.row_selected.connect(self._refresh_waterfall)
        state.row_explained.connect(self._on_row_explained)
        state.data_changed.connect(self._on_data_changed)
        self.currentChanged.connect(self._on_tab_changed)
        beeswarm_plot = self.slots["beeswarm"].plot
        if beeswarm_plot is not None and hasattr(beeswarm_plot, "row_clicked"):
            beeswarm_plot.row_clicked.connect(self._on_beeswarm_row_clicked)
        self._fill_contrast()
        self._on_data_changed()

    @property
    def filter_only(self) -> bool:
        """Importance and beeswarm cover only the rows of the current filter."""
        return self.options.filtered.isChecked()

    def contrast_output(self) -> int | None:
        """The class the waterfall is contrasted with, or None (plain waterfall)."""
        b = self.options.rather.currentIndex() - 1  # item 0 is "none"
        if b < 0 or b == self.state.output_index or b >= len(self.state.output_names):
            return None
        return b

    def _show(self, view: str, data: object) -> None:
        self.slots[view].show_data(with_display_names(data, self.review.glossary))

    def view_widget(self, view: str | None = None) -> QWidget:
        """The widget to export: the plot of `view` (default: the current tab)."""
        slot = self.slots[view] if view else self.currentWidget()
        return slot.currentWidget()  # type: ignore[union-attr]

    def current_view(self) -> str:
        return list(self.slots)[self.currentIndex()]

    # ---------------------------------------------------------------- reactions
    def _on_data_changed(self) -> None:
        self.importance_data = self.beeswarm_data = self.waterfall_data = None
        self.workers.cancel("beeswarm")
        self.workers.cancel("importance")
        for name in self.slots:
            self.workers.cancel(VIEW_JOB + name)
        self._beeswarm_stale = True
        text = (
            "Computing SHAP values…"
            if self.state.ready
            else "Open a model and a dataset (File menu), or drop both files on the window."
        )
        for slot in self.slots.values():
            slot.show_note(text)
        if self.state.ready:
            self.slots["waterfall"].show_note("Select a row in the table to see its waterfall.")

    def _on_explanation_changed(self) -> None:
        self._beeswarm_stale = True
        self._refresh_soon()

    def _on_output_changed(self, _k: int) -> None:
        self._beeswarm_stale = True
        self._refresh_global()
        self._refresh_waterfall()

    def _fill_contrast(self) -> None:
        combo = self.options.rather
        with signals_blocked(combo):  # rebuilding the list is not a user's choice
            combo.clear()
            combo.addItem("none")
            combo.addItems(self.state.output_names)
        self.options.show_for(self.current_view(), len(self.state.output_names))

    def _on_filter_scope_changed(self, _on: bool) -> None:
        self._beeswarm_stale = True
        self._refresh_global()

    def _on_visible_rows_changed(self) -> None:
        if self.filter_only:
            self._on_filter_scope_changed(True)
        else:
            self._refresh_registered()

    def _on_glossary_changed(self) -> None:
        for view, data in (
            ("importance", self.importance_data),
            ("beeswarm", self.beeswarm_data),
            ("waterfall", self.waterfall_data),
        ):
            if data is not None:
                self._show(view, data)

    def _on_tab_changed(self, _index: int) -> None:
        self.options.show_for(self.current_view(), len(self.state.output_names))
        if self.current_view() == "beeswarm" and self._beeswarm_stale:
            self._refresh_beeswarm()

    def _on_row_explained(self, row: int) -> None:
        if row == self.state.selected_row:
            self._refresh_waterfall()

    def _refresh_global(self) -> None:
        self._refresh_soon.cancel()  # a refresh now makes the pending one redundant
        self._refresh_importance()
        self._refresh_registered()
        # During a run, a beeswarm layout (seconds at 1M rows) is not restarted for every
        # chunk: the one in flight finishes and the next refresh picks up the newer rows.
        busy = self.state.computing and self.workers.is_running("beeswarm")
        if (self.current_view() == "beeswarm" or not self.state.computing) and not busy:
            self._refresh_beeswarm()
        if self.waterfall_data is None and self.state.selected_row is not None:
            self._refresh_waterfall()

    def _refresh_importance(self) -> None:
        s = self.state
        mean_abs = s.mean_abs()
        if mean_abs is None or s.model is None or s.data is None:
            return
        k = s.output_index
        # Only the filtered view needs the rows: reading s.explanation mid-run may copy a
        # partial snapshot on this thread (tens of ms per chunk at 100k rows; issue 14).
        explanation = s.explanation if self.filter_only else None
        if explanation is not None:

            def on_result(data: ImportanceData) -> None:
                self.importance_data = data
                self._show("importance", data)
                self.views_updated.emit("importance")

            self.workers.run(
                "importance",
                filtered_importance,
                explanation.values,
                explanation.rows,
                s.visible_rows,
                s.model.feature_names,
                s.model.unit,
                k,
                s.output_names[k],
                on_result=on_result,
                on_error=lambda error: s.report_error(f"Computing importance failed: {error}"),
            )
            return
        self.workers.cancel("importance")
        self.importance_data = importance(
            mean_abs,
            s.model.feature_names,
            s.model.unit,
            s.rows_explained(),
            s.data.n_rows,
            output=k,
            output_name=s.output_names[k],
        )
        self._show("importance", self.importance_data)
        self.views_updated.emit("importance")

    def _refresh_registered(self) -> None:
        """Views added through app.plots.registry: their data function runs in a worker."""
        s = self.state
        if not any(slot.data_fn is not None for slot in self.slots.values()):
            return  # reading s.explanation mid-run may copy a snapshot on this thread (issue 14)
        if s.explanation is None or s.model is None or s.data is None:
            return
        k = s.output_index
        inputs = ViewInputs(
            s.model, s.data, s.explanation, k, s.output_names[k], s.selected_row, s.visible_rows
        )
        for name, slot in self.slots.items():
            if slot.data_fn is not None:
                self.workers.run(
                    VIEW_JOB + name,
                    slot.data_fn,
                    inputs,
                    on_result=partial(self._on_registered_data, name),
                    on_error=lambda error, name=name: s.report_error(
                        f"The {name} view failed: {error}"
                    ),
                )

    def _on_registered_data(self, name: str, data: object) -> None:
        self._show(name, data)
        self.views_updated.emit(name)

    def _refresh_beeswarm(self) -> None:
        s = self.state
        explanation = s.explanation
        if explanation is None or s.model is None or s.data is None:
            return
        rows = explanation.rows
        k = s.output_index

        def on_result(data: BeeswarmData) -> None:
            self.beeswarm_data = data
            self._show("beeswarm", data)
            self.views_updated.emit("beeswarm")

        on_error = lambda error: s.report_error(f"Drawing the beeswarm failed: {error}")  # noqa: E731
        if self.filter_only:  # lanes in the filtered rows' own importance order
            self._beeswarm_stale = False
            self.workers.run(
                "beeswarm",
                filtered_beeswarm,
                explanation.values,
                rows,
                s.visible_rows,
                s.data.X,
                s.model.features,
                s.data.frame,
                s.model.unit,
                k,
                s.output_names[k],
                on_result=on_result,
                on_error=on_error,
            )
            return
        if self.importance_data is None:
            return
        self._beeswarm_stale = False

        # Every explained row: the plot switches to a density raster when dots would crowd.
        self.workers.run(
            "beeswarm",
            beeswarm_job,
            explanation.values,
            s.data.X,
            s.model.features,
            s.data.frame,
            s.model.unit,
            list(self.importance_data.features),
            k,
            s.output_names[k],
            rows,
            s.data.n_rows,
            on_result=on_result,
            on_error=on_error,
        )

    def _refresh_waterfall(self, *_: object) -> None:
        s = self.state
        row = s.selected_row
        if row is None or s.model is None or s.data is None:
            return
        found = s.row_values(row)
        if found is None:
            self.waterfall_data = None
            self.slots["waterfall"].show_note(f"Explaining row {row}…")
            return
        values, base = found
        k = s.output_index
        names = s.model.feature_names
        display = s.data.display_values(row, names)  # labels, not category codes
        b = self.contrast_output()
        if b is not None:
            outputs = s.output_names
            self.waterfall_data = contrast_waterfall(
                row,
                values[:, k],
                values[:, b],
                float(base[k]),
                float(base[b]),
                display,
                names,
                s.model.unit,
                outputs[k],
                outputs[b],
            )
        else:
            self.waterfall_data = waterfall(
                row,
                values[:, k],
                float(base[k]),
                display,
                names,
                s.model.unit,
                prediction_text(s, row, k),
                output_name=s.output_names[k],
            )
        self._show("waterfall", self.waterfall_data)
        self.views_updated.emit("waterfall")

    def _on_beeswarm_row_clicked(self, row: int) -> None:
        self.state.select_row(int(row))  # the plot maps its dots to dataset rows
