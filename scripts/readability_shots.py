"""Readability screenshots: the whole window with each view and panel brought forward.

Run from the project root (offscreen, no display needed):

    .venv/bin/python scripts/readability_shots.py [--out docs/screenshots/readability]
        [--datasets sample wide40] [--sizes 640x400 1400x860 2560x1440]

Two inputs, both seeded: the bundled census sample (LightGBM, 12 features, long category
labels such as "Married-civ-spouse"), and "wide40", a LightGBM model trained here on 40
features with long names and long category labels (the size issue 17 asks the views to read
at). For each window size the script saves the whole window with each central tab and each
panel brought forward (window_<data>_<view>_<WxH>.png), then the central views as File > Export
View writes them (export_<data>_<view>_<WxH>.png). PNGs are reduced to a 256-colour palette so
the folder stays small. The images are for people to look at; tests check the layout.
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("SHAPLENS_NO_CACHE", "1")
ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

SEED = 17
SIZES = ("640x400", "1400x860", "2560x1440")
ROW = 7  # the row every per-row view shows
PARTS = ["average_monthly_balance", "of_the_primary_account", "over_the_last_twelve_months"]
LABELS = [
    "Married, living with a spouse in the same household",
    "Never married",
    "Divorced or separated, living alone",
    "Widowed",
    "Prefers not to say (recorded as missing on the form)",
]


def wide40(folder: Path) -> tuple[Path, Path]:
    """A 40-feature LightGBM model with long names; every fifth feature is categorical."""
    import lightgbm as lgb

    rng = np.random.default_rng(SEED)
    n, m = 4000, 40
    names = [f"f{j:02d}_" + "_".join(PARTS[: 1 + j % 3]) for j in range(m)]
    frame = pd.DataFrame({name: rng.normal(size=n) for name in names})
    score = frame.to_numpy() @ rng.uniform(0.05, 1.0, m)
    for j in range(1, m, 5):
        codes = rng.integers(0, len(LABELS), n)
        frame[names[j]] = pd.Categorical.from_codes(codes, LABELS)
        score += (codes - 2) * 0.6
    frame["label"] = (score + rng.normal(size=n) > 0).astype(int)
    params = {"objective": "binary", "num_leaves": 15, "seed": SEED, "deterministic": True,
              "num_threads": 1, "verbose": -1}  # fmt: skip
    booster = lgb.train(params, lgb.Dataset(frame[names], label=frame["label"]), 80)
    model, data = folder / "wide40_lgbm.txt", folder / "wide40.parquet"
    booster.save_model(str(model))
    frame.to_parquet(data)
    return model, data


def settle(app, until: Callable[[], bool] = lambda: False, seconds: float = 0.4) -> None:
    """Run the event loop until `until()` holds or `seconds` pass (at least a few passes)."""
    end = time.monotonic() + seconds
    for _ in range(3):
        app.processEvents()
    while not until() and time.monotonic() < end:
        app.processEvents()
        time.sleep(0.01)
    for _ in range(3):
        app.processEvents()


def save_small(image, path: Path) -> None:
    """A 256-colour PNG: screenshots are flat colours and text, and 24-bit files were 5x larger."""
    from PySide6.QtCore import Qt
    from PySide6.QtGui import QImage

    flags = Qt.ImageConversionFlag.ThresholdDither | Qt.ImageConversionFlag.AvoidDither
    image.convertToFormat(QImage.Format.Format_Indexed8, flags).save(str(path), "PNG")


def slug(text: str) -> str:
    return "".join(c if c.isalnum() else "_" for c in text).strip("_").lower()


def prepare(app, panel_name: str, panel, state) -> None:
    """What a user would do first, so the shot shows a filled panel: the dependence plot of
    the most important feature coloured by a categorical one (its colours need a legend), a
    short latency measurement, the interaction summary left to finish."""
    features = state.model.features
    categorical = [f.name for f in features if f.is_categorical]
    if panel_name == "debug_dependence" and categorical:
        panel.set_feature(panel.feature_combo.itemData(0), categorical[0])
    elif panel_name == "production_latency":
        panel.seconds.setValue(2.0)
        panel.run()
        settle(app, lambda: panel.report is not None, 120.0)
    elif panel_name == "interactions":
        settle(app, lambda: panel.heatmap.data is not None, 60.0)


# A second shot of a panel with tabs of its own: (suffix, how to bring that tab forward).
EXTRA = {"production_latency": ("batches", lambda panel: panel.tabs.setCurrentIndex(2))}


def bring_forward(app, window, dock) -> None:
    dock.show()
    dock.raise_()
    settle(app, dock.widget().isVisible, 2.0)
    module = window.dock_set.module_of(dock).rsplit(".", 1)[-1]
    prepare(app, module, dock.widget(), window.state)
    settle(app, seconds=1.5)  # panels start their work when shown; give it a moment


def shoot_window(app, model: Path, data: Path, tag: str, size: str, out: Path) -> None:
    from PySide6.QtCore import QSettings

    from app.ui.main_window import MainWindow

    # Fresh preferences for every window: a window closed at 640x400 saves its dock sizes,
    # and the next one would open with them (what a user's own layout does, not the default).
    folder = tempfile.mkdtemp(prefix="shaplens_shots_")
    QSettings.setPath(QSettings.Format.IniFormat, QSettings.Scope.UserScope, folder)
    w, h = (int(v) for v in size.split("x"))
    win = MainWindow()
    win.resize(w, h)
    win.show()
    settle(app)
    done: list[bool] = []
    win.state.explanation_finished.connect(lambda: done.append(True))
    win.controller.open(model, data)
    settle(app, lambda: bool(done), 300.0)
    win.state.select_row(ROW)
    settle(app, lambda: win.plots.slots["waterfall"].plot.isVisible(), 2.0)
    for index, name in enumerate(win.plots.slots):
        win.plots.setCurrentIndex(index)
        settle(app, seconds=1.0)
        save_small(win.grab().toImage(), out / f"window_{tag}_{name}_{size}.png")
        exported = out / f"export_{tag}_{name}_{size}.png"
        with tempfile.TemporaryDirectory() as tmp:
            written = win.exporter.export_view(Path(tmp) / "view.png")
            if written is not None:
                from PySide6.QtGui import QImage

                save_small(QImage(str(written)), exported)
    win.plots.setCurrentIndex(0)
    for dock in win.dock_set.docks:
        module = win.dock_set.module_of(dock)
        if module.endswith("debug_filter"):
            continue  # always shown above the table
        was_visible = dock.isVisible()
        bring_forward(app, win, dock)
        panel = module.rsplit(".", 1)[-1]
        save_small(win.grab().toImage(), out / f"window_{tag}_{panel}_{size}.png")
        if panel in EXTRA:
            suffix, show = EXTRA[panel]
            show(dock.widget())
            settle(app, seconds=0.5)
            save_small(win.grab().toImage(), out / f"window_{tag}_{panel}_{suffix}_{size}.png")
        if not was_visible:
            dock.hide()
            settle(app, seconds=0.1)
    win.close()
    win.deleteLater()
    settle(app, seconds=0.2)
    shutil.rmtree(folder, ignore_errors=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT / "docs/screenshots/readability")
    parser.add_argument("--datasets", nargs="+", default=["sample", "wide40"])
    parser.add_argument("--sizes", nargs="+", default=list(SIZES))
    args = parser.parse_args(argv)
    from PySide6.QtWidgets import QApplication

    app = QApplication.instance() or QApplication(sys.argv[:1])
    args.out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        inputs = {"sample": (ROOT / "sample_models/adult_lgbm.txt",
                             ROOT / "sample_models/adult.parquet")}  # fmt: skip
        if "wide40" in args.datasets:
            inputs["wide40"] = wide40(Path(tmp))
        for tag in args.datasets:
            model, data = inputs[tag]
            for size in args.sizes:
                print(f"{tag} {size}", flush=True)
                shoot_window(app, model, data, tag, size, args.out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
