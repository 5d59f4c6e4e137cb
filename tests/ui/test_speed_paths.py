"""The GUI's fast paths, by behaviour (timings are in benchmarks/bench_gui.py, not here):
a clicked row jumps the queue, a reopen reads the disk cache, a damaged entry is recomputed,
partial importance says how many rows it covers, heavy work stays off the GUI thread, and a big
table sorts in the background."""

from __future__ import annotations

import threading

import numpy as np
import pytest
from PySide6.QtCore import Qt

from app.core.data.cache import ExplanationCache
from app.core.explain import snapshot as snapshot_module
from app.core.explain.chunked import ExplanationBuilder
from app.core.explain.models.lightgbm_model import LightGBMModel
from app.core.workspace import explained as explained_module
from app.ui import cache_jobs, plot_tabs, rows_table
from app.ui import explain_runner as runner_module
from app.ui.main_window import MainWindow

TIMEOUT = 60_000


@pytest.fixture(autouse=True)
def _no_cache_unless_asked(monkeypatch) -> None:
    # The user's cache folder is never touched; tests that want a cache give it a folder.
    monkeypatch.setenv(cache_jobs.ENV_OFF, "1")


@pytest.fixture
def cache(monkeypatch, tmp_path) -> ExplanationCache:
    monkeypatch.delenv(cache_jobs.ENV_OFF)
    return ExplanationCache(tmp_path / "cache")


def use_cache(window: MainWindow, cache: ExplanationCache) -> None:
    window.controller.cache = cache
    window.controller.cache_min_rows = 0  # the test data is small


class Gate:
    """Holds the bulk run after its first chunk until released (in the worker thread)."""

    def __init__(self) -> None:
        self.open = threading.Event()
        self.chunks = 0

    def wrap(self, real):
        def gated(*args, **kwargs):
            for progress in real(*args, **kwargs):
                if self.chunks:
                    self.open.wait(30)
                self.chunks += 1
                yield progress
            return None

        return gated


@pytest.fixture
def gate(monkeypatch) -> Gate:
    g = Gate()
    monkeypatch.setattr(runner_module, "iter_explanation", g.wrap(runner_module.iter_explanation))
    yield g
    g.open.set()  # never leave a worker waiting


def open_and_wait(qtbot, window: MainWindow, model, data) -> None:
    with qtbot.waitSignal(window.state.explanation_finished, timeout=TIMEOUT):
        window.controller.open(model, data)
    qtbot.waitUntil(lambda: not window.workers.busy(), timeout=TIMEOUT)  # cache write too


def start_held_run(qtbot, window: MainWindow, model, data) -> None:
    """Open and wait until the first chunk is in and the run is held."""
    c, s = window.controller, window.state
    c.first_chunk, c.chunk_rows = 100, 500
    with qtbot.waitSignal(
        s.explanation_changed, timeout=TIMEOUT, check_params_cb=lambda *a: s.rows_explained() > 0
    ):
        c.open(model, data)


def test_clicked_row_is_explained_while_the_bulk_run_is_held(
    qtbot, window, gate, small_model_path, small_data_path
) -> None:
    s = window.state
    start_held_run(qtbot, window, small_model_path, small_data_path)
    row = int(np.flatnonzero(~s.builder.covered)[-1])  # the bulk run reaches it last
    events: list[str] = []
    s.row_explained.connect(lambda r: events.append(f"row {r}"))
    s.explanation_finished.connect(lambda: events.append("finished"))
    with qtbot.waitSignal(s.row_explained, timeout=TIMEOUT):
        s.select_row(row)
    assert s.computing and window.workers.is_running("explain")
    assert not s.builder.covered[row]
    qtbot.waitUntil(lambda: window.plots.waterfall_data is not None, timeout=TIMEOUT)
    assert window.plots.waterfall_data.row == row
    ahead, _ = s.row_values(row)
    gate.open.set()
    qtbot.waitSignal(s.explanation_finished, timeout=TIMEOUT).wait()
    qtbot.waitUntil(lambda: not window.workers.busy(), timeout=TIMEOUT)
    assert events[0] == f"row {row}" and events[-1] == "finished"
    bulk, _ = s.row_values(row)
    assert np.allclose(ahead, bulk, atol=1e-5)


def count_engine_calls(monkeypatch) -> list[int]:
    calls: list[int] = []
    real = LightGBMModel.contributions

    def spy(self, X):
        calls.append(len(X))
        return real(self, X)

    monkeypatch.setattr(LightGBMModel, "contributions", spy)
    return calls


