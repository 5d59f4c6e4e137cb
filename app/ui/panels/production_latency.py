"""Latency panel: measure single-row and batch latency on the loaded data, against a budget.

The measurement (app.core.production.latency.iter_latency) runs through app.workers, bounded in seconds,
with progress and a Cancel button; the result shows the machine it ran on, the percentile table,
a histogram of single-row times (log scale) and the latency-vs-throughput curve of batches.
"""

from __future__ import annotations

from functools import partial
from html import escape

import numpy as np
from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDoubleSpinBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QProgressBar,
    QPushButton,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from app.core.base.errors import ShapLensError
from app.core.production.latency import LatencyProgress, LatencyReport, iter_latency, parse_budget
from app.ui.panels.production_plots import CurvePlot, HistogramPlot
from app.ui.state import AppState
from app.workers import Workers, workers_for

TITLE = "Latency"
JOB_KEY = "production-latency"
DEFAULT_SECONDS = 10.0
BUDGET_EXAMPLE = "e.g. p99 < 20 ms"
IDLE_TEXT = "not measured yet"


class LatencyPanel(QWidget):
    def __init__(
        self, state: AppState, workers: Workers | None = None, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.state = state
        self._given_workers = workers
        self.report: LatencyReport | None = None
        self.seconds = QDoubleSpinBox(self)
        self.seconds.setRange(0.5, 600.0)
        self.seconds.setValue(DEFAULT_SECONDS)
        self.seconds.setSuffix(" s")
        self.seconds.setToolTip("Time bound for the whole measurement")
        self.budget = QLineEdit(self)
        self.budget.setPlaceholderText(BUDGET_EXAMPLE)
        self.budget.setToolTip("A latency budget for single-row prediction, e.g. p99 < 20 ms")
        # Wide enough for the example (it read "b…" at the default width).
        self.budget.setMinimumWidth(
            self.budget.fontMetrics().horizontalAdvance(BUDGET_EXAMPLE) + 24
        )
        self.explain = QCheckBox("explanations too", self)
        self.explain.setChecked(True)
        self.run_button = QPushButton("Measure", self)
        self.run_button.clicked.connect(self.run)
        self.cancel_button = QPushButton("Cancel", self)
        self.cancel_button.clicked.connect(self.cancel)
        self.cancel_button.setEnabled(False)
        self.progress = QProgressBar(self)
        self.progress.setRange(0, 1000)
        self.progress.setValue(0)  # a bar never set shows no text at all
        self.progress.setTextVisible(True)
        self.progress.setFormat(IDLE_TEXT)
        self.progress.setToolTip("Progress of the measurement, within its time bound")
        self.which = QComboBox(self)
        self.which.addItems(["predict one row", "explain one row"])
        self.which.currentIndexChanged.connect(self._draw_histogram)
        self.summary = QLabel("Load a model and data, then press Measure.", self)
        self.summary.setWordWrap(True)
        self.summary.setTextFormat(Qt.TextFormat.RichText)
        self.summary.setAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop)
        self.summary.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.histogram = HistogramPlot(self)
        self.curve = CurvePlot(self)
        controls = QHBoxLayout()
        controls.addWidget(QLabel("Time bound:", self))
        controls.addWidget(self.seconds)
        controls.addWidget(QLabel("Budget:", self))
        controls.addWidget(self.budget, 1)
        controls.addWidget(self.explain)
        running = QHBoxLayout()
        running.addWidget(self.run_button)
        running.addWidget(self.cancel_button)
        running.addWidget(self.progress, 1)
        # Summary and plots as tabs: side by side, each had a third of a docked panel's width.
        self.tabs = QTabWidget(self)
        self.tabs.addTab(self.summary, "Summary")
        single = QWidget(self)
        single_layout = QVBoxLayout(single)
        single_layout.setContentsMargins(0, 0, 0, 0)
        pick = QHBoxLayout()
        pick.addWidget(QLabel("Times of:", single))
        pick.addWidget(self.which)
        pick.addStretch(1)
        single_layout.addLayout(pick)
        single_layout.addWidget(self.histogram, 1)
        self.tabs.addTab(single, "Single rows")
        self.tabs.addTab(self.curve, "Batches")
        layout = QVBoxLayout(self)
        layout.addLayout(controls)
        layout.addLayout(running)
        layout.addWidget(self.tabs, 1)
        state.model_changed.connect(self._reset)
        state.data_changed.connect(self._reset)

    @property
    def workers(self) -> Workers:
        # Its own Workers when not docked: the window cancels their jobs too when it closes.
        return self.state.on_close.add(workers_for(self, self._given_workers))

    def run(self) -> None:
        if not self.state.ready:
            self.summary.setText("Load a model and data first.")
            return
        try:
            budget = parse_budget(self.budget.text()) if self.budget.text().strip() else None
        except ShapLensError as error:
            self.summary.setText(f"<span style='color:#b00020'>{escape(str(error))}</span>")
            return
        job = partial(
            iter_latency, self.state.model, self.state.data.X,
            seconds=self.seconds.value(), budget=budget, explain=self.explain.isChecked(),
        )  # fmt: skip
        self._set_running(True)
        self.progress.setValue(0)
        self.progress.setFormat("measuring… (%p%)")
        self.summary.setText("Measuring… (keep other work light: it shares the CPU)")
        self.workers.run(
            JOB_KEY, job, on_result=self._on_result, on_error=self._on_error,
            on_progress=self._on_progress,
        )  # fmt: skip

    def cancel(self) -> None:
        self.workers.cancel(JOB_KEY)
        self._set_running(False)
        self.progress.setFormat("cancelled at %p%")
        self.summary.setText("Cancelled.")

    def _reset(self) -> None:
        self.workers.cancel(JOB_KEY)
        self._set_running(False)
        self.report = None
        self.histogram.clear()
        self.curve.clear()
        self.progress.setValue(0)
        self.progress.setFormat(IDLE_TEXT)
        self.summary.setText("Press Measure to time the model on the loaded data.")

    def _set_running(self, running: bool) -> None:
        self.run_button.setEnabled(not running)
        self.cancel_button.setEnabled(running)

    def _on_progress(self, step: LatencyProgress) -> None:
        self.progress.setValue(int(step.done * 1000))
        self.progress.setFormat(f"measuring: {step.message.replace('%', '%%')} (%p%)")

    def _on_error(self, error: object) -> None:
        self._set_running(False)
        self.progress.setFormat("failed")
        self.summary.setText(f"<span style='color:#b00020'>{escape(str(error))}</span>")

    def _on_result(self, report: LatencyReport) -> None:
        self._set_running(False)
        self.progress.setValue(1000)
        self.progress.setFormat(f"measured in {report.elapsed_s:.1f} s")
        self.report = report
        self.state.review.latency = report  # File > Export Report carries it
        self.summary.setText(summary_html(report))
        self._draw_histogram()
        series = []
        for name, points in (("predict", report.predict_batches),
                             ("explain", report.explain_batches)):  # fmt: skip
            done = [p for p in points if not p.skipped]
            series.append((
                name,
                np.array([p.throughput for p in done]),
                np.array([p.latency_ms for p in done]),
                [p.batch_size for p in done],
            ))  # fmt: skip
        self.curve.set_data(series, "Batches: latency vs throughput (labels: batch size)")

    def _draw_histogram(self) -> None:
        r = self.report
        if r is None:
            return
        summary = r.predict_one if self.which.currentIndex() == 0 else r.explain_one
        if summary is None:
            self.histogram.clear()
            return
        self.histogram.set_data(
            np.array(summary.histogram_edges),
            [(self.which.currentText(), np.array(summary.histogram_counts, dtype=np.float64))],
            title=f"{self.which.currentText()}: {summary.calls:,} calls",
            x_label="latency (ms)", y_label="calls", log_x=True,
        )  # fmt: skip


