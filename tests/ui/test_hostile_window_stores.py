"""The window's own stores as FIFOs: a trust store or an explanation-cache entry that is a named
pipe never freezes the window (reading one would block until a writer appears); the file still
opens and the window says what it could not use. "Always trust this file" hashes the model and
rewrites the store on a worker, never on the GUI thread.

Every test has a timeout, so a regression that blocks fails instead of stalling the suite.
"""

from __future__ import annotations

import os
import stat
import threading
from pathlib import Path

import pytest

from app.core.base.errors import UntrustedPickleError
from app.core.data.cache import ExplanationCache
from app.core.explain.models import trust
from app.ui import cache_jobs
from app.ui import controller as controller_module
from app.ui.dialogs import ALWAYS_TRUST
from tests.ui._hardening import TIMEOUT, record_trouble

pytestmark = [
    pytest.mark.timeout(240),
    pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="FIFOs are a POSIX thing"),
]


@pytest.fixture(autouse=True)
def _no_user_cache(monkeypatch) -> None:
    monkeypatch.setenv(cache_jobs.ENV_OFF, "1")  # the user's cache folder is never touched


def _pretend_pickle(monkeypatch, real_model: Path) -> None:
    """The small LightGBM model, refused as an untrusted pickle until trust is given."""
    real = controller_module.load_model

    def load(path, trust_pickle=False):
        if not trust_pickle and not trust.is_trusted(path):
            raise UntrustedPickleError(f"{Path(path).name} is a pickle", path)
        return real(real_model)

    monkeypatch.setattr(controller_module, "load_model", load)


def _remember_threads(monkeypatch) -> list[int]:
    threads: list[int] = []
    real = trust.remember_trust

    def recording(path):
        threads.append(threading.get_ident())
        return real(path)

    monkeypatch.setattr(trust, "remember_trust", recording)
    return threads


def test_always_trust_is_remembered_off_the_gui_thread(
    qtbot, window, tmp_path, monkeypatch, small_model_path, small_data_path
) -> None:
    store = tmp_path / "config" / "trusted.json"
    monkeypatch.setenv(trust.STORE_ENV, str(store))
    model = tmp_path / "model.pkl"
    model.write_bytes(small_model_path.read_bytes())
    _pretend_pickle(monkeypatch, small_model_path)
    threads = _remember_threads(monkeypatch)
    asked: list[str] = []
    window.controller.ask_trust = lambda path, message: asked.append(message) or ALWAYS_TRUST
    with qtbot.waitSignal(window.state.explanation_finished, timeout=TIMEOUT):
        window.controller.open(model, small_data_path)
    qtbot.waitUntil(lambda: trust.is_trusted(model), timeout=TIMEOUT)
    assert len(asked) == 1 and threads and threading.main_thread().ident not in threads
    window.controller.close_all()
    with qtbot.waitSignal(window.state.explanation_finished, timeout=TIMEOUT):
        window.controller.open(model, small_data_path)  # trusted now: not asked again
    assert len(asked) == 1


def test_fifo_trust_store_neither_blocks_nor_stops_the_file(
    qtbot, window, tmp_path, monkeypatch, small_model_path, small_data_path
) -> None:
    store = tmp_path / "trusted.json"
    os.mkfifo(store)  # nobody writes to it
    monkeypatch.setenv(trust.STORE_ENV, str(store))
    model = tmp_path / "model.pkl"
    model.write_bytes(small_model_path.read_bytes())
    _pretend_pickle(monkeypatch, small_model_path)
    window.controller.ask_trust = lambda path, message: ALWAYS_TRUST
    with record_trouble() as trouble:
        with qtbot.waitSignal(window.state.error_raised, timeout=TIMEOUT) as blocker:
            window.controller.open(model, small_data_path)
        qtbot.waitUntil(lambda: window.state.ready, timeout=TIMEOUT)
    message = blocker.args[0]
    assert "Could not remember that model.pkl is trusted" in message and "FIFO" in message
    assert "\n" not in message
    assert stat.S_ISFIFO(os.stat(store).st_mode)  # written through neither way: left a FIFO
    assert not trouble.exceptions, trouble.summary()


@pytest.mark.parametrize("part", ["json", "values.npy"])
def test_fifo_cache_entry_is_recomputed_not_waited_on(
    qtbot, window, tmp_path, monkeypatch, small_model_path, small_data_path, part
) -> None:
    monkeypatch.delenv(cache_jobs.ENV_OFF)
    cache = ExplanationCache(tmp_path / "cache")
    window.controller.cache, window.controller.cache_min_rows = cache, 0
    with qtbot.waitSignal(window.state.explanation_finished, timeout=TIMEOUT):
        window.controller.open(small_model_path, small_data_path)
    qtbot.waitUntil(lambda: any(cache.root.rglob(f"*.{part}")), timeout=TIMEOUT)
    qtbot.waitUntil(lambda: not window.workers.busy(), timeout=TIMEOUT)
    (entry,) = cache.root.rglob(f"*.{part}")
    entry.unlink()
    os.mkfifo(entry)
    statuses: list[str] = []
    window.state.status_changed.connect(statuses.append)
    window.controller.close_all()
    with (
        record_trouble() as trouble,
        qtbot.waitSignal(window.state.explanation_finished, timeout=TIMEOUT),
    ):
        window.controller.open(small_model_path, small_data_path)
    assert any("computed again" in s for s in statuses), statuses
    assert window.state.explanation is not None and window.state.explanation.complete
    assert not trouble.exceptions, trouble.summary()


@pytest.mark.parametrize("victim", ["_manifest.json", "summary.json", "part-00000.parquet"])
def test_fifo_inside_an_explained_dataset_folder_is_named(
    qtbot, window, tmp_path, small_model_path, small_data_path, victim
) -> None:
    """File > Open Explained Dataset reads a Dask result folder on a worker; a FIFO among its
    files ends in a message naming it, not a blocked worker that never reports."""
    distributed = pytest.importorskip("distributed")
    import pandas as pd

    from app.core.explain.distributed.dask_explain import explain_dask, plan_run

    (tmp_path / "data").mkdir()
    pd.read_parquet(small_data_path).iloc[:300].to_parquet(tmp_path / "data" / "part0.parquet")
    plan = plan_run(small_model_path, tmp_path / "data", tmp_path / "values")
    with distributed.Client(
        processes=False, n_workers=1, threads_per_worker=1, dashboard_address=None
    ) as client:
        out = explain_dask(client, plan)
    (out / victim).unlink()
    os.mkfifo(out / victim)
    with record_trouble() as trouble:
        view = window.files.open_explained_dataset(out)
        with qtbot.waitSignal(view.failed, timeout=TIMEOUT) as blocker:
            pass
    # Named: as a pipe, or as the file that is missing (the folder check sees no regular file).
    assert victim in blocker.args[0] and "\n" not in blocker.args[0], blocker.args[0]
    assert victim in view.info.text()
    view.close()
    qtbot.waitUntil(lambda: not window.workers.busy(), timeout=TIMEOUT)
    assert not trouble.exceptions, trouble.summary()
