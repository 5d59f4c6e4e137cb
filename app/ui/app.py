"""run_app(args): create the Qt application, the main window, and open command-line files."""

from __future__ import annotations

import argparse
import logging
import os
import sys
from pathlib import Path

import shiboken6
from PySide6.QtCore import QCoreApplication, QEvent, QTimer
from PySide6.QtWidgets import QApplication, QWidget

from app import __version__, bundled
from app.ui import dialogs
from app.ui.crash import ExceptionHook, setup_logging, shutdown_logging
from app.ui.heap import collect_on_gui_thread, freeze_startup_objects
from app.ui.icon import application_icon
from app.ui.main_window import MainWindow

log = logging.getLogger(__name__)

# SHAPLENS_SMOKE=1: print a line when the window is on screen (and when SHAP values are done),
# then quit; SHAPLENS_SMOKE_SCREENSHOT=<png> saves the window first. Used by the Xvfb test.
SMOKE_SHOWN = "SHAPLENS_WINDOW_SHOWN"
SMOKE_EXPLAINED = "SHAPLENS_EXPLAINED"
SMOKE_TIMEOUT_MS = 60_000  # SHAPLENS_SMOKE_TIMEOUT_S overrides it (a loaded test machine)


def _setup_smoke(app: QApplication, window: MainWindow, wait_for_explanation: bool) -> None:
    screenshot = os.environ.get("SHAPLENS_SMOKE_SCREENSHOT")

    def finish(line: str) -> None:
        print(line, flush=True)
        if screenshot:  # through the output gate like every other file we write
            from app.core.base.atomic import write_bytes_atomic
            from app.plots.export_formats import image_png

            write_bytes_atomic(screenshot, image_png(window.grab().toImage()))
        QTimer.singleShot(0, window.close)

    def on_shown() -> None:
        print(SMOKE_SHOWN, flush=True)
        print(f"SHAPLENS_ICON_SIZES {len(window.windowIcon().availableSizes())}", flush=True)
        if not wait_for_explanation:
            QTimer.singleShot(200, lambda: finish("SHAPLENS_DONE"))

    window.shown.connect(on_shown)
    if wait_for_explanation:
        # Let the importance redraw (coalesced by a short timer) land before the screenshot.
        window.state.explanation_finished.connect(
            lambda: QTimer.singleShot(600, lambda: finish(SMOKE_EXPLAINED))
        )
        window.state.error_raised.connect(lambda text: finish(f"SHAPLENS_ERROR {text}"))
    seconds = os.environ.get("SHAPLENS_SMOKE_TIMEOUT_S", "")
    timeout_ms = int(float(seconds) * 1000) if seconds.replace(".", "", 1).isdigit() else None
    QTimer.singleShot(timeout_ms or SMOKE_TIMEOUT_MS, lambda: finish("SHAPLENS_TIMEOUT"))


def dispose_window(window: QWidget) -> None:
    """Close `window` and delete it with everything under it now, while Python is whole.

    Left alive until the interpreter exits, PySide deletes it from an exit handler; a plot item's
    destructor then ran a Python override of a half-finalized interpreter and crashed (SIGSEGV
    in about 1 of 20 exits of a test script on a loaded machine; seen in a core dump).
    """
    if not shiboken6.isValid(window):
        return
    if window.isVisible():
        window.close()
    shiboken6.delete(window)
    QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)


def run_app(args: argparse.Namespace) -> int:
    """Open the main window (and the files named on the command line); returns the exit code."""
    log_path = setup_logging(bool(getattr(args, "verbose", False)))
    log.info("ShapLens %s starting (Python %s)", __version__, sys.version.split()[0])
    app = QApplication.instance() or QApplication(sys.argv[:1])
    app.setApplicationName("ShapLens")
    app.setOrganizationName("shaplens")
    app.setApplicationVersion(__version__)
    app.setDesktopFileName("shaplens")  # Wayland matches the window to shaplens.desktop by this
    app.setWindowIcon(application_icon())
    collect_on_gui_thread(app)  # before any job starts: see app/ui/heap.py
    window = MainWindow()
    hook = ExceptionHook(
        lambda summary, details, path: dialogs.show_unexpected_error(
            window, summary, details, path
        ),
        log_path,
    )
    hook.install()
    model: Path | None = getattr(args, "model", None)
    data: Path | None = getattr(args, "data", None)
    label: str | None = getattr(args, "label", None)
    if getattr(args, "sample", False):
        sample = bundled.sample()
        model, data, label = sample.model, sample.data, sample.label
    if os.environ.get("SHAPLENS_SMOKE") == "1":
        _setup_smoke(app, window, wait_for_explanation=model is not None and data is not None)
    window.show()
    freeze_startup_objects()  # before any file is opened: see app/ui/heap.py
    explained: Path | None = getattr(args, "explained", None)
    if explained is not None:
        window.files.open_explained_dataset(explained)
    elif model is not None or data is not None:
        window.controller.open(model, data, label, bool(getattr(args, "trust_pickle", False)))
    try:
        return int(app.exec())
    finally:
        dispose_window(window)
        hook.uninstall()
        log.info("ShapLens closed")
        shutdown_logging()
