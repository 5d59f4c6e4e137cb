"""Memory over a working day: reopening files, recomputing and cancelling many times keeps only
the current model, dataset and explanation alive, and the window's Qt objects do not pile up.

Counted through weak references and object counts, not RSS (which the allocator blurs): before
the fix in app/workers.py, jobs' arguments stayed alive with a leaked worker, and the soak
(benchmarks/soak.py) grew ~200 MB an hour."""

from __future__ import annotations

import gc
import weakref

import pandas as pd
import pytest
from PySide6.QtCore import QObject
from PySide6.QtWidgets import QApplication

from app.workers import Workers
from tests.ui._hardening import TIMEOUT, make_window, open_and_wait, record_trouble

CYCLES = 8
ROWS = 500


@pytest.fixture(scope="module")
def data_paths(tmp_path_factory, sample_data_path):
    folder = tmp_path_factory.mktemp("window-memory")
    frame = pd.read_parquet(sample_data_path)
    paths = []
    for k in range(2):
        path = folder / f"part{k}.parquet"
        frame.iloc[k * ROWS : (k + 1) * ROWS].reset_index(drop=True).to_parquet(path)
        paths.append(path)
    return paths


def _settle(qtbot) -> None:
    qtbot.waitUntil(lambda: Workers.live_count() == 0, timeout=TIMEOUT)
    gc.collect()


def test_reopening_recomputing_and_cancelling_keep_only_the_current_objects(
    qtbot, small_model_path, data_paths
) -> None:
    window = make_window(qtbot)
    state, controller = window.state, window.controller
    seen: list[weakref.ref] = []
    with record_trouble() as trouble:
        open_and_wait(qtbot, window, small_model_path, data_paths[0])
        _settle(qtbot)
        widgets_before = len(QApplication.allWidgets())
        children_before = len(window.findChildren(QObject))
        for cycle in range(CYCLES):
            open_and_wait(qtbot, window, small_model_path, data_paths[cycle % 2])
            seen += [weakref.ref(state.model), weakref.ref(state.data)]
            seen.append(weakref.ref(state.explanation))
            controller.start_computation()  # started, then cancelled at once
            controller.cancel_computation()
            with qtbot.waitSignal(state.explanation_finished, timeout=TIMEOUT):
                controller.start_computation()
            seen.append(weakref.ref(state.explanation))
            _settle(qtbot)
        current = {id(state.model), id(state.data), id(state.explanation)}
        alive = [ref() for ref in seen if ref() is not None and id(ref()) not in current]
        assert not alive, f"{len(alive)} earlier objects still alive: {alive[:3]}"
        assert len(QApplication.allWidgets()) == widgets_before
        assert len(window.findChildren(QObject)) <= children_before + 10
    assert not trouble.exceptions and not trouble.qt_messages, trouble.summary()
