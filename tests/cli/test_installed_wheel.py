"""A real wheel, installed outside the checkout, runs on its own bundled sample.

The wheel is built from the working tree and installed into a fresh virtual environment; its
dependencies come from the project's environment through a path file (the test installs nothing
from the network). Every command then runs from a folder outside the checkout, so nothing can be
found through the repository.
"""

from __future__ import annotations

import os
import subprocess
import sys
import sysconfig
import zipfile
from pathlib import Path

import numpy as np
import pyarrow.parquet as pq
import pytest

ROOT = Path(__file__).resolve().parents[2]


def run(command: list[str], cwd: Path, env: dict[str, str] | None = None, timeout: int = 600):
    result = subprocess.run(
        command, cwd=cwd, capture_output=True, text=True, timeout=timeout, env=env
    )
    assert result.returncode == 0, f"{command}\n{result.stdout[-3000:]}\n{result.stderr[-3000:]}"
    return result


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """(the venv's bin folder, a work folder outside the checkout)."""
    base = tmp_path_factory.mktemp("wheel")
    run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation",
         "--quiet", "-w", str(base / "dist"), str(ROOT)],
        cwd=base,
    )  # fmt: skip
    (wheel,) = (base / "dist").glob("shaplens-*.whl")
    venv = base / "venv"
    run([sys.executable, "-m", "venv", "--without-pip", str(venv)], cwd=base)
    site = next((venv / "lib").glob("python3*/site-packages"))
    # Dependencies from the project's environment; its editable ShapLens is not visible, since
    # .pth files inside a folder named by a path file are not read.
    (site / "project_deps.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    # The new interpreter runs pip (found through the path file), so the `shaplens` script it
    # writes starts the new environment's Python.
    python = venv / "bin" / "python"
    # --ignore-installed: never uninstall the project's own (editable) ShapLens, which pip sees
    # through the path file
    run([str(python), "-m", "pip", "install", "--no-deps", "--no-index", "--ignore-installed",
         "--quiet", str(wheel)],
        cwd=base)  # fmt: skip
    own = list(Path(sysconfig.get_paths()["purelib"]).glob("shaplens-*.dist-info"))
    assert own, "installing the wheel elsewhere must leave the project's own ShapLens in place"
    work = base / "elsewhere"
    work.mkdir()
    return venv / "bin", work


def test_wheel_carries_the_sample_and_the_icons(installed) -> None:
    bin_dir, _ = installed
    (wheel,) = (bin_dir.parent.parent / "dist").glob("shaplens-*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    for name in (
        "app/sample_models/adult_lgbm.txt",
        "app/sample_models/adult.parquet",
        "app/resources/icons/shaplens.svg",
        "app/resources/icons/shaplens-512.png",
        "app/resources/shaplens.desktop",
    ):
        assert name in names


def test_installed_shaplens_explains_its_sample_outside_the_checkout(installed) -> None:
    bin_dir, work = installed
    python = bin_dir / "python"
    where = run([str(python), "-c", "import app; print(app.__file__)"], cwd=work).stdout
    assert str(bin_dir.parent) in where and str(ROOT) not in where
    sample = run(
        [str(python), "-c", "from app import bundled; print(bundled.sample().model)"], cwd=work
    ).stdout.strip()
    assert sample.startswith(str(bin_dir.parent)) and sample.endswith("adult_lgbm.txt")
    out = work / "values.parquet"
    data = Path(sample).with_name("adult.parquet")
    result = run(
        [str(bin_dir / "shaplens"), "explain", "--model", sample, "--data", str(data),
         "--label", "income_gt_50k", "--out", str(out)],
        cwd=work,
    )  # fmt: skip
    assert "Traceback" not in result.stderr
    frame = pq.read_table(out).to_pandas()
    assert len(frame) == 48_842
    shap = [c for c in frame.columns if c.startswith("shap:")]
    total = frame[shap].sum(axis=1) + frame["base_value"]
    np.testing.assert_allclose(total, frame["raw_output"], atol=1e-4)


def test_installed_window_opens_its_sample(installed, tmp_path) -> None:
    bin_dir, work = installed
    env = {
        **os.environ,
        "QT_QPA_PLATFORM": "offscreen",
        "SHAPLENS_SMOKE": "1",
        "SHAPLENS_LOG_DIR": str(tmp_path / "log"),
        "XDG_CONFIG_HOME": str(tmp_path / "config"),
        "XDG_CACHE_HOME": str(tmp_path / "cache"),
        # All 48,842 rows are explained before the window reports: ~11 s on a quiet 2-core
        # machine, over a minute on a loaded one (seen in a fresh-clone run).
        "SHAPLENS_SMOKE_TIMEOUT_S": "600",
    }
    result = run([str(bin_dir / "shaplens"), "--sample"], cwd=work, env=env, timeout=900)
    lines = result.stdout.splitlines()
    assert "SHAPLENS_WINDOW_SHOWN" in lines and "SHAPLENS_EXPLAINED" in lines, result.stdout
