"""Lowering the CPU priority of the calling thread, so that interactive threads win the cores.

On Linux the nice value belongs to each thread, so a background thread can step aside while the
rest of the process keeps its priority. Elsewhere this does nothing. Raising the priority back
needs privileges a user may not have, so only threads that do background work for good (the
engine's pool, the GUI's background executor) are lowered.
"""

from __future__ import annotations

import contextlib
import os
import sys
import threading
from collections.abc import Mapping


def lower_this_thread(niceness: int) -> bool:
    """Set the calling thread's nice value; True if the system accepted it."""
    if not sys.platform.startswith("linux") or not hasattr(os, "setpriority"):
        return False
    with contextlib.suppress(OSError):
        os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), niceness)
        return True
    return False


def this_thread_niceness() -> int:
    """The calling thread's nice value (0 where threads have none of their own)."""
    if not sys.platform.startswith("linux") or not hasattr(os, "getpriority"):
        return 0
    return os.getpriority(os.PRIO_PROCESS, threading.get_native_id())


NICENESS_ENV = "SHAPLENS_BACKGROUND_NICENESS"
DEFAULT_BACKGROUND_NICENESS = 10


def background_niceness(environ: Mapping[str, str] | None = None) -> int:
    """The nice level for work nobody waits on (bulk SHAP threads, snapshot copies).

    10 by default: the GUI thread and a clicked row get a core first. It also yields to other
    busy processes of the same session (or of the whole machine where Linux groups no sessions),
    so SHAPLENS_BACKGROUND_NICENESS=0 gives up that GUI advantage for full speed there.
    """
    raw = (os.environ if environ is None else environ).get(NICENESS_ENV, "").strip()
    if not raw:
        return DEFAULT_BACKGROUND_NICENESS
    try:
        return min(max(int(raw), 0), 19)
    except ValueError:
        return DEFAULT_BACKGROUND_NICENESS
