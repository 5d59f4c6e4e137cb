"""The main window: rows table on the left, tabbed plots on the right, panels as docks.

What the File menu does lives in plain objects the window holds, one job each:
`window.files` (app.ui.file_actions: opening files, drag and drop, glossary, compare, explained
datasets), `window.sessions` (app.ui.session_actions), `window.exporter` (app.ui.exporter:
views, clipboard, report) and `window.recent` (app.ui.recent_files). The menus are wired by
app.ui.actions and the docks built by app.ui.docks. The window keeps only its own jobs: layout,
the toolbar and status bar, following the state, and moving between views and rows.
"""

from __future__ import annotations

import logging

from PySide6.QtCore import QSize, Qt, QTimer, QUrl, Signal
from PySide6.QtGui import (
    QCloseEvent,
    QDesktopServices,
    QDragEnterEvent,
    QDropEvent,
    QKeySequence,
    QShortcut,
)
from PySide6.QtWidgets import (
    QComboBox,
    QDockWidget,
    QLabel,
    QMainWindow,
    QProgressBar,
    QPushButton,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from app.core.explain.models.base import explainer_text
from app.ui import dialogs
from app.ui.about import about_box
from app.ui.actions import build_menus
from app.ui.controller import Controller
from app.ui.crash import log_dir
from app.ui.docks import build_docks, fill_panels_menu, hide_stray_tab_bars
from app.ui.export_targets import approximate_note
from app.ui.exporter import Exporter
from app.ui.file_actions import FileActions
from app.ui.panels import DEFAULT_VISIBLE, PANEL_GROUPS, PANEL_MODULES
from app.ui.plot_tabs import PlotTabs
from app.ui.recent_files import RecentFiles
from app.ui.rows_table import RowsTable
from app.ui.session_actions import SessionActions
from app.ui.settings import Settings
from app.ui.state import AppState
from app.workers import Workers

log = logging.getLogger(__name__)
NO_LABEL = "(no label)"


class MainWindow(QMainWindow):
    shown = Signal()  # first time the window is on screen (the smoke test waits for it)

    def __init__(self, settings: Settings | None = None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("ShapLens")
        self.setAcceptDrops(True)
        self.settings = settings or Settings()
        self.state = AppState(self)
        self.workers = self.state.on_close.add(Workers(self))
        self.controller = Controller(
            self.state, self.workers, lambda path, msg: dialogs.ask_trust_pickle(self, path, msg)
        )
        self.controller.ask_sample = lambda estimate, rows: dialogs.ask_sample(
            self, estimate.message(), rows, self.state.data.n_rows if self.state.data else 0
        )
        self._was_shown = False
        self._build_central()
        self._build_toolbar()
        self._build_status_bar()
        self._build_file_actions()
        self.menu_actions = build_menus(self)
        self.recent.attach(self.menu_actions.recent_menu, self.files.open_recent)
        self.docks = self._build_docks()
        self._default_state = self.saveState()
        self._connect()
        self._restore_layout()
        self._update_title()
        self._update_enabled()
        self._fill_output_combo()
        self._apply_palette(self.settings.palette())

    # ---------------------------------------------------------------- construction
    def _build_central(self) -> None:
        central = QWidget(self)
        layout = QVBoxLayout(central)
        layout.setContentsMargins(6, 6, 6, 0)
        self.message_bar = dialogs.MessageBar(central)
        layout.addWidget(self.message_bar)
        self.splitter = QSplitter(Qt.Orientation.Horizontal, central)
        self.table = RowsTable(self.state, self.splitter)
        self.plots = PlotTabs(self.state, self.workers, self.splitter)
        self.splitter.addWidget(self.table)
        self.splitter.addWidget(self.plots)
        self.splitter.setStretchFactor(0, 4)
        self.splitter.setStretchFactor(1, 5)
        self.splitter.setChildrenCollapsible(False)
        layout.addWidget(self.splitter, 1)
        self.setCentralWidget(central)
        QShortcut(QKeySequence(Qt.Key.Key_Escape), self, self.message_bar.dismiss)
        # The views already say how to open files; the bar offers what they do not.
        self.message_bar.show_message(
            "New to ShapLens? Help > Open Sample opens a census-income model with its data.",
            "info",
        )

    def _build_toolbar(self) -> None:
        bar = self.addToolBar("Options")
        bar.setObjectName("options_toolbar")
        bar.setMovable(False)
        bar.addWidget(QLabel(" Label: ", bar))
        self.label_combo = QComboBox(bar)
        self.label_combo.setMinimumContentsLength(14)
        self.label_combo.setToolTip("The column holding the true value (used for 'Correct')")
        bar.addWidget(self.label_combo)
        self.output_label = QLabel("   Output: ", bar)
        self.output_combo = QComboBox(bar)
        self.output_combo.setToolTip("The class (model output) every view explains")
        self.output_actions = [bar.addWidget(self.output_label), bar.addWidget(self.output_combo)]
        self.unit_label = QLabel(bar)
        self.unit_label.setToolTip("The unit SHAP values are measured in")
        bar.addWidget(QLabel("   ", bar))
        bar.addWidget(self.unit_label)

    def _build_status_bar(self) -> None:
        status = self.statusBar()
        self.progress = QProgressBar(status)
        self.progress.setMaximumWidth(220)
        self.progress.setTextVisible(True)
        self.progress.setFormat("%v / %m rows")
        self.progress.setToolTip("Rows explained so far")
        self.cancel_button = QPushButton("Cancel", status)
        self.cancel_button.setToolTip("Stop computing SHAP values (Ctrl+.)")
        self.cancel_button.clicked.connect(self.controller.cancel_computation)
        self.exact_badge = QLabel(status)
        self.exact_badge.setStyleSheet(
            "QLabel { background:#fff8c5; border:1px solid #d4a72c; color:#4d2d00;"
            " border-radius:3px; padding:1px 6px; }"
        )
        self.exact_badge.hide()
        status.addPermanentWidget(self.exact_badge)
        status.addPermanentWidget(self.progress)
        status.addPermanentWidget(self.cancel_button)
        self._set_running(False)

    def _build_file_actions(self) -> None:
        # What the File menu does, as plain objects given the parts they use (the menus built
        # next connect to them). The window itself is passed where Qt needs a dialog parent,
        # the status bar, or the dock layout a session saves.
        self.recent = RecentFiles(self.settings)
        self.sessions = SessionActions(
            self, self.state, self.controller, self.recent, self.message_bar
        )
        self.files = FileActions(
            self,
            self.state,
            self.controller,
            self.workers,
            self.recent,
            self.message_bar,
            self.sessions.open_session,
        )
        self.exporter = Exporter(
            self, self.state, self.plots, self.workers, self.recent, self.message_bar
        )

    def _build_docks(self) -> list[QDockWidget]:
        built = build_docks(self, self.state, PANEL_MODULES, PANEL_GROUPS, DEFAULT_VISIBLE)
        for name in built.failed:
            self.statusBar().showMessage(f"Panel {name} could not be loaded (see the log).", 10000)
        fill_panels_menu(self.menu_actions.panels_menu, built)
        self.dock_set = built
        return built.docks

    def _connect(self) -> None:
        s = self.state
        s.status_changed.connect(lambda text: self.statusBar().showMessage(text))
        s.error_raised.connect(self._on_error)
        s.notice_raised.connect(lambda text: self.message_bar.show_message(text, "info"))
        s.model_changed.connect(self._update_title)
        s.model_changed.connect(self._update_model_badge)
        s.explanation_finished.connect(self._update_model_badge)
        s.data_changed.connect(self._on_data_changed)
        s.label_changed.connect(self._fill_label_combo)
        self.controller.progress_changed.connect(self._on_progress)
        self.controller.computation_running.connect(self._set_running)
        self.controller.file_opened.connect(self.recent.add)
        self.controller.loading_changed.connect(self._on_loading)
        self.label_combo.activated.connect(self._on_label_chosen)
        self.output_combo.activated.connect(s.set_output)
        s.output_changed.connect(self.output_combo.setCurrentIndex)

    def _on_loading(self, loading: bool) -> None:
        if loading and self.message_bar.kind == "info":
            self.message_bar.dismiss()
        self.setCursor(Qt.CursorShape.BusyCursor if loading else Qt.CursorShape.ArrowCursor)

    def sizeHint(self) -> QSize:
        return QSize(1400, 860)

    # ---------------------------------------------------------------- reacting to the state
    def _on_data_changed(self) -> None:
        if self.state.ready and self.message_bar.kind == "error":
            self.message_bar.dismiss()
        self._fill_label_combo()
        self._fill_output_combo()
        self._update_title()
        self._update_enabled()
        order = self.table.rows_model.order
        # A filter kept from the previous data can match no row of the new data.
        if self.state.ready and self.state.data is not None and order.size:
            self.table.setFocus()
            self.state.select_row(int(order[0]))

    def _on_error(self, text: str) -> None:
        self.message_bar.show_message(text, "error")
        self.statusBar().showMessage("Error: see the message above.", 8000)

    def _fill_label_combo(self) -> None:
        self.label_combo.clear()
        data, model = self.state.data, self.state.model
        if data is None or model is None:
            return
        features = set(model.feature_names)
        columns = [str(c) for c in data.frame.columns if c not in features]
        self.label_combo.addItems([NO_LABEL, *columns])
        current = data.label_column
        self.label_combo.setCurrentIndex(columns.index(current) + 1 if current in columns else 0)

    def _on_label_chosen(self, index: int) -> None:
        self.state.set_label_column(None if index <= 0 else self.label_combo.itemText(index))

    def _fill_output_combo(self) -> None:
        names = self.state.output_names
        self.output_combo.clear()
        self.output_combo.addItems(names)
        self.output_combo.setCurrentIndex(self.state.output_index)
        for action in self.output_actions:
            action.setVisible(len(names) > 1)
        model = self.state.model
        self.unit_label.setText(f"SHAP unit: {model.unit.value}" if model is not None else "")

    def _on_progress(self, done: int, total: int) -> None:
        # setValue repaints now, flushing every pending paint into this callback (issue 14)
        self.progress.setUpdatesEnabled(False)
        self.progress.setMaximum(max(total, 1))
        self.progress.setValue(done)
        self.progress.setUpdatesEnabled(True)  # schedules the bar's paint

    def _set_running(self, running: bool) -> None:
        self.progress.setVisible(running)
        self.cancel_button.setVisible(running)
        self.cancel_button.setEnabled(running)
        if hasattr(self, "menu_actions"):
            self.menu_actions.cancel.setEnabled(running)

    def _update_title(self) -> None:
        s = self.state
        names = [p.name for p in (s.model_path, s.data_path) if p is not None]
        self.setWindowTitle(" — ".join([*names, "ShapLens"]) if names else "ShapLens")

    def _update_enabled(self) -> None:
        ready = self.state.ready
        for action in (
            self.menu_actions.export_view,
            self.menu_actions.copy_view,
            self.menu_actions.recompute,
            self.menu_actions.export_report,
            self.menu_actions.compare_model,
            self.menu_actions.compare_data,
        ):
            action.setEnabled(ready)
        self.label_combo.setEnabled(ready)

    # ---------------------------------------------------------------- views and rows
    def show_view(self, view: str) -> None:
        self.plots.setCurrentWidget(self.plots.slots[view])

    def step_row(self, step: int) -> None:
        """Move the selection by `step` rows in the table's current order (Alt+Up/Down)."""
        model = self.table.rows_model
        if model.rowCount() == 0:
            return
        current = self.state.selected_row
        position = model.table_row(current) if current is not None else None
        target = 0 if position is None else min(max(position + step, 0), model.rowCount() - 1)
        self.state.select_row(model.dataset_row(target))

    def set_colour_blind(self, on: bool) -> None:
        self._apply_palette("colour-blind" if on else "shap")
        self.settings.set_palette("colour-blind" if on else "shap")

    def _apply_palette(self, name: str) -> None:
        try:
            from app.plots import style
        except ImportError:
            return
        style.set_palette(name)
        self.menu_actions.colour_blind.setChecked(name == "colour-blind")

    def _update_model_badge(self) -> None:
        """Sampled (approximate) explainers say so in the status bar and on the view tabs;
        pipelines say which step their values explain."""
        model = self.state.model
        note = approximate_note(self.state)
        self.exact_badge.setText(note)
        self.exact_badge.setVisible(bool(note))
        tips = []
        if model is not None and not model.info.exact:
            tips.append(model.info.explainer)
            why = model.info.extra.get("why_sampled")
            if why:
                tips.append(str(why))
        self.exact_badge.setToolTip("\n".join(tips))
        for i in range(self.plots.count()):
            title = self.plots.tabText(i).split(" (approximate")[0]
            self.plots.setTabText(i, f"{title} (approximate)" if note else title)
        explained_in = model.info.extra.get("explained_in") if model is not None else None
        unit = f"SHAP unit: {model.unit.value}" if model is not None else ""
        self.unit_label.setText(f"{unit}   explained in: {explained_in}" if explained_in else unit)
        self.unit_label.setToolTip(
            "The unit SHAP values are measured in"
            + (f"; a pipeline's values explain {explained_in}" if explained_in else "")
            + (f"\nComputed by: {explainer_text(model.info)}" if model is not None else "")
        )

    # ---------------------------------------------------------------- layout and lifetime
    def _restore_layout(self) -> None:
        geometry, state, splitter = self.settings.window()
        if geometry is not None:
            self.restoreGeometry(geometry)
        else:
            self.resize(self.sizeHint())
        self._restored_state = state is not None and self.restoreState(state)
        if splitter is not None:
            self.splitter.restoreState(splitter)
        else:
            self.splitter.setSizes([620, 780])

    def reset_layout(self) -> None:
        self.restoreState(self._default_state)
        self.splitter.setSizes([620, 780])
        self.dock_set.show_defaults()
        self._size_docks()

    def _size_docks(self) -> None:
        # Panels are helpers: the bottom ones start at about a third of the height, the filter
        # bar at its natural height; the table and views keep the rest.
        height = max(self.height() // 3, 220)
        for members in self.dock_set.groups.values():
            dock = members[0]
            if self.dockWidgetArea(dock) == Qt.DockWidgetArea.BottomDockWidgetArea:
                self.resizeDocks([dock], [height], Qt.Orientation.Vertical)
            elif dock.isVisible():
                self.resizeDocks([dock], [dock.sizeHint().height()], Qt.Orientation.Vertical)

    def open_log_folder(self) -> None:
        QDesktopServices.openUrl(QUrl.fromLocalFile(str(log_dir())))

    def about(self) -> None:
        about_box(self).exec()

    def showEvent(self, event) -> None:
        super().showEvent(event)
        if not self._was_shown:
            self._was_shown = True
            if not self._restored_state:
                QTimer.singleShot(0, self._size_docks)  # once the window has its real size
            QTimer.singleShot(0, lambda: hide_stray_tab_bars(self))
            self.shown.emit()

    def closeEvent(self, event: QCloseEvent) -> None:
        self.settings.save_window(self.saveGeometry(), self.saveState(), self.splitter.saveState())
        # Panels may own their Workers (the debug context does): cancel those jobs too, or the
        # wait below sits out a whole slices/fairness run nobody will see.
        self.exporter.cancel_report()
        # Pending debounce timers of panels would start new jobs after this point, on a window
        # that is about to be deleted; their results would land on deleted widgets.
        self.state.on_close.stop_all()
        # A chunk already running finishes (its result is dropped); wait so no thread outlives us.
        self.workers.wait(10_000)
        super().closeEvent(event)

    # Qt delivers drag and drop to the window; opening what was dropped is the files' job.
    def dragEnterEvent(self, event: QDragEnterEvent) -> None:
        self.files.drag_enter(event)

    def dropEvent(self, event: QDropEvent) -> None:
        self.files.drop(event)
