"""The one evented state the window and the commands share (see workspace.py)."""

from app.core.workspace.debug import DebugState
from app.core.workspace.explained import Explained
from app.core.workspace.jobs import CallNow, Deferred, InlineJobs, JobRunner
from app.core.workspace.messages import Messages
from app.core.workspace.review import ReviewState
from app.core.workspace.selection import Selection
from app.core.workspace.workspace import Workspace

__all__ = [
    "CallNow",
    "DebugState",
    "Deferred",
    "Explained",
    "InlineJobs",
    "JobRunner",
    "Messages",
    "ReviewState",
    "Selection",
    "Workspace",
]