def test_reopen_reads_the_cache_and_skips_the_engine(
    qtbot, window, cache, monkeypatch, small_model_path, small_data_path
) -> None:
    use_cache(window, cache)
    open_and_wait(qtbot, window, small_model_path, small_data_path)
    fresh = window.state.explanation
    assert fresh.complete
    assert list(cache.root.rglob("*.json")), "the complete explanation was stored"
    calls = count_engine_calls(monkeypatch)
    again = MainWindow()
    qtbot.addWidget(again)
    use_cache(again, cache)
    messages: list[str] = []
    again.state.status_changed.connect(messages.append)
    open_and_wait(qtbot, again, small_model_path, small_data_path)
    cached = again.state.explanation
    assert calls == []  # nothing was explained again
    assert cached.complete and not again.state.computing
    assert np.array_equal(cached.values, fresh.values)
    assert np.array_equal(cached.raw_output, fresh.raw_output)
    assert np.allclose(cached.base_values, fresh.base_values)
    assert np.allclose(again.state.mean_abs(), window.state.mean_abs(), rtol=1e-6)
    assert any("from the cache" in m for m in messages)
    # Views and the clicked-row path work from the cached values.
    qtbot.waitUntil(lambda: again.plots.importance_data is not None, timeout=TIMEOUT)
    assert not again.plots.importance_data.partial
    again.state.select_row(7)
    assert again.state.row_values(7)[0].shape == fresh.values[7].shape
    assert np.array_equal(again.state.row_values(7)[0], fresh.values[7])
    again.close()


def test_damaged_cache_entry_is_discarded_and_recomputed(
    qtbot, window, cache, monkeypatch, small_model_path, small_data_path
) -> None:
    use_cache(window, cache)
    open_and_wait(qtbot, window, small_model_path, small_data_path)
    fresh = window.state.explanation.values.copy()
    (values_file,) = cache.root.rglob("*.values.npy")
    data = bytearray(values_file.read_bytes())
    data[-8:] = b"\xff" * 8  # the last row's values, as a bad disk sector would
    values_file.write_bytes(bytes(data))
    calls = count_engine_calls(monkeypatch)
    messages: list[str] = []
    window.state.status_changed.connect(messages.append)
    window.controller.close_all()
    open_and_wait(qtbot, window, small_model_path, small_data_path)
    assert calls, "the damaged entry was not used: the values were computed again"
    assert any("damaged" in m for m in messages)
    assert np.array_equal(window.state.explanation.values, fresh)
    (rewritten,) = cache.root.rglob("*.values.npy")  # stored again, sound this time
    assert np.array_equal(np.load(rewritten), fresh)


def test_cache_off_by_environment_or_setting_writes_nothing(
    qtbot, window, cache, monkeypatch, small_model_path, small_data_path
) -> None:
    use_cache(window, cache)
    window.controller.set_cache_enabled(False)
    assert not window.controller.cache_enabled
    open_and_wait(qtbot, window, small_model_path, small_data_path)
    assert not cache.root.exists() or not list(cache.root.rglob("*"))
    window.controller.set_cache_enabled(True)
    monkeypatch.setenv(cache_jobs.ENV_OFF, "1")
    assert not window.controller.cache_enabled
    window.controller.start_computation()
    qtbot.waitSignal(window.state.explanation_finished, timeout=TIMEOUT).wait()
    qtbot.waitUntil(lambda: not window.workers.busy(), timeout=TIMEOUT)
    assert not cache.root.exists() or not list(cache.root.rglob("*"))


def test_partial_importance_says_how_many_rows_it_covers(
    qtbot, window, gate, small_model_path, small_data_path
) -> None:
    start_held_run(qtbot, window, small_model_path, small_data_path)
    qtbot.waitUntil(lambda: window.plots.importance_data is not None, timeout=TIMEOUT)
    data = window.plots.importance_data
    n = window.state.data.n_rows
    assert data.partial and data.rows_covered == window.state.rows_explained() == 100
    assert f"estimate from 100 of {n:,} rows" in data.title
    gate.open.set()
    qtbot.waitSignal(window.state.explanation_finished, timeout=TIMEOUT).wait()
    qtbot.waitUntil(lambda: not window.plots.importance_data.partial, timeout=TIMEOUT)
    assert window.plots.importance_data.rows_covered == n


