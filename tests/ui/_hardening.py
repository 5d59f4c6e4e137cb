"""Helpers for the hardening tests: a window that is closed for sure, recorders for unhandled
exceptions and Qt warnings, and a set of bad input files written into a folder."""

from __future__ import annotations

import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
from PySide6.QtCore import QtMsgType, qInstallMessageHandler

TIMEOUT = 60_000  # generous: the machine is shared; waits end as soon as the signal arrives
# Said by Qt's offscreen platform plugin itself (no window manager), not by anything ShapLens does.
PLATFORM_NOISE = ("This plugin does not support",)


@dataclass
class Trouble:
    """What went wrong without anyone handling it."""

    exceptions: list[str] = field(default_factory=list)
    qt_messages: list[str] = field(default_factory=list)

    def summary(self) -> str:
        return "\n".join([*self.exceptions[:5], *self.qt_messages[:10]])


@contextmanager
def record_trouble() -> Iterator[Trouble]:
    """Record uncaught exceptions (GUI thread and plain threads) and Qt warnings/criticals.

    pytest-qt already fails a test on an exception raised inside a Qt slot; recording them here
    as well lets a long random run report every one with the action that caused it."""
    import traceback

    trouble = Trouble()
    previous_hook, previous_thread_hook = sys.excepthook, threading.excepthook

    def hook(kind, error, tb) -> None:
        trouble.exceptions.append("".join(traceback.format_exception(kind, error, tb)))

    def thread_hook(args: threading.ExceptHookArgs) -> None:
        hook(args.exc_type, args.exc_value, args.exc_traceback)

    def on_message(kind: QtMsgType, context, message: str) -> None:
        if message.startswith(PLATFORM_NOISE):
            return
        if kind in (QtMsgType.QtWarningMsg, QtMsgType.QtCriticalMsg, QtMsgType.QtFatalMsg):
            trouble.qt_messages.append(f"{kind.name}: {message}")

    sys.excepthook, threading.excepthook = hook, thread_hook
    previous_handler = qInstallMessageHandler(on_message)
    try:
        yield trouble
    finally:
        qInstallMessageHandler(previous_handler)
        sys.excepthook, threading.excepthook = previous_hook, previous_thread_hook


def make_window(qtbot):
    from app.ui.main_window import MainWindow

    window = MainWindow()
    qtbot.addWidget(window)
    window.resize(1200, 800)
    return window


def open_and_wait(qtbot, window, model: Path | None, data: Path | None) -> None:
    with qtbot.waitSignal(window.state.explanation_finished, timeout=TIMEOUT):
        window.controller.open(model, data)


@dataclass
class BadFiles:
    empty_csv: Path
    empty_model: Path
    truncated_model: Path
    unknown_format: Path
    text_as_parquet: Path
    missing_features: Path
    text_in_numbers: Path
    latin1: Path
    binary_csv: Path


def write_bad_files(folder: Path, model_path: Path, data_path: Path, rows: int = 200) -> BadFiles:
    """Every kind of bad input the loaders issue lists, derived from a good model and dataset."""
    folder.mkdir(parents=True, exist_ok=True)
    frame = pd.read_parquet(data_path).iloc[:rows]
    empty_csv = folder / "empty.csv"
    empty_csv.write_bytes(b"")
    empty_model = folder / "empty_model.txt"
    empty_model.write_bytes(b"")
    truncated = folder / "truncated_model.txt"
    text = model_path.read_text()
    truncated.write_text(text[: len(text) // 2])
    unknown = folder / "notes.xyz"
    unknown.write_text("just some notes, not a table\n")
    text_parquet = folder / "renamed.parquet"
    text_parquet.write_text(frame.head(20).to_csv(index=False))
    missing = folder / "missing_features.csv"
    frame.drop(columns=["age", "education_num"]).to_csv(missing, index=False)
    words = frame.copy()
    words["age"] = ["young" if i % 2 else "old" for i in range(len(words))]
    text_in_numbers = folder / "age_as_words.csv"
    words.to_csv(text_in_numbers, index=False)
    latin = frame.copy()
    latin["native_country"] = (
        latin["native_country"].astype(str).replace("United-States", "États-Unis")
    )
    latin1 = folder / "latin1.csv"
    latin.to_csv(latin1, index=False, encoding="latin-1")
    binary_csv = folder / "binary.csv"
    binary_csv.write_bytes(bytes(range(256)) * 40)
    return BadFiles(
        empty_csv,
        empty_model,
        truncated,
        unknown,
        text_parquet,
        missing,
        text_in_numbers,
        latin1,
        binary_csv,
    )


ENGINE_POOL_PREFIX = (
    "shaplens-shap"  # app.core.explain.engine's fixed-size, process-wide kernel pool
)


def python_threads() -> list[str]:
    """Names of live Python threads, leaving out the dummy entries of Qt pool threads that ran
    Python code once (threading keeps those forever, whether or not the OS thread still exists)
    and the SHAP engine's pool, which is created once, never grows and lives with the process."""
    return sorted(
        t.name
        for t in threading.enumerate()
        if not isinstance(t, threading._DummyThread) and not t.name.startswith(ENGINE_POOL_PREFIX)
    )


def engine_pool_threads() -> int:
    return sum(1 for t in threading.enumerate() if t.name.startswith(ENGINE_POOL_PREFIX))
