"""Keeping Python's garbage collector from pausing the GUI.

A full (generation 2) collection walks every tracked object. Once the window is built that is
about 270,000 objects (modules, Qt wrappers, pyqtgraph items), and each full collection held
the GIL for 30-140 ms: measured as the longest GUI stalls while a million rows were explained,
on whichever thread happened to trigger it. Freezing what exists at start-up moves those
objects out of the collector's reach, so later collections only walk what was made since.

Only start-up objects are frozen: they live as long as the window, so nothing collectable is
kept. Models and datasets loaded later are never frozen, so a replaced model is still
collected even when it sits in a reference cycle.
"""

from __future__ import annotations

import gc
import logging
import time

log = logging.getLogger(__name__)


def freeze_startup_objects() -> int:
    """Collect once, then freeze every surviving object; returns how many were frozen."""
    started = time.perf_counter()
    gc.collect()
    gc.freeze()
    frozen = gc.get_freeze_count()
    log.info("froze %d start-up objects in %.0f ms", frozen, (time.perf_counter() - started) * 1e3)
    return frozen
