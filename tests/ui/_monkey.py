"""The monkey: random but valid user actions on a main window, shared by the monkey test and
the soak benchmark (benchmarks/soak.py). Files it opens are written by `write_monkey_files`."""

from __future__ import annotations

import random
import traceback
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
from PySide6.QtCore import QCoreApplication, QEvent, Qt
from PySide6.QtWidgets import QDockWidget

from tests.ui._hardening import write_bad_files

ROWS = 1_000
FILTERS = [
    "age > 40",
    'sex == "Female"',
    "workclass is missing",
    "error > 0.5",
    "prediction > 0.7 and age < 30",
    "",
    "age >",  # a syntax error, as typed half-way
    "no_such_column == 3",
]


@dataclass
class Files:
    models: list[Path]
    data: list[Path]
    bad_data: list[Path]
    bad_models: list[Path]


def _train(frame: pd.DataFrame, features: list[str], label: np.ndarray, params: dict, path: Path):
    import lightgbm as lgb

    base = {"verbose": -1, "num_threads": 1, "seed": 3, "num_leaves": 7}
    booster = lgb.train({**base, **params}, lgb.Dataset(frame[features], label=label), 10)
    booster.save_model(str(path))
    return path


def write_monkey_files(folder: Path, sample_data: Path, rows: int = ROWS) -> Files:
    """Three small models of different tasks over the sample's columns (binary with
    categoricals, regression, multiclass), three datasets in three formats, and bad files."""
    folder.mkdir(parents=True, exist_ok=True)
    full = pd.read_parquet(sample_data)
    numeric = ["age", "education_num", "capital_gain", "capital_loss"]
    train = full.iloc[5_000:8_000].copy()
    features = [c for c in full.columns if c not in {"income_gt_50k", "fnlwgt", "split"}]
    for column in features:
        if pd.api.types.is_string_dtype(train[column]):
            train[column] = train[column].astype("category")
    binary = _train(
        train,
        features,
        train["income_gt_50k"].to_numpy(),
        {"objective": "binary"},
        folder / "income_binary.txt",
    )
    regression = _train(
        train,
        numeric,
        train["hours_per_week"].to_numpy(float),
        {"objective": "regression"},
        folder / "hours_regression.txt",
    )
    race = train["race"].cat.codes.to_numpy()
    multiclass = _train(
        train,
        [*numeric, "hours_per_week"],
        race,
        {"objective": "multiclass", "num_class": int(race.max()) + 1},
        folder / "race_multiclass.txt",
    )
    first = folder / "first.parquet"
    full.iloc[:rows].to_parquet(first)
    second = folder / "second.csv"
    full.iloc[20_000 : 20_000 + rows // 2].to_csv(second, index=False)
    third = folder / "third.feather"
    full.iloc[30_000 : 30_000 + rows].reset_index(drop=True).to_feather(third)
    bad = write_bad_files(folder / "bad", binary, first)
    return Files(
        models=[binary, regression, multiclass],
        data=[first, second, third],
        bad_data=[bad.empty_csv, bad.text_as_parquet, bad.missing_features, bad.text_in_numbers],
        # Not bad.truncated_model: if its check ever regressed, LightGBM would kill the whole
        # test process; test_gui_bad_input opens it in a child process instead.
        bad_models=[bad.empty_model, bad.unknown_format],
    )


def _panel(window, module_name: str, class_name: str):
    """The window's own panel when it docks one, else a new one docked for the monkey."""
    import importlib

    module = importlib.import_module(f"app.ui.panels.{module_name}")
    found = window.findChildren(getattr(module, class_name))
    if found:
        return found[0]
    widget = module.create(window.state)
    dock = QDockWidget(module.TITLE, window)
    dock.setObjectName(f"monkey:{module_name}")  # saveState warns about unnamed docks
    dock.setWidget(widget)
    window.addDockWidget(Qt.DockWidgetArea.BottomDockWidgetArea, dock)
    return widget


class Monkey:
    """Random actions on one window; each action is a method taking the random generator."""

    def __init__(
        self, window, files: Files, out: Path, seed: int, wait_quiet: Callable[[], None]
    ) -> None:
        self.window, self.files, self.out = window, files, out
        self.wait_quiet = wait_quiet  # blocks (processing events) until no job is running
        self.rng = random.Random(seed)
        self.exports = 0
        self.filter = _panel(window, "debug_filter", "FilterPanel")
        self.whatif = _panel(window, "debug_whatif", "WhatIfPanel")
        weighted: list[tuple[int, Callable[[], None]]] = [
            (3, self.open_model),
            (3, self.open_data),
            (1, self.open_both),
            (2, self.open_bad),
            (25, self.select_row),
            (8, self.step_row),
            (8, self.show_view),
            (4, self.set_output),
            (4, self.set_threshold),
            (4, self.sort),
            (2, self.choose_label),
            (5, self.apply_filter),
            (3, self.choose_preset),
            (5, self.what_if),
            (3, self.cancel),
            (3, self.recompute),
            (2, self.export),
            (1, self.close_files),
            (1, self.colour_blind),
            (6, self.wait_until_quiet),
        ]
        self.actions = [action for weight, action in weighted for _ in range(weight)]

    # ---------------------------------------------------------------- files
    def open_model(self) -> None:
        self.window.controller.open(model_path=self.rng.choice(self.files.models))

    def open_data(self) -> None:
        self.window.controller.open(data_path=self.rng.choice(self.files.data))

    def open_both(self) -> None:
        paths = [self.rng.choice(self.files.models), self.rng.choice(self.files.data)]
        self.rng.shuffle(paths)
        self.window.files.open_paths(paths)

    def open_bad(self) -> None:
        if self.rng.random() < 0.5:
            self.window.controller.open(data_path=self.rng.choice(self.files.bad_data))
        else:
            self.window.controller.open(model_path=self.rng.choice(self.files.bad_models))

    def close_files(self) -> None:
        self.window.menu_actions.close.trigger()

    # ---------------------------------------------------------------- rows and views
    def select_row(self) -> None:
        table = self.window.table
        n = table.rows_model.rowCount()
        if n:
            table.selectRow(self.rng.randrange(n))

    def step_row(self) -> None:
        action = self.window.menu_actions
        (action.next_row if self.rng.random() < 0.5 else action.previous_row).trigger()

    def show_view(self) -> None:
        self.window.show_view(self.rng.choice(["importance", "beeswarm", "waterfall"]))

    def set_output(self) -> None:
        combo = self.window.output_combo
        if combo.count():
            k = self.rng.randrange(combo.count())
            combo.setCurrentIndex(k)
            combo.activated.emit(k)

    def set_threshold(self) -> None:
        self.window.state.set_threshold(round(self.rng.uniform(0.05, 0.95), 2))

    def sort(self) -> None:
        table = self.window.table
        columns = table.rows_model.columnCount()
        if columns:
            order = self.rng.choice([Qt.SortOrder.AscendingOrder, Qt.SortOrder.DescendingOrder])
            table.sortByColumn(self.rng.randrange(columns), order)

    def choose_label(self) -> None:
        combo = self.window.label_combo
        if combo.count() and combo.isEnabled():
            k = self.rng.randrange(combo.count())
            combo.setCurrentIndex(k)
            combo.activated.emit(k)

    # ---------------------------------------------------------------- panels
    def apply_filter(self) -> None:
        self.filter.expression.setText(self.rng.choice(FILTERS))
        self.filter.apply_button.click()

    def choose_preset(self) -> None:
        combo = self.filter.preset_combo
        if combo.count():
            k = self.rng.randrange(combo.count())
            combo.setCurrentIndex(k)
            combo.activated.emit(k)

    def what_if(self) -> None:
        editors = self.whatif.editors
        if not editors:
            return
        feature = self.rng.choice(sorted(editors))
        model = self.window.state.model
        spec = next((f for f in model.features if f.name == feature), None) if model else None
        if spec is not None and spec.categories:
            value: object = self.rng.choice([*spec.categories, None])
        else:
            value = self.rng.choice([0, 1, 17, 45.5, 99_999, -3, None, "abc", "1e3"])
        self.whatif.set_value(feature, value)

    # ---------------------------------------------------------------- computing and export
    def cancel(self) -> None:
        self.window.menu_actions.cancel.trigger()

    def recompute(self) -> None:
        action = self.window.menu_actions.recompute
        if action.isEnabled():
            action.trigger()

    def export(self) -> None:
        if not self.window.state.ready:
            return
        self.exports += 1
        suffix = self.rng.choice([".png", ".svg"])
        width = self.rng.choice([None, 400, 900])
        path = self.window.exporter.export_view(self.out / f"view{self.exports}{suffix}", width)
        if path is not None:
            assert path.stat().st_size > 0

    def colour_blind(self) -> None:
        self.window.menu_actions.colour_blind.trigger()

    def wait_until_quiet(self) -> None:
        # Let everything in flight finish now and then, so results (not only cancellations)
        # reach the views; otherwise most work would be superseded before it lands.
        self.wait_quiet()

    # ---------------------------------------------------------------- the run
    def run(self, n: int) -> list[str]:
        """Do `n` random actions; returns a description of each that raised."""
        recent: deque[str] = deque(maxlen=12)
        failures: list[str] = []
        for i in range(n):
            action = self.rng.choice(self.actions)
            recent.append(f"{i}:{action.__name__}")
            try:
                action()
                QCoreApplication.processEvents()
                # What returning to the event loop does after each user action: delete objects
                # that asked for it (deleteLater); processEvents alone leaves them, which would
                # look like a leak no user ever sees.
                QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)
            except Exception:
                failures.append(f"after {list(recent)}:\n{traceback.format_exc()}")
        return failures
