"""Qt test fixtures: isolated settings, a small slice of the sample data, and a guard that fails
any test leaving a background worker running (as napari's conftest does)."""

from __future__ import annotations

from pathlib import Path

import pytest

SLICE_ROWS = 2_500


@pytest.fixture(scope="session", autouse=True)
def _collect_on_gui_thread(qapp):
    """As in the app: the cyclic collector runs only on the GUI thread (app/ui/heap.py), so a
    test's leftover widgets are never destroyed on a job's thread."""
    import gc

    from app.ui.heap import collect_on_gui_thread

    timer = collect_on_gui_thread(qapp)
    yield
    timer.stop()
    gc.enable()


@pytest.fixture
def show(qtbot):
    """Shows a widget at a size (registered with qtbot, so it is closed after the test)."""

    def _show(widget, w=760, h=480):
        qtbot.addWidget(widget)
        widget.resize(w, h)
        widget.show()
        qtbot.waitExposed(widget)
        return widget

    return _show


@pytest.fixture(autouse=True)
def _no_worker_left_running(request: pytest.FixtureRequest):
    """Fail a test that leaves a worker running once it has had a moment to wind down."""
    yield
    if "qapp" not in request.fixturenames and "qtbot" not in request.fixturenames:
        return
    from PySide6.QtCore import QCoreApplication, QDeadlineTimer, QThreadPool

    from app.workers import Workers

    # Cancelled jobs finish their current step, then report; give them that long (as long as
    # any other wait in these tests: a step can take seconds on a loaded CI machine).
    deadline = QDeadlineTimer(60_000)
    while Workers.live_count() and not deadline.hasExpired():
        QThreadPool.globalInstance().waitForDone(50)
        QCoreApplication.processEvents()
    left = Workers.live_jobs()
    assert not left, f"background worker(s) still running after the test: {left}"


@pytest.fixture(autouse=True)
def _isolated_settings(tmp_path_factory: pytest.TempPathFactory, monkeypatch):
    """QSettings (recent files, window layout) go to a temporary folder, never the user's."""
    from PySide6.QtCore import QSettings

    folder = tmp_path_factory.mktemp("settings")
    QSettings.setPath(QSettings.Format.IniFormat, QSettings.Scope.UserScope, str(folder))
    monkeypatch.setenv("SHAPLENS_LOG_DIR", str(folder / "log"))
    # Never read or fill the user's explanation cache; tests that exercise it opt in with their
    # own SHAPLENS_CACHE_DIR.
    monkeypatch.setenv("SHAPLENS_NO_CACHE", "1")
    monkeypatch.setenv("SHAPLENS_CACHE_DIR", str(folder / "cache"))
    yield


@pytest.fixture(scope="session")
def small_data_path(tmp_path_factory: pytest.TempPathFactory, sample_data_path: Path) -> Path:
    """The first rows of the sample dataset, so GUI tests compute in a fraction of a second."""
    import pandas as pd

    path = tmp_path_factory.mktemp("data") / "adult_small.parquet"
    pd.read_parquet(sample_data_path).iloc[:SLICE_ROWS].to_parquet(path)
    return path


@pytest.fixture(scope="session")
def other_data_path(tmp_path_factory: pytest.TempPathFactory, sample_data_path: Path) -> Path:
    """A different, slightly smaller slice: a second dataset to switch to."""
    import pandas as pd

    path = tmp_path_factory.mktemp("data") / "adult_other.csv"
    pd.read_parquet(sample_data_path).iloc[10_000 : 10_000 + 2_000].to_csv(path, index=False)
    return path


@pytest.fixture(scope="session")
def small_model_path(tmp_path_factory: pytest.TempPathFactory, sample_data_path: Path) -> Path:
    """A small LightGBM model with the sample's features (categoricals included), trained here:
    the same code paths as the bundled 300-tree sample, at a fraction of the SHAP cost."""
    import lightgbm as lgb
    import pandas as pd

    data = pd.read_parquet(sample_data_path).iloc[:6_000]
    features = [c for c in data.columns if c not in {"income_gt_50k", "fnlwgt", "split"}]
    for column in features:
        if pd.api.types.is_string_dtype(data[column]):
            data[column] = data[column].astype("category")
    params = {"objective": "binary", "num_leaves": 15, "verbose": -1, "num_threads": 1, "seed": 1}
    booster = lgb.train(
        params, lgb.Dataset(data[features], label=data["income_gt_50k"]), num_boost_round=25
    )
    path = tmp_path_factory.mktemp("model") / "adult_small_lgbm.txt"
    booster.save_model(str(path))
    return path


@pytest.fixture
def window(qtbot):
    """A main window at a laptop-like size, closed after the test (cancelling its jobs)."""
    from app.ui.main_window import MainWindow

    w = MainWindow()
    qtbot.addWidget(w)
    w.resize(1200, 800)
    yield w
    w.close()
