"""The main window: rows table on the left, tabbed plots on the right, panels as dock tabs."""

from __future__ import annotations

import importlib
import logging
from pathlib import Path

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
    QFileDialog,
    QLabel,
    QMainWindow,
    QMessageBox,
    QProgressBar,
    QPushButton,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from app import __version__
from app.core.errors import ShapLensError
from app.ui import dialogs
from app.ui.actions import build_menus, fill_recent
from app.ui.controller import Controller
from app.ui.crash import log_dir
from app.ui.file_kinds import classify, split_paths
from app.ui.panels import PANEL_MODULES
from app.ui.plot_tabs import PlotTabs
from app.ui.rows_table import RowsTable
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
        self.workers = Workers(self)
        self.controller = Controller(
            self.state, self.workers, lambda path, msg: dialogs.ask_trust_pickle(self, path, msg)
        )
        self._was_shown = False
        self._build_central()
        self._build_toolbar()
        self._build_status_bar()
        self.menu_actions = build_menus(self)
        self.docks = self._build_docks()
        self._default_state = self.saveState()
        self._refresh_recent()
        self._connect()
        self._restore_layout()
        self._update_title()
        self._update_enabled()
        self._fill_output_combo()

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
        self.message_bar.show_message(
            "Open a model and a dataset from the File menu, or drop both files on this window.",
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
        status.addPermanentWidget(self.progress)
        status.addPermanentWidget(self.cancel_button)
        self._set_running(False)

    def _build_docks(self) -> list[QDockWidget]:
        docks: list[QDockWidget] = []
        for name in PANEL_MODULES:
            try:
                module = importlib.import_module(name)
                widget = module.create(self.state)
                title = str(module.TITLE)
            except Exception as error:  # a broken panel must not stop the app from opening
                log.exception("panel %s failed to load", name)
                self.statusBar().showMessage(f"Panel {name} could not be loaded: {error}", 10000)
                continue
            dock = QDockWidget(title, self)
            dock.setObjectName(f"dock:{name}")
            dock.setWidget(widget)
            self.addDockWidget(Qt.DockWidgetArea.BottomDockWidgetArea, dock)
            if docks:
                self.tabifyDockWidget(docks[0], dock)
            self.menu_actions.panels_menu.addAction(dock.toggleViewAction())
            docks.append(dock)
        if docks:
            docks[0].raise_()
        self.menu_actions.panels_menu.setEnabled(bool(docks))
        return docks

    def _connect(self) -> None:
        s = self.state
        s.status_changed.connect(lambda text: self.statusBar().showMessage(text))
        s.error_raised.connect(self._on_error)
        s.model_changed.connect(self._update_title)
        s.data_changed.connect(self._on_data_changed)
        s.label_changed.connect(self._fill_label_combo)
        self.controller.progress_changed.connect(self._on_progress)
        self.controller.computation_running.connect(self._set_running)
        self.controller.file_opened.connect(self._on_file_opened)
        self.controller.loading_changed.connect(self._on_loading)
        self.label_combo.activated.connect(self._on_label_chosen)
        self.output_combo.activated.connect(s.set_output)
        s.output_changed.connect(self.output_combo.setCurrentIndex)

    def sizeHint(self) -> QSize:
        return QSize(1400, 860)

    # ---------------------------------------------------------------- opening files
    def open_paths(self, paths: list[Path], label: str | None = None) -> None:
        """Open dropped/recent/command-line files, telling models from data by suffix/content."""
        model, data, unknown = split_paths([Path(p) for p in paths])
        if unknown:
            names = ", ".join(p.name for p in unknown)
            self.message_bar.show_message(
                f"Not a model or dataset ShapLens recognises: {names}. Models: LightGBM .txt/.json"
                "; data: CSV, TSV, Parquet, Feather, Excel."
            )
        self.controller.open(model, data, label)

    def choose_model(self) -> None:
        name, _ = QFileDialog.getOpenFileName(
            self, "Open model", self._start_dir(), dialogs.MODEL_FILTER
        )
        if name:
            self.controller.open(model_path=Path(name))

    def choose_data(self) -> None:
        name, _ = QFileDialog.getOpenFileName(
            self, "Open dataset", self._start_dir(), dialogs.DATA_FILTER
        )
        if name:
            self.controller.open(data_path=Path(name))

    def close_files(self) -> None:
        self.controller.close_all()

    def _start_dir(self) -> str:
        recent = self.settings.recent_files()
        return str(recent[0].parent) if recent else str(Path.home())

    def _on_file_opened(self, path: Path) -> None:
        self.settings.add_recent(path)
        self._refresh_recent()

    def _open_recent(self, path: Path) -> None:
        if not path.exists():
            self.message_bar.show_message(f"{path} no longer exists.")
            return
        kind = classify(path)
        self.controller.open(path if kind == "model" else None, path if kind == "data" else None)

    def _refresh_recent(self) -> None:
        fill_recent(
            self.menu_actions.recent_menu,
            self.settings.recent_files(),
            self._open_recent,
            self._clear_recent,
        )

    def _clear_recent(self) -> None:
        self.settings.clear_recent()
        self._refresh_recent()

    def _on_loading(self, loading: bool) -> None:
        if loading and self.message_bar.kind == "info":
            self.message_bar.dismiss()
        self.setCursor(Qt.CursorShape.BusyCursor if loading else Qt.CursorShape.ArrowCursor)

    # ---------------------------------------------------------------- drag and drop
    def dragEnterEvent(self, event: QDragEnterEvent) -> None:
        urls = event.mimeData().urls()
        if urls and all(url.isLocalFile() for url in urls):
            event.acceptProposedAction()

    def dropEvent(self, event: QDropEvent) -> None:
        paths = [Path(url.toLocalFile()) for url in event.mimeData().urls() if url.isLocalFile()]
        event.acceptProposedAction()
        self.open_paths(paths)

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
        self.progress.setMaximum(max(total, 1))
        self.progress.setValue(done)

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
        try:
            from app.plots import style
        except ImportError:
            return
        style.set_palette("colour-blind" if on else "shap")

    # ---------------------------------------------------------------- export
    def caption(self):
        """Where the current view came from, printed under exported figures."""
        from app.plots.export import Caption

        s = self.state
        view = self.plots.current_view()
        model = s.model
        total = s.data.n_rows if s.data is not None else 0
        shown = int(s.visible_rows.size)
        cohort = f"{shown:,} of {total:,} rows (filtered)" if shown < total else f"{total:,} rows"
        return Caption(
            model_name=s.model_path.name if s.model_path else "",
            data_name=s.data_path.name if s.data_path else "",
            row=s.selected_row if view == "waterfall" else None,
            unit=model.unit.value if model else "",
            explainer=model.info.explainer if model else "",
            extra=s.output_names[s.output_index] if len(s.output_names) > 1 else "",
            cohort=cohort,
        )

    def export_view(self, path: Path | None = None, width: int | None = None) -> Path | None:
        """Save the current view (dialog when no path is given); returns the written file."""
        try:
            from app.plots.export import export_widget
        except ImportError:
            self.message_bar.show_message("Export is not available in this build.")
            return None
        widget = self.plots.view_widget()
        view = self.plots.current_view()
        height = None if width is None else round(width * widget.height() / max(widget.width(), 1))
        if path is None:
            start = Path(self._start_dir()) / f"{view}.png"
            dialog = dialogs.ExportDialog(view, (widget.width(), widget.height()), start, self)
            if dialog.exec() != dialogs.ExportDialog.DialogCode.Accepted:
                return None
            choice = dialog.choice()
            path, width, height = choice.path, choice.width, choice.height
        try:
            export_widget(widget, path, width, height, self.caption())
        except ShapLensError as error:  # ExportError: nothing to export, bad size, unwritable
            self.message_bar.show_message(str(error))
            return None
        except OSError as error:
            self.message_bar.show_message(f"Could not write {path}: {error}")
            return None
        self.statusBar().showMessage(f"Saved {view} view to {path}", 8000)
        return path

    def copy_view(self) -> None:
        try:
            from app.plots.export import copy_to_clipboard
        except ImportError:
            self.message_bar.show_message("Copying images is not available in this build.")
            return
        try:
            copy_to_clipboard(self.plots.view_widget(), self.caption())
        except ShapLensError as error:
            self.message_bar.show_message(str(error))
            return
        self.statusBar().showMessage("Copied the view to the clipboard.", 5000)

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
        for dock in self.docks:
            dock.show()
        self._size_docks()

    def _size_docks(self) -> None:
        # Panels are helpers: they start at about a third of the height, the views keep the rest.
        if self.docks:
            height = max(self.height() // 3, 220)
            self.resizeDocks([self.docks[0]], [height], Qt.Orientation.Vertical)

    def open_log_folder(self) -> None:
        QDesktopServices.openUrl(QUrl.fromLocalFile(str(log_dir())))

    def about(self) -> None:
        QMessageBox.about(
            self,
            "About ShapLens",
            f"<b>ShapLens {__version__}</b><p>Explains tabular models with exact SHAP values.</p>"
            f"<p>Log files: {log_dir()}</p>",
        )

    def showEvent(self, event) -> None:
        super().showEvent(event)
        if not self._was_shown:
            self._was_shown = True
            if not self._restored_state:
                QTimer.singleShot(0, self._size_docks)  # once the window has its real size
            self.shown.emit()

    def closeEvent(self, event: QCloseEvent) -> None:
        self.settings.save_window(self.saveGeometry(), self.saveState(), self.splitter.saveState())
        # Panels may own their Workers (the debug context does): cancel those jobs too, or the
        # wait below sits out a whole slices/fairness run nobody will see.
        for workers in {self.workers, *self.findChildren(Workers)}:
            workers.cancel_all()
        # A chunk already running finishes (its result is dropped); wait so no thread outlives us.
        self.workers.wait(10_000)
        super().closeEvent(event)
