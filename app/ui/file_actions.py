"""The main window's File menu: opening models, datasets (sheets, options), recent files, drag
and drop, the glossary, an explained dataset from the Dask engine, and the compare dialogs.

FileActions gets its collaborators explicitly. The window itself is passed as `parent` only
because Qt needs one for the file dialogs and non-modal windows it opens, and for its status bar.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from PySide6.QtGui import QDragEnterEvent, QDropEvent
from PySide6.QtWidgets import QFileDialog, QMainWindow, QWidget

from app import bundled
from app.core.review.session import SESSION_SUFFIX
from app.ui import dialogs
from app.ui.controller import Controller
from app.ui.file_kinds import classify, split_paths
from app.ui.recent_files import RecentFiles
from app.ui.state import AppState
from app.workers import Workers

EXCEL_SUFFIXES = (".xlsx", ".xlsm")
GLOSSARY_FILTER = "Glossary (*.yaml *.yml *.csv *.json);;All files (*)"


def is_session(path: Path) -> bool:
    return path.name.lower().endswith(SESSION_SUFFIX)


class FileActions:
    """Open, close and compare files; reached as `window.files`."""

    def __init__(
        self,
        parent: QMainWindow,
        state: AppState,
        controller: Controller,
        workers: Workers,
        recent: RecentFiles,
        message_bar: dialogs.MessageBar,
        open_session: Callable[[Path], object],
    ) -> None:
        self.parent, self.state, self.controller, self.workers = parent, state, controller, workers
        self.recent, self.message_bar = recent, message_bar
        # Session files are opened by SessionActions; a dropped or recent session goes there.
        self.open_session = open_session
        self.open_dialogs: list[QWidget] = []  # non-modal dialogs kept alive until closed

    # ---------------------------------------------------------------- models and data
    def open_paths(self, paths: list[Path], label: str | None = None) -> None:
        """Open dropped/recent/command-line files, telling models from data by suffix/content."""
        paths = [Path(p) for p in paths]
        sessions = [p for p in paths if is_session(p)]
        if sessions:
            self.open_session(sessions[-1])
            return
        model, data, unknown = split_paths(paths)
        if unknown:
            names = ", ".join(p.name for p in unknown)
            self.message_bar.show_message(
                f"Not a model or dataset ShapLens recognises: {names}. Models: LightGBM .txt/.json"
                ", XGBoost, CatBoost, scikit-learn; data: CSV, TSV, Parquet, Feather, Excel."
            )
        self._with_sheet(
            data, lambda options: self.controller.open(model, data, label, data_options=options)
        )

    def open_sample(self) -> None:
        """Help > Open Sample: the bundled Adult data and the LightGBM model trained on it."""
        try:
            sample = bundled.sample()
        except bundled.BundledFileMissing as error:
            self.message_bar.show_message(str(error))
            return
        self.controller.open(sample.model, sample.data, sample.label)

    def _with_sheet(self, data: Path | None, then: Callable[[dict[str, object]], None]) -> None:
        """`then(options)`: {} for most files, {"sheet": name} once the user picked one of a
        workbook's sheets. The sheets are listed on a worker (reading a workbook is file I/O,
        never done on the GUI thread); a cancelled choice opens nothing."""
        if data is None or data.suffix.lower() not in EXCEL_SUFFIXES:
            then({})
            return
        from app.core.data.data_io import sheet_names

        def listed(sheets: list[str]) -> None:
            if len(sheets) <= 1:
                then({})
                return
            sheet = dialogs.ask_sheet(self.parent, data, sheets)
            if sheet is not None:
                then({"sheet": sheet})

        # A damaged workbook: load_dataset reports it with its usual message.
        self.workers.run("sheets", sheet_names, data, on_result=listed, on_error=lambda _: then({}))

    def choose_model(self) -> None:
        name, _ = QFileDialog.getOpenFileName(
            self.parent, "Open model", self.recent.start_dir(), dialogs.MODEL_FILTER
        )
        if name:
            self.controller.open(model_path=Path(name))

    def choose_data(self) -> None:
        name, _ = QFileDialog.getOpenFileName(
            self.parent, "Open dataset", self.recent.start_dir(), dialogs.DATA_FILTER
        )
        if name:
            self.open_data(Path(name))

    def open_data(self, path: Path, options: dict[str, object] | None = None) -> None:
        """Open a dataset; a workbook with several sheets asks which one (unless options say)."""
        if options is None:
            self._with_sheet(path, lambda chosen: self.open_data(path, chosen))
            return
        self.controller.open(data_path=path, data_options=options)

    def choose_data_with_options(self) -> None:
        from app.ui.data_options import DataOptionsDialog

        dialog = DataOptionsDialog(Path(self.recent.start_dir()), self.parent)
        self.state.on_close.add(dialog.workers)  # it reads sheet names while open
        accepted = dialog.exec() == DataOptionsDialog.DialogCode.Accepted
        path, options = dialog.chosen_path(), dialog.options()
        dialog.deleteLater()  # parented to the window: it would stay, hidden, until it closes
        if accepted:
            self.open_data(path, options)

    def close_files(self) -> None:
        self.controller.close_all()

    def open_recent(self, path: Path) -> None:
        """File ▸ Open Recent ▸ <path>: a session, a dataset or a model, whichever it is."""
        if not path.exists():
            self.message_bar.show_message(f"{path} no longer exists.")
            return
        if is_session(path):
            self.open_session(path)
            return
        kind = classify(path)
        if kind == "data":
            self.open_data(path)
        elif kind == "model":
            self.controller.open(model_path=path)

    # ---------------------------------------------------------------- drag and drop
    def drag_enter(self, event: QDragEnterEvent) -> None:
        urls = event.mimeData().urls()
        if urls and all(url.isLocalFile() for url in urls):
            event.acceptProposedAction()

    def drop(self, event: QDropEvent) -> None:
        paths = [Path(url.toLocalFile()) for url in event.mimeData().urls() if url.isLocalFile()]
        event.acceptProposedAction()
        self.open_paths(paths)

    # ---------------------------------------------------------------- other files
    def open_glossary(self, path: Path | None = None) -> None:
        """Load a glossary (display names, units, descriptions) for summaries and reports."""
        if path is None:
            name, _ = QFileDialog.getOpenFileName(
                self.parent, "Open glossary", self.recent.start_dir(), GLOSSARY_FILTER
            )
            if not name:
                return
            path = Path(name)
        self.state.review.open_glossary(
            path,
            then=lambda: self.parent.statusBar().showMessage(
                f"Glossary {Path(path).name} loaded.", 8000
            ),
        )

    def compare_with_model(self) -> QWidget | None:
        from app.ui.dialogs_compare import open_compare_models

        return self._keep_dialog(open_compare_models(self.state, self.workers, self.parent))

    def compare_with_data(self) -> QWidget | None:
        from app.ui.dialogs_compare import open_compare_data

        return self._keep_dialog(open_compare_data(self.state, self.workers, self.parent))

    def open_explained_dataset(self, path: Path | None = None) -> QWidget | None:
        """Open a folder written by `shaplens explain --engine dask` in its own window."""
        from app.ui.explained_view import ExplainedWindow

        if path is None:
            name = QFileDialog.getExistingDirectory(
                self.parent, "Open explained dataset (folder)", self.recent.start_dir()
            )
            if not name:
                return None
            path = Path(name)
        return self._keep_dialog(ExplainedWindow.open(Path(path), self.workers, self.parent))

    def _keep_dialog(self, dialog: QWidget | None) -> QWidget | None:
        # Non-modal dialogs live until closed; keep a reference so they are not collected.
        if dialog is not None:
            self.open_dialogs = [d for d in self.open_dialogs if d.isVisible()] + [dialog]
        return dialog
