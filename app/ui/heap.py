"""Keeping Python's garbage collector from pausing the GUI, and on the GUI thread.

A full (generation 2) collection walks every tracked object. Once the window is built that is
about 270,000 objects (modules, Qt wrappers, pyqtgraph items), and each full collection held
the GIL for 30-140 ms: measured as the longest GUI stalls while a million rows were explained,
on whichever thread happened to trigger it. Freezing what exists at start-up moves those
objects out of the collector's reach, so later collections only walk what was made since.

Only start-up objects are frozen: they live as long as the window, so nothing collectable is
kept. Models and datasets loaded later are never frozen, so a replaced model is still
collected even when it sits in a reference cycle.

Left to itself, the collector runs in whichever thread allocates past its threshold: often a job's
thread. A Qt object held only by a reference cycle (a closed plot, a lambda connected to its own
widget) then has its C++ destructor run on that thread, and Qt objects destroyed off the GUI
thread can crash the process (pyqtgraph's GarbageCollector exists for this reason). So the window
turns automatic collection off and collects on the GUI thread instead, on a short timer, with
the collector's own thresholds.
"""

from __future__ import annotations

import gc
import logging
import time

from PySide6.QtCore import QCoreApplication, QTimer

log = logging.getLogger(__name__)

# Short enough that the objects made between two checks stay few (a collection's cost grows
# with them); checking costs a call to gc.get_count().
CHECK_MS = 100


def freeze_startup_objects() -> int:
    """Collect once, then freeze every surviving object; returns how many were frozen."""
    started = time.perf_counter()
    gc.collect()
    gc.freeze()
    frozen = gc.get_freeze_count()
    log.info("froze %d start-up objects in %.0f ms", frozen, (time.perf_counter() - started) * 1e3)
    return frozen


_settled = False


def settle_heap_once() -> bool:
    """Once per process, when the engine's warm-up has imported the model frameworks: collect
    and freeze again, so those modules join the start-up objects. Returns whether it ran."""
    global _settled
    if _settled:
        return False
    _settled = True
    freeze_startup_objects()
    return True


def collect_on_gui_thread(app: QCoreApplication) -> QTimer:
    """Turn automatic collection off and collect from a timer on the GUI thread instead."""
    thresholds = gc.get_threshold()
    gc.disable()
    timer = QTimer(app)
    timer.setObjectName("shaplens-gc")
    timer.setInterval(CHECK_MS)
    timer.timeout.connect(lambda: collect_due(thresholds))
    timer.start()
    return timer


def collect_due(thresholds: tuple[int, int, int]) -> int:
    """Collect the generations whose counts passed their thresholds, as the automatic collector
    would; returns the highest generation collected, or -1."""
    if gc.isenabled():  # a library turned it back on: collections could run in jobs again
        log.info("automatic garbage collection was re-enabled; turning it off again")
        gc.disable()
    counts = gc.get_count()
    generation = -1
    for g in range(3):
        if counts[g] <= thresholds[g]:
            break
        generation = g
    if generation >= 0:
        gc.collect(generation)
    return generation
