"""Cyclic garbage is collected on the GUI thread only (app/ui/heap.py): a Qt object in a
reference cycle is never destroyed on a job's thread."""

from __future__ import annotations

import gc
import threading
from typing import ClassVar

from PySide6.QtCore import QObject

from app.ui.heap import collect_due
from app.workers import Workers


def test_automatic_collection_is_off_in_the_window(qapp) -> None:
    assert not gc.isenabled()
    assert qapp.findChild(object, "shaplens-gc") is not None


def test_collect_due_follows_the_thresholds() -> None:
    gc.collect()
    assert collect_due((10**9, 10, 10)) == -1  # nothing past the gen-0 threshold
    junk = [[] for _ in range(50)]
    assert collect_due((1, 10**9, 10)) == 0  # gen 0 only: gen 1's threshold is not passed
    del junk


def test_collect_due_turns_automatic_collection_back_off() -> None:
    gc.enable()
    collect_due((10**9, 10, 10))
    assert not gc.isenabled()


class _Cyclic(QObject):
    destroyed_on: ClassVar[list[str]] = []

    def __init__(self) -> None:
        super().__init__()
        self.me = self  # a cycle: only the cyclic collector can free it

    def __del__(self) -> None:
        _Cyclic.destroyed_on.append(threading.current_thread().name)


def test_a_qt_object_in_a_cycle_is_freed_on_the_gui_thread_not_in_a_job(qtbot) -> None:
    _Cyclic.destroyed_on.clear()
    _Cyclic()

    def allocate() -> int:  # enough allocations to trigger automatic collection if it were on
        return len([[i] for i in range(200_000)])

    workers = Workers()
    results: list[int] = []
    workers.run("allocate", allocate, on_result=results.append, on_error=None)
    qtbot.waitUntil(lambda: bool(results), timeout=60_000)
    kept = [[i] for i in range(5_000)]  # past gen 0's threshold on the GUI thread
    qtbot.waitUntil(lambda: bool(_Cyclic.destroyed_on), timeout=60_000)  # the GUI timer collects
    # Never on the job's thread, although its allocations passed the collector's threshold.
    assert _Cyclic.destroyed_on == [threading.main_thread().name]
    assert len(kept) == 5_000


def test_settling_the_heap_freezes_once(monkeypatch) -> None:
    from app.ui import heap

    monkeypatch.setattr(heap, "_settled", False)
    assert heap.settle_heap_once()
    assert gc.get_freeze_count() > 0
    assert not heap.settle_heap_once()  # later windows' warm-ups leave the heap alone


def test_the_warm_up_imports_what_the_loaders_would_import_mid_run() -> None:
    """In a fresh process: modules imported during a run fill the collector's young
    generations with their functions and dicts, which then cost GUI-thread collections."""
    import subprocess
    import sys
    import textwrap

    script = textwrap.dedent(
        """
        import importlib.util, sys
        from app.ui.explain_runner import FRAMEWORK_MODULES, LOADER_MODULES, warm_up_engine
        wanted = [m for m in FRAMEWORK_MODULES if importlib.util.find_spec(m.split(".")[0])]
        assert not any(m in sys.modules for m in LOADER_MODULES[1:]), "imported too early"
        warm_up_engine()
        print(sorted(set(wanted + list(LOADER_MODULES)) - set(sys.modules)))
        """
    )
    result = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=600
    )
    assert result.returncode == 0, result.stderr[-2000:]
    assert result.stdout.strip() == "[]"
