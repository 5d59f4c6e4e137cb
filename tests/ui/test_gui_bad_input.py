"""Every bad input from the loaders issue, opened through the window: the user-facing message
appears in the window, and the model and data loaded before stay loaded (and explained)."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from tests.ui._hardening import (
    TIMEOUT,
    BadFiles,
    make_window,
    open_and_wait,
    record_trouble,
    write_bad_files,
)


@pytest.fixture
def window(qtbot):
    w = make_window(qtbot)
    yield w
    w.close()


@pytest.fixture(scope="module")
def bad(tmp_path_factory, small_model_path, small_data_path) -> BadFiles:
    return write_bad_files(tmp_path_factory.mktemp("bad"), small_model_path, small_data_path)


# (attribute of BadFiles, opened as, words the message must contain)
CASES = [
    ("empty_csv", "data", ["empty.csv", "empty"]),
    ("binary_csv", "data", ["binary.csv", "binary"]),
    ("text_as_parquet", "data", ["renamed.parquet", "text"]),
    ("missing_features", "data", ["age", "education_num", "missing"]),
    ("text_in_numbers", "data", ["age", "text"]),
    ("unknown_format", "data", ["notes.xyz"]),
    ("empty_model", "model", ["empty_model.txt", "empty"]),
    ("unknown_format", "model", ["notes.xyz", "not a model"]),
]


@pytest.mark.parametrize(("name", "kind", "words"), CASES, ids=[f"{c[0]}-{c[1]}" for c in CASES])
def test_bad_file_shows_message_and_keeps_what_was_loaded(
    qtbot, window, bad, small_model_path, small_data_path, name, kind, words
) -> None:
    open_and_wait(qtbot, window, small_model_path, small_data_path)
    state = window.state
    model, data, explanation = state.model, state.data, state.explanation
    path: Path = getattr(bad, name)
    with record_trouble() as trouble:
        with qtbot.waitSignal(state.error_raised, timeout=TIMEOUT) as blocker:
            if kind == "data":
                window.controller.open(data_path=path)
            else:
                window.controller.open(model_path=path)
        qtbot.waitUntil(lambda: not window.workers.busy(), timeout=TIMEOUT)
    message = blocker.args[0]
    for word in words:
        assert word.lower() in message.lower(), message
    assert "Traceback" not in message and "Error(" not in message  # words, not a repr
    assert window.message_bar.text() == message
    assert window.message_bar.isVisibleTo(window)
    assert "still loaded" in message
    # Nothing was replaced or recomputed: the same objects, still complete.
    assert state.model is model and state.data is data
    assert state.model_path == small_model_path and state.data_path == small_data_path
    assert state.explanation is explanation and explanation.complete
    assert window.table.rows_model.rowCount() == data.n_rows
    assert not trouble.exceptions, trouble.summary()


def test_dropped_unknown_file_is_named_and_nothing_changes(
    qtbot, window, bad, small_model_path, small_data_path
) -> None:
    open_and_wait(qtbot, window, small_model_path, small_data_path)
    model, data = window.state.model, window.state.data
    window.files.open_paths([bad.unknown_format])
    assert "notes.xyz" in window.message_bar.text()
    assert "load" not in window.workers.running()  # nothing is read for an unrecognised file
    assert window.state.model is model and window.state.data is data


def test_non_utf8_csv_opens_with_its_text_decoded(
    qtbot, window, bad, small_model_path, small_data_path
) -> None:
    open_and_wait(qtbot, window, small_model_path, small_data_path)
    open_and_wait(qtbot, window, None, bad.latin1)
    state = window.state
    assert state.data_path == bad.latin1
    countries = set(state.data.frame["native_country"].dropna().astype(str))
    assert "États-Unis" in countries  # read as Latin-1, not as mojibake or an error
    assert not any("Ã" in c for c in countries)
    assert state.explanation.complete and state.explanation.n_rows == 200


def test_bad_file_before_anything_is_loaded_leaves_an_empty_window(qtbot, window, bad) -> None:
    with qtbot.waitSignal(window.state.error_raised, timeout=TIMEOUT) as blocker:
        window.controller.open(data_path=bad.empty_csv)
    assert "empty.csv" in blocker.args[0]
    assert window.state.model is None and window.state.data is None
    assert "still loaded" not in blocker.args[0]  # nothing was loaded before


CHILD = """
import sys
from pathlib import Path
from PySide6.QtCore import QEventLoop, QTimer
from PySide6.QtWidgets import QApplication
from app.ui.app import dispose_window
from app.ui.main_window import MainWindow

app = QApplication([])
window = MainWindow()

def wait(signal):
    loop = QEventLoop()
    signal.connect(loop.quit)
    QTimer.singleShot(60_000, loop.quit)
    loop.exec()

window.controller.open(Path(sys.argv[1]), Path(sys.argv[2]))
wait(window.state.explanation_finished)
model = window.state.model
messages = []
window.state.error_raised.connect(messages.append)
for name in sys.argv[3:]:
    window.controller.open(model_path=Path(name))
    wait(window.state.error_raised)
    print("MESSAGE", messages[-1] if messages else "(none)", flush=True)
    print("KEPT", window.state.model is model and window.state.data is not None, flush=True)
dispose_window(window)
"""

CUTS = (0.01, 0.5, 0.9, 0.999)  # where the copy stopped; each cut used to crash LightGBM


def test_truncated_lightgbm_model_is_refused_without_crashing(
    tmp_path, small_model_path, small_data_path
) -> None:
    # In a child process: LightGBM's own loader segfaults or aborts on most truncated texts, so
    # a regression here must fail this test, not kill the test run.
    text = small_model_path.read_text()
    paths = []
    for cut in CUTS:
        path = tmp_path / f"cut_{cut}.txt"
        path.write_text(text[: int(len(text) * cut)])
        paths.append(str(path))
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    result = subprocess.run(
        [
            sys.executable,
            "-c",
            textwrap.dedent(CHILD),
            str(small_model_path),
            str(small_data_path),
            *paths,
        ],
        capture_output=True,
        text=True,
        timeout=300,
        env=env,
        cwd=Path(__file__).resolve().parents[2],
    )
    assert result.returncode == 0, f"exit {result.returncode}: {result.stderr[-1500:]}"
    messages = [line for line in result.stdout.splitlines() if line.startswith("MESSAGE")]
    assert len(messages) == len(CUTS), result.stdout
    for cut, message in zip(CUTS, messages, strict=True):
        assert f"cut_{cut}.txt" in message
    assert result.stdout.count("KEPT True") == len(CUTS)
