"""What the window stops when it closes is registered in `state.on_close`, not searched for.

The window used to stop every QTimer and cancel every Workers it found among its children; it
now stops what their owners registered. The completeness test searches the window (a test may)
so that a new debounce timer or Workers nobody registered fails here, not as a job landing on
a deleted widget after a close.
"""

from __future__ import annotations

import threading

import pytest
from PySide6.QtCore import QObject, QTimer
from superqt.utils import qdebounced

from app.ui.on_close import OnClose
from app.ui.panels.debug_threshold import DEBOUNCE_MS
from app.workers import Workers
from tests.ui._hardening import TIMEOUT, open_and_wait

THRESHOLD_PANEL = "app.ui.panels.debug_threshold"


def _unregistered(window) -> list[str]:
    on_close = window.state.on_close
    missing = []
    for timer in window.findChildren(QTimer):
        # qdebounced/qthrottled calls are registered; their timer is their child.
        if timer not in on_close and timer.parent() not in on_close:
            missing.append(f"QTimer of {type(timer.parent()).__name__}")
    for workers in [window.workers, *window.findChildren(Workers)]:
        if workers not in on_close:
            missing.append(f"Workers of {type(workers.parent()).__name__}")
    return missing


def test_every_timer_and_workers_of_a_window_is_registered(window, qtbot) -> None:
    window.show()
    qtbot.waitExposed(window)
    for dock in window.docks:
        workers = getattr(dock.widget(), "workers", None)  # production panels make theirs late
        assert workers is None or isinstance(workers, Workers)
    assert window.findChildren(QTimer), "the window has debounce timers to check"
    assert _unregistered(window) == []


def test_a_floating_production_panel_registers_its_own_workers(window, qtbot) -> None:
    dock = window.dock_set.by_module["app.ui.panels.production_overview"]
    dock.setFloating(True)  # its window is the dock now: the panel makes Workers of its own
    workers = dock.widget().workers
    assert workers is not window.workers
    assert workers in window.state.on_close
    assert _unregistered(window) == []


def test_stop_all_stops_timers_drops_pending_calls_and_cancels_jobs(qtbot) -> None:
    owner = QObject()
    on_close = OnClose()
    fired: list[str] = []
    timer = on_close.add(QTimer(owner, singleShot=True, interval=20))
    timer.timeout.connect(lambda: fired.append("timer"))
    later = on_close.add(qdebounced(lambda: fired.append("debounced"), timeout=20, parent=owner))
    workers = on_close.add(Workers(owner))
    release, results = threading.Event(), []
    workers.run("slow", release.wait, 30, on_result=results.append, on_error=results.append)
    timer.start()
    later()
    assert on_close.add(timer) is timer and timer in on_close  # a second add changes nothing

    on_close.stop_all()
    release.set()
    with qtbot.waitSignal(workers.all_done, timeout=TIMEOUT):
        pass
    probe = QTimer(owner, singleShot=True, interval=60)  # past both timeouts
    with qtbot.waitSignal(probe.timeout, timeout=TIMEOUT):
        probe.start()
    assert not timer.isActive()
    assert fired == [] and results == []  # nothing fired, the cancelled job's result dropped
    owner.deleteLater()


def test_on_close_refuses_what_it_cannot_stop() -> None:
    with pytest.raises(TypeError, match="QTimer"):
        OnClose().add(QObject())


def test_closing_drops_a_panel_request_still_waiting_for_quiet(
    qtbot, window, small_model_path, small_data_path
) -> None:
    window.show()
    dock = window.dock_set.by_module[THRESHOLD_PANEL]
    dock.show()
    dock.raise_()
    open_and_wait(qtbot, window, small_model_path, small_data_path)
    panel = dock.widget()
    qtbot.waitUntil(lambda: not panel.job.pending, timeout=TIMEOUT)
    runs = panel.job.runs
    panel.job.request()  # waits DEBOUNCE_MS for quiet before it starts a job
    assert panel.job.stale
    window.close()
    probe = QTimer(singleShot=True, interval=4 * DEBOUNCE_MS + 50)
    with qtbot.waitSignal(probe.timeout, timeout=TIMEOUT):
        probe.start()
    assert panel.job.runs == runs
