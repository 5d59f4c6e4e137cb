"""No code from the current folder or the model's folder runs in a child process ShapLens starts."""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

import pytest

from app.core.base.errors import ModelLoadError
from app.core.data.model_io import load_model
from app.core.explain.models.isolation import app_root, child_sys_path, isolated_command
from tests.core import hostile_models as H

HOSTILE_NAMES = ("numpy", "xgboost", "catboost", "pickle", "socket", "selectors", "json")


def _hostile_folder(folder: Path) -> Path:
    """Modules that leave a marker file and exit 0 (which once read as a clean probe)."""
    folder.mkdir(parents=True, exist_ok=True)
    for name in HOSTILE_NAMES:
        marker = folder / f"RAN_{name}"
        (folder / f"{name}.py").write_text(
            f"open({str(marker)!r}, 'w').write('ran')\nraise SystemExit(0)\n"
        )
    return folder


def _markers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.glob("RAN_*"))


def test_child_path_leaves_out_the_current_folder(tmp_path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(sys, "path", ["", ".", str(tmp_path), *sys.path])
    paths = child_sys_path()
    assert "" not in paths and "." not in paths and str(tmp_path) not in paths
    assert paths[-1] == str(app_root()) or str(app_root()) in paths
    command = isolated_command("app.core.explain.models.probe", "xgboost", "m.ubj")
    assert command[1] == "-I" and command[-2:] == ["xgboost", "m.ubj"]


@pytest.mark.parametrize("kind", ["ubj", "cbm"])
def test_probe_never_imports_from_the_model_folder_or_cwd(tmp_path, monkeypatch, kind) -> None:
    import catboost  # noqa: F401  (imported before the hostile folder becomes the cwd)
    import xgboost  # noqa: F401

    folder = _hostile_folder(tmp_path / "downloads")
    source = H.xgb_file("ubj") if kind == "ubj" else H.catboost_file()
    good = folder / f"model.{kind}"
    shutil.copy(source, good)
    damaged = folder / f"damaged.{kind}"
    damaged.write_bytes(source.read_bytes()[: int(source.stat().st_size * 0.6)])
    monkeypatch.chdir(folder)
    model = load_model(good)
    assert len(model.feature_names) == 6
    # A numpy.py exiting 0 must not pass the damaged file as probed.
    with pytest.raises(ModelLoadError, match=r"damaged\." + kind):
        load_model(damaged)
    assert _markers(folder) == []


def test_probe_child_exiting_early_is_not_success(tmp_path, monkeypatch) -> None:
    from app.core.explain.models import probe

    monkeypatch.setattr(
        probe, "isolated_command", lambda *a: [sys.executable, "-I", "-c", "raise SystemExit(0)"]
    )
    with pytest.raises(ModelLoadError, match=r"ended without reading"):
        probe.probe_model_file("xgboost", tmp_path / "m.ubj", "XGBoost")


def test_dask_local_workers_never_import_from_cwd(tmp_path) -> None:
    pytest.importorskip("distributed")
    folder = _hostile_folder(tmp_path / "work")
    result = H.run_isolated(
        """
        from app.core.explain.distributed.cluster import dask_client
        with dask_client(local_workers=1) as client:
            print("answer", client.submit(sum, [1, 2]).result(timeout=60))
        """,
        cwd=folder,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    assert "answer 3" in result.stdout
    assert _markers(folder) == []


def test_probe_child_cannot_take_more_memory_than_it_is_given(tmp_path, monkeypatch) -> None:
    """A size the file declares is allocated in the child under a limit, never unbounded."""
    from app.core.explain.models import probe

    path = tmp_path / "model.ubj"
    shutil.copy(H.xgb_file("ubj"), path)
    probe.probe_model_file("xgboost", path, "XGBoost")  # the default limit leaves room
    monkeypatch.setattr(probe, "memory_limit", lambda: 64 * 1024**2)
    with pytest.raises(ModelLoadError, match=r"model.ubj"):
        probe.probe_model_file("xgboost", path, "XGBoost")