def test_chunk_path_leaves_heavy_work_to_workers(
    qtbot, window, monkeypatch, small_model_path, small_data_path
) -> None:
    """A big run (forced here by a zero size limit) rebuilds partial explanations and the
    beeswarm layout only in worker threads once the first partial is shown.

    The run goes in lockstep with the GUI thread: a worker that files every row before the
    GUI reads the first chunk (seen on a loaded CI machine) leaves no partial to rebuild."""
    monkeypatch.setattr(explained_module, "SYNC_PARTIAL_VALUES", 0)
    handled = threading.Semaphore(0)
    window.controller.runner.progress_changed.connect(lambda *_: handled.release())
    real_iter = runner_module.iter_explanation

    def lockstep(*args):
        chunks = real_iter(*args)
        while True:
            try:
                progress = next(chunks)
            except StopIteration as stop:
                return stop.value
            yield progress
            handled.acquire(timeout=30)  # the GUI thread has taken this chunk (or one before)

    monkeypatch.setattr(runner_module, "iter_explanation", lockstep)
    monkeypatch.setattr(runner_module, "SNAPSHOT_INTERVAL_S", 0.0)
    threads: dict[str, list[bool]] = {"snapshot": [], "beeswarm": [], "finish": []}

    def on_gui_thread() -> bool:
        return threading.current_thread() is threading.main_thread()

    real_snapshot, real_bees = snapshot_module.partial_snapshot, plot_tabs.beeswarm_job
    real_finish = ExplanationBuilder.finish
    x_passed: list[object] = []

    def snapshot(*args):
        threads["snapshot"].append(on_gui_thread())
        return real_snapshot(*args)

    def bees(values, X, *args):
        threads["beeswarm"].append(on_gui_thread())
        x_passed.append(X)
        return real_bees(values, X, *args)

    def finish(self, base):
        threads["finish"].append(on_gui_thread())
        return real_finish(self, base)

    monkeypatch.setattr(runner_module, "partial_snapshot", snapshot)
    monkeypatch.setattr(plot_tabs, "beeswarm_job", bees)
    monkeypatch.setattr(ExplanationBuilder, "finish", finish)
    window.show_view("beeswarm")
    c, s = window.controller, window.state
    c.first_chunk, c.chunk_rows = 100, 200
    with qtbot.waitSignal(s.explanation_finished, timeout=TIMEOUT):
        c.open(small_model_path, small_data_path)
    qtbot.waitUntil(lambda: not window.workers.busy(), timeout=TIMEOUT)
    assert threads["snapshot"] and not any(threads["snapshot"])
    assert threads["beeswarm"] and not any(threads["beeswarm"])
    assert all(X is s.data.X for X in x_passed)  # rows are picked inside the worker
    assert threads["finish"] == [True]  # once, at the end, where it copies nothing
    assert s.explanation.complete and s.explanation.values is s.builder.values


def test_big_table_sorts_in_the_background_then_filters_from_that_order(
    qtbot, window, monkeypatch, small_model_path, small_data_path
) -> None:
    monkeypatch.setattr(rows_table, "SYNC_SORT_ROWS", 0)
    open_and_wait(qtbot, window, small_model_path, small_data_path)
    model, s = window.table.rows_model, window.state
    column = [c.header for c in model.columns].index("age")
    key = model.columns[column].values.astype(float)
    with qtbot.waitSignal(model.layoutChanged, timeout=TIMEOUT):
        model.sort(column, Qt.SortOrder.DescendingOrder)
        assert model.sorting()  # the GUI thread did not sort
    qtbot.waitUntil(lambda: not model.sorting(), timeout=TIMEOUT)
    expected = np.argsort(-key, kind="stable")
    assert np.array_equal(model.order, expected)
    rows = np.flatnonzero(key > 40)
    s.set_visible_rows(rows)
    assert not model.sorting()  # the filter reused the kept order
    assert np.array_equal(model.order, expected[np.isin(expected, rows)])
    assert model.rowCount() == rows.size


def test_a_snapshot_copied_in_paced_blocks_equals_one_copied_at_once(small_model_path) -> None:
    from app.core.data.model_io import load_model
    from app.core.explain.chunked import ExplainProgress

    model = load_model(small_model_path)
    n, k = 1_000, model.n_outputs
    builder = ExplanationBuilder(model, n)
    rng = np.random.default_rng(5)
    rows = np.sort(rng.choice(n, 730, replace=False))
    values = rng.normal(size=(rows.size, len(model.features), k)).astype(np.float32)
    builder.add(ExplainProgress(rows, values, rng.normal(size=(rows.size, k)), rows.size, n))
    base = np.zeros(k)
    whole = snapshot_module.partial_snapshot(builder, base)
    paced = snapshot_module.partial_snapshot(builder, base, block_rows=64, pause_s=0.0)
    assert np.array_equal(paced.rows, rows) and np.array_equal(paced.values, whole.values)
    assert np.array_equal(paced.values, values) and np.array_equal(
        paced.raw_output, whole.raw_output
    )
