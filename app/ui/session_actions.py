"""File > Save Session… / Open Session…: what the window shows, in one JSON file.

A session (app.core.review.session) names the model, data and glossary (with hashes), the label,
class, threshold, filter expression, cohorts, bookmarks and the dock layout. Opening one shows
its warnings (a file moved, changed or is missing), reopens the model and data through the
controller and, once they are loaded, restores everything else.

SessionActions needs the main window itself, not a narrower part of it: a session stores and
restores the window's dock layout (QMainWindow.saveState/restoreState), and the window is the
parent of the file dialogs and owns the status bar.
"""

from __future__ import annotations

import base64
import html
import json
import logging
from pathlib import Path

from PySide6.QtCore import QByteArray
from PySide6.QtWidgets import QFileDialog, QMainWindow

from app.core.base.errors import ShapLensError
from app.core.base.output_gate import preflight
from app.core.debugging.cohorts import CohortSet
from app.core.review.session import SESSION_SUFFIX, Session, load_session, save_session
from app.ui.controller import Controller
from app.ui.dialogs import MessageBar
from app.ui.recent_files import RecentFiles
from app.ui.state import AppState
from app.ui.state_contexts import restore_review, session_from_state
from app.workers import Workers

log = logging.getLogger(__name__)
SESSION_FILTER = f"ShapLens session (*{SESSION_SUFFIX});;All files (*)"


class SessionActions:
    """File ▸ Save Session… / Open Session…; reached as `window.sessions`."""

    def __init__(
        self,
        window: QMainWindow,
        state: AppState,
        controller: Controller,
        recent: RecentFiles,
        message_bar: MessageBar,
    ) -> None:
        self.window, self.state, self.controller = window, state, controller
        self.recent, self.message_bar = recent, message_bar
        self.workers = state.on_close.add(Workers(window))  # reads session files off the GUI thread

    def current_session(self) -> Session:
        """A Session of what the window shows now."""
        context = self.state.debug
        cohorts = json.loads(context.cohorts.to_json())["cohorts"]
        layout = base64.b64encode(bytes(self.window.saveState().data())).decode("ascii")
        session = session_from_state(self.state, layout, context.expression, cohorts)
        session.locked_features = context.locked_features
        return session

    def save_session(self, path: Path | None = None) -> Path | None:
        """Write the session (dialog when no path is given); returns the file being written.

        The files it names are hashed and the session written on a worker (hashing a data file
        of gigabytes takes seconds); it lands in the recent files when written, and a failure
        shows in the message bar."""
        if path is None:
            start = Path(self.recent.save_start(f"session{SESSION_SUFFIX}"))
            name, _ = QFileDialog.getSaveFileName(
                self.window, "Save session", str(start), SESSION_FILTER
            )
            if not name:
                return None
            path = Path(name)
        path = Path(path)
        if not path.name.lower().endswith(SESSION_SUFFIX):
            path = path.with_name(path.name.removesuffix(".json") + SESSION_SUFFIX)
        session = self.current_session()
        refs = (session.model, session.data, session.glossary)
        try:  # an input, a folder or a device is refused at once, before any hashing
            preflight(path, [ref.path for ref in refs if ref is not None])
        except ShapLensError as error:
            self.message_bar.show_message(str(error))
            return None
        self.recent.remember_save(path)
        self.workers.run(
            f"save-session:{path}",  # a second save elsewhere does not drop this one's result
            save_session,
            path,
            session,
            on_result=self._on_session_saved,
            # SessionError, AtomicWriteError: they name the file and say what to do
            on_error=lambda error: self.message_bar.show_message(str(error)),
        )
        return path

    def _on_session_saved(self, written: Path) -> None:
        self.recent.add(written)
        self.recent.remember_save(written)
        self.window.statusBar().showMessage(f"Saved the session to {written}", 8000)

    def open_session(self, path: Path | None = None) -> None:
        """Read a session (on a worker), show its warnings, reopen its files, restore the rest.

        A bad file ends in a message in the window's message bar."""
        if path is None:
            name, _ = QFileDialog.getOpenFileName(
                self.window, "Open session", self.recent.start_dir(), SESSION_FILTER
            )
            if not name:
                return
            path = Path(name)
        # Read, validated and hashed on a worker: a session names data files of gigabytes, and a
        # FIFO or a slow disk must never freeze the window.
        self.workers.run(
            "session",
            _read_session,
            Path(path),
            on_result=lambda read: self._on_session_read(Path(path), *read),
            on_error=lambda error: self.message_bar.show_message(str(error)),
        )

    def _on_session_read(
        self,
        path: Path,
        session: Session,
        warnings: list[str],
        model: Path | None,
        data: Path | None,
    ) -> None:
        self.recent.add(Path(path))
        if warnings:
            lines = "<br>".join(f"• {html.escape(w)}" for w in warnings)
            title = html.escape(Path(path).name)
            self.message_bar.show_message(f"<b>Session {title}:</b><br>{lines}", "warning")
        if model is None and data is None:
            self._apply_session(session)
            return
        # Both files are opened together, so a session of another model and data replaces
        # what is loaded even when the two do not fit each other.
        self.controller.open(
            model, data, session.label_column, then=lambda: self._apply_session(session)
        )

    def _apply_session(self, session: Session) -> None:
        """After the session's files are loaded: class, threshold, cohorts, filter, review."""
        s = self.state
        if s.data is not None and session.label_column != s.data.label_column:
            s.set_label_column(session.label_column)
        s.set_output(session.output_index)
        s.set_threshold(session.threshold)
        context = s.debug
        try:
            context.cohorts = CohortSet.from_json(json.dumps({"cohorts": session.cohorts}))
        except ShapLensError as error:
            s.report_error(f"The session's cohorts were not restored: {error}")
        if s.data is not None:
            try:
                context.set_filter(expression=session.filter_expression)
            except ShapLensError as error:  # e.g. a column the data no longer has
                s.report_error(f"The session's filter was not restored: {error}")
        context.set_locked_features(session.locked_features)
        restore_review(s, session)
        if session.view_layout:
            try:
                layout = base64.b64decode(session.view_layout, validate=True)
            except ValueError:
                log.warning("session layout is not base64; kept the current layout")
            else:
                self.window.restoreState(QByteArray(layout))
        s.report_status("Session restored.")


def _existing(path: str | None) -> Path | None:
    return Path(path) if path and Path(path).is_file() else None


def _read_session(path: Path) -> tuple[Session, list[str], Path | None, Path | None]:
    """Worker: the session, its warnings, and its model and data files where they exist."""
    session, warnings = load_session(path)
    model = _existing(session.model.path if session.model else None)
    data = _existing(session.data.path if session.data else None)
    return session, warnings, model, data
