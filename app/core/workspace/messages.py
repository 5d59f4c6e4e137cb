"""What the workspace has to tell the user: progress, errors and notices, as events.

The window shows them in its status bar and message bar; a command prints them. Nothing here
decides how a message looks.
"""

from __future__ import annotations

from psygnal import Signal


class Messages:
    """Status lines, errors and notices (worth telling, but nothing went wrong)."""

    status_changed = Signal(str)
    error_raised = Signal(str)
    notice_raised = Signal(str)

    def report_status(self, message: str) -> None:
        self.status_changed.emit(message)

    def report_error(self, message: str) -> None:
        self.error_raised.emit(message)

    def report_notice(self, message: str) -> None:
        self.notice_raised.emit(message)
