"""Start-up objects are frozen out of the garbage collector's full passes; later ones are not."""

from __future__ import annotations

import gc
import weakref

from app.ui.heap import freeze_startup_objects


class _Node:
    def __init__(self) -> None:
        self.me = self  # a reference cycle: only the cyclic collector frees it


def test_later_cycles_are_still_collected_and_startup_garbage_is_not_kept() -> None:
    garbage = _Node()
    garbage_ref = weakref.ref(garbage)
    del garbage  # unreachable before start-up ends: the freeze's own collection frees it
    kept = _Node()
    try:
        frozen = freeze_startup_objects()
        assert frozen == gc.get_freeze_count() > 0
        assert garbage_ref() is None
        assert not any(obj is kept for obj in gc.get_objects())  # out of the collector's walk
        later = _Node()
        later_ref = weakref.ref(later)
        del later
        gc.collect()
        assert later_ref() is None  # objects made after the freeze are still collected
    finally:
        gc.unfreeze()
    assert any(obj is kept for obj in gc.get_objects())
