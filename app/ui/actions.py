"""Menus and shortcuts of the main window; the slots are the window's own (views, rows,
layout) and those of its file, session and export objects (window.files, .sessions, .exporter).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QMenu

from app.ui import cache_jobs

if TYPE_CHECKING:
    from app.ui.main_window import MainWindow


@dataclass
class Actions:
    open_model: QAction
    open_data: QAction
    close: QAction
    export_view: QAction
    copy_view: QAction
    export_report: QAction
    save_session: QAction
    compare_model: QAction
    compare_data: QAction
    quit: QAction
    recompute: QAction
    cancel: QAction
    next_row: QAction
    previous_row: QAction
    colour_blind: QAction
    reset_layout: QAction
    recent_menu: QMenu
    panels_menu: QMenu


def _action(window: MainWindow, text: str, slot, shortcut=None, tip: str = "") -> QAction:
    action = QAction(text, window)
    if shortcut is not None:
        action.setShortcut(QKeySequence(shortcut))
    if tip:
        action.setStatusTip(tip)
        action.setToolTip(tip)
    action.triggered.connect(slot)
    window.addAction(action)  # shortcuts work wherever the focus is
    return action


CACHE_ACTION = "cache-explanations"


def _cache_toggle(window: MainWindow) -> QAction:
    """View > Cache Explanations: keep finished explanations on disk to reopen them at once."""
    controller = window.controller
    action = _action(
        window,
        "&Cache Explanations",
        controller.set_cache_enabled,
        tip="Keep the SHAP values of big datasets on disk, so reopening the same model and data "
        "reads them back instead of recomputing",
    )
    action.setObjectName(CACHE_ACTION)
    action.setCheckable(True)
    action.setChecked(controller.cache_enabled)
    if cache_jobs.disabled_by_env():
        action.setEnabled(False)
        action.setToolTip("Turned off by the SHAPLENS_NO_CACHE environment variable")
    return action


def build_menus(window: MainWindow) -> Actions:
    bar = window.menuBar()
    file_menu = bar.addMenu("&File")
    open_model = _action(
        window,
        "Open &Model…",
        window.files.choose_model,
        QKeySequence.StandardKey.Open,
        "Open a model file (LightGBM .txt/.json, …)",
    )
    open_data = _action(
        window,
        "Open &Data…",
        window.files.choose_data,
        "Ctrl+Shift+O",
        "Open a dataset (CSV, Parquet, Feather, Excel) to explain",
    )
    open_data_options = _action(
        window,
        "Open Dataset with &Options…",
        window.files.choose_data_with_options,
        tip="Open a dataset choosing its delimiter, encoding or Excel sheet",
    )
    file_menu.addActions([open_model, open_data, open_data_options])
    recent_menu = file_menu.addMenu("Open &Recent")
    recent_menu.setToolTipsVisible(True)
    open_session = _action(
        window,
        "Open &Session…",
        lambda: window.sessions.open_session(),
        "Ctrl+Alt+O",  # Ctrl+Shift+S reads as Save As on every desktop
        "Reopen a saved session: files, label, class, threshold, filter, bookmarks, layout",
    )
    save_session = _action(
        window,
        "&Save Session…",
        lambda: window.sessions.save_session(),
        QKeySequence.StandardKey.Save,
        "Save what you are looking at (files, settings, filter, bookmarks) to reopen later",
    )
    # Every save asks for a file name, so Save As (Ctrl+Shift+S) is the same action.
    save_session.setShortcuts(
        [QKeySequence(QKeySequence.StandardKey.Save), QKeySequence("Ctrl+Shift+S")]
    )
    file_menu.addSeparator()
    file_menu.addActions([open_session, save_session])
    file_menu.addSeparator()
    glossary = _action(
        window,
        "Open &Glossary…",
        lambda: window.files.open_glossary(),
        tip="Display names, units and descriptions for features (YAML/CSV/JSON)",
    )
    explained = _action(
        window,
        "Open E&xplained Dataset…",
        lambda: window.files.open_explained_dataset(),
        tip="Open a folder written by `shaplens explain --engine dask`",
    )
    file_menu.addActions([glossary, explained])
    file_menu.addSeparator()
    compare_model = _action(
        window,
        "Compare with &Model…",
        window.files.compare_with_model,
        tip="Run another model on the loaded data: metrics, flipped rows, changed attributions",
    )
    compare_data = _action(
        window,
        "Compare with D&ata…",
        window.files.compare_with_data,
        tip="Compare the loaded data with another dataset: drift per feature and prediction",
    )
    file_menu.addActions([compare_model, compare_data])
    close = _action(
        window,
        "&Close",
        window.files.close_files,
        QKeySequence.StandardKey.Close,
        "Unload the model and the dataset",
    )
    file_menu.addAction(close)
    file_menu.addSeparator()
    export_view = _action(
        window,
        "&Export View…",
        lambda: window.exporter.export_view(),
        "Ctrl+E",
        "Save the current view as PNG or SVG, with a caption",
    )
    copy_view = _action(
        window,
        "Copy View &Image",
        window.exporter.copy_view,
        "Ctrl+Shift+C",
        "Copy the current view to the clipboard as an image",
    )
    export_report = _action(
        window,
        "Export &Report…",
        lambda: window.exporter.export_report(),
        "Ctrl+Shift+E",
        "Write an HTML or PDF report: importance, groups, selected and bookmarked rows",
    )
    file_menu.addActions([export_view, copy_view, export_report])
    file_menu.addSeparator()
    quit_action = _action(window, "&Quit", window.close, QKeySequence.StandardKey.Quit)
    file_menu.addAction(quit_action)

    compute_menu = bar.addMenu("&Compute")
    recompute = _action(
        window,
        "&Recompute SHAP Values",
        window.controller.start_computation,
        "F5",
        "Explain every row again",
    )
    cancel = _action(
        window,
        "&Cancel Computation",
        window.controller.cancel_computation,
        "Ctrl+.",
        "Stop the running SHAP computation (results so far are kept)",
    )
    compute_menu.addActions([recompute, cancel])

    view_menu = bar.addMenu("&View")
    for i, (view, title) in enumerate(
        [("importance", "&Importance"), ("beeswarm", "&Beeswarm"), ("waterfall", "&Waterfall")]
    ):
        action = _action(
            window,
            title,
            lambda _=False, v=view: window.show_view(v),
            f"Ctrl+{i + 1}",
            f"Show the {view} view",
        )
        view_menu.addAction(action)
    view_menu.addSeparator()
    next_row = _action(
        window,
        "&Next Row",
        lambda: window.step_row(1),
        "Alt+Down",
        "Select the next row of the table",
    )
    previous_row = _action(
        window,
        "&Previous Row",
        lambda: window.step_row(-1),
        "Alt+Up",
        "Select the previous row of the table",
    )
    view_menu.addActions([next_row, previous_row])
    view_menu.addSeparator()
    colour_blind = _action(
        window,
        "Colour-&blind Safe Palette",
        window.set_colour_blind,
        tip="Use a palette readable with any colour-vision deficiency",
    )
    colour_blind.setCheckable(True)
    view_menu.addAction(colour_blind)
    view_menu.addAction(_cache_toggle(window))
    view_menu.addSeparator()
    panels_menu = view_menu.addMenu("&Panels")
    reset_layout = _action(
        window,
        "Reset &Layout",
        window.reset_layout,
        tip="Put the table, views and panels back where they started",
    )
    view_menu.addAction(reset_layout)

    help_menu = bar.addMenu("&Help")
    help_menu.addAction(
        _action(
            window,
            "Open &Sample",
            window.files.open_sample,
            tip="Open the bundled UCI Adult census data with a LightGBM model trained on it",
        )
    )
    help_menu.addAction(
        _action(
            window,
            "Open &Log Folder",
            window.open_log_folder,
            tip="Show the folder with ShapLens's log files",
        )
    )
    help_menu.addAction(_action(window, "&About ShapLens", window.about))
    return Actions(
        open_model,
        open_data,
        close,
        export_view,
        copy_view,
        export_report,
        save_session,
        compare_model,
        compare_data,
        quit_action,
        recompute,
        cancel,
        next_row,
        previous_row,
        colour_blind,
        reset_layout,
        recent_menu,
        panels_menu,
    )