def summary_html(r: LatencyReport) -> str:
    m = r.machine
    head = (
        f"<b>{escape(m.cpu)}</b>, {m.logical_cores} cores, threads {escape(m.threads)}<br>"
        f"Python {m.python}; "
        + ", ".join(f"{escape(k)} {escape(v)}" for k, v in m.libraries.items())
        + f"<br>{r.rows_available:,} rows; {r.elapsed_s:.1f} s of {r.seconds_limit:g} s"
    )
    cells = "".join(f"<th align=right>&nbsp;{h}</th>" for h in
                    ("calls", "p50", "p90", "p95", "p99", "p99.9", "max"))  # fmt: skip
    rows = [f"<tr><th></th>{cells}</tr>"]
    for name, s in (("predict", r.predict_one), ("explain", r.explain_one)):
        if s is None:
            continue
        values = "".join(f"<td align=right>&nbsp;{v:.3f}</td>" for v in
                         (s.p50, s.p90, s.p95, s.p99, s.p999, s.max))  # fmt: skip
        rows.append(f"<tr><td>{name}</td><td align=right>{s.calls:,}</td>{values}</tr>")
    table = "<table cellspacing=0>" + "".join(rows) + "</table><small>milliseconds</small>"
    verdict = ""
    if r.budget is not None:
        met = r.budget_met
        colour = "#1b7f3b" if met else "#b00020"
        verdict = (
            f"<p style='color:{colour}'><b>Budget {escape(r.budget.text)}: "
            f"{'met' if met else 'NOT met'}</b> (single-row prediction "
            f"p{r.budget.percentile:g} = {r.budget_value_ms:.3f} ms)</p>"
        )
    skipped = [p.batch_size for p in r.explain_batches + r.predict_batches if p.skipped]
    note = (
        f"<p><small>Skipped (would exceed the time bound): batch sizes "
        f"{', '.join(f'{b:,}' for b in sorted(set(skipped)))}</small></p>"
        if skipped
        else ""
    )
    return f"{head}<br>{table}{verdict}{note}"


def create(state: AppState) -> QWidget:
    return LatencyPanel(state)
