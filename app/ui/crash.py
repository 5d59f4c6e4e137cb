"""Logging to a rotating file, and a last-resort hook that turns unexpected errors into a dialog.

An exception nobody caught (in a slot, or in a plain thread) is logged with its traceback and
shown as a short message with "Copy details" and the log path; the app keeps running.
"""

from __future__ import annotations

import logging
import logging.handlers
import os
import sys
import threading
import traceback
from collections.abc import Callable
from pathlib import Path
from types import TracebackType

from PySide6.QtCore import QObject, Qt, Signal

log = logging.getLogger("app")
LOG_NAME = "shaplens.log"


def log_dir() -> Path:
    override = os.environ.get("SHAPLENS_LOG_DIR")
    if override:
        return Path(override)
    from platformdirs import user_log_dir

    return Path(user_log_dir("shaplens"))


def shutdown_logging() -> None:
    """Detach and close the log file handler (so tests and restarts leave no open file)."""
    root = logging.getLogger()
    for handler in list(root.handlers):
        if getattr(handler, "_shaplens", False):
            root.removeHandler(handler)
            handler.close()


def setup_logging(verbose: bool = False) -> Path:
    """Log to <user log dir>/shaplens.log (1 MB × 3 files); --verbose logs debug details."""
    folder = log_dir()
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / LOG_NAME
    shutdown_logging()
    root = logging.getLogger()
    handler = logging.handlers.RotatingFileHandler(
        path, maxBytes=1_000_000, backupCount=3, encoding="utf-8"
    )
    handler._shaplens = True  # type: ignore[attr-defined]
    handler.setFormatter(
        logging.Formatter("%(asctime)s %(levelname)s %(threadName)s %(name)s: %(message)s")
    )
    root.addHandler(handler)
    root.setLevel(logging.DEBUG if verbose else logging.INFO)
    return path


ShowError = Callable[[str, str, Path], None]


class ExceptionHook(QObject):
    """sys.excepthook and threading.excepthook that log and report on the GUI thread."""

    error_caught = Signal(str, str)  # summary, details (queued to the GUI thread)

    def __init__(self, show: ShowError, log_path: Path) -> None:
        super().__init__()
        self.show, self.log_path = show, log_path
        self.count = 0
        self._previous = (sys.excepthook, threading.excepthook)
        self.error_caught.connect(self._on_error_caught, Qt.ConnectionType.QueuedConnection)

    def install(self) -> None:
        sys.excepthook = self.handle
        threading.excepthook = self._handle_thread

    def uninstall(self) -> None:
        sys.excepthook, threading.excepthook = self._previous

    def handle(
        self,
        kind: type[BaseException],
        error: BaseException,
        tb: TracebackType | None,
    ) -> None:
        if issubclass(kind, KeyboardInterrupt):
            self._previous[0](kind, error, tb)
            return
        details = "".join(traceback.format_exception(kind, error, tb))
        log.error("unexpected error\n%s", details)
        self.count += 1
        summary = f"{kind.__name__}: {error}".strip()
        if len(summary) > 300:
            summary = summary[:300] + "…"
        self.error_caught.emit(summary, details)

    def _handle_thread(self, args: threading.ExceptHookArgs) -> None:
        if args.exc_value is None:
            return
        self.handle(args.exc_type, args.exc_value, args.exc_traceback)

    def _on_error_caught(self, summary: str, details: str) -> None:
        self.show(summary, details, self.log_path)
