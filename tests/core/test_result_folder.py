"""The Dask engine replaces a result folder only when it is provably ours, and even then deletes
only the files it wrote; anything else at --out is refused and left untouched. (No cluster is
needed: the folder rules are plain file operations.)"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from app.core.base.atomic import OutputRefusedError
from app.core.explain.distributed import DistributedExplainError
from app.core.explain.distributed.dask_explain import prepare_out
from app.core.explain.distributed.result_folder import (
    MARKER,
    check_result_out,
    owned_files,
    publish,
    write_marker,
)

RUN_FILES = ("summary.json", "summary.npz", "sample.parquet", "_SUCCESS")


def fake_result(folder: Path, parts: int = 2, marker: bool = True, tag: str = "old") -> Path:
    """A folder laid out exactly as a finished run leaves it."""
    folder.mkdir(parents=True)
    names = [f"part-{i:05d}.parquet" for i in range(parts)]
    for name in (*names, *RUN_FILES):
        (folder / name).write_text(tag)
    manifest = {"version": 1, "parts": [{"file": n, "rows": 1} for n in names]}
    (folder / "_manifest.json").write_text(json.dumps(manifest))
    if marker:
        write_marker(folder)
    return folder


def test_our_result_is_recognised(tmp_path) -> None:
    folder = fake_result(tmp_path / "values")
    assert sorted(p.name for p in owned_files(folder)) == sorted(p.name for p in folder.iterdir())


@pytest.mark.parametrize(
    "damage",
    ["no marker", "foreign marker", "user file added", "subfolder", "symlink", "bad manifest",
     "manifest lists a path", "manifest other schema"],
)  # fmt: skip
def test_anything_else_is_not_ours(tmp_path, damage: str) -> None:
    folder = fake_result(tmp_path / "values", marker=damage != "no marker")
    if damage == "foreign marker":
        (folder / MARKER).write_text('{"writer": "someone else"}')
    elif damage == "user file added":
        (folder / "notes.txt").write_text("mine")
    elif damage == "subfolder":
        (folder / "keep").mkdir()
    elif damage == "symlink":
        (folder / "part-00000.parquet").unlink()
        (folder / "part-00000.parquet").symlink_to(tmp_path)
    elif damage == "bad manifest":
        (folder / "_manifest.json").write_text("{not json")
    elif damage == "manifest lists a path":
        (folder / "_manifest.json").write_text(
            json.dumps({"version": 1, "parts": [{"file": ".."}]})
        )
    elif damage == "manifest other schema":
        (folder / "_manifest.json").write_text(json.dumps({"version": 7, "parts": []}))
    assert owned_files(folder) is None
    before = sorted(p.name for p in folder.iterdir())
    with pytest.raises(DistributedExplainError, match="already holds other files"):
        prepare_out(folder, [])
    assert sorted(p.name for p in folder.iterdir()) == before


def test_a_folder_with_only_someone_elses_manifest_is_kept(tmp_path) -> None:
    """The issue's case: any `_manifest.json` used to mark a folder for deletion."""
    folder = tmp_path / "project"
    folder.mkdir()
    (folder / "_manifest.json").write_text('{"name": "my web app"}')
    (folder / "index.html").write_text("<p>years of work</p>")
    with pytest.raises(DistributedExplainError, match="Nothing was deleted"):
        check_result_out(folder, [])
    assert (folder / "index.html").read_text() == "<p>years of work</p>"


def test_out_that_is_or_holds_an_input_is_refused(tmp_path) -> None:
    data = tmp_path / "data"
    data.mkdir()
    (data / "a.parquet").write_text("x")
    with pytest.raises(OutputRefusedError, match="holds the input"):
        check_result_out(tmp_path, [data / "a.parquet"])
    with pytest.raises(OutputRefusedError):
        check_result_out(data, [data])


def test_publish_replaces_our_result_and_only_our_files(tmp_path) -> None:
    out = fake_result(tmp_path / "values", parts=3)
    new = fake_result(tmp_path / ".values.tmp-1", parts=1, marker=False, tag="new")
    publish(new, out)
    assert (out / "part-00000.parquet").read_text() == "new"
    assert not (out / "part-00002.parquet").exists()  # the old run's extra part is gone
    assert owned_files(out) is not None  # signed by publish
    assert sorted(p.name for p in tmp_path.iterdir()) == ["values"]


def test_publish_into_a_new_or_empty_folder(tmp_path) -> None:
    (tmp_path / "empty").mkdir()
    for name in ("fresh", "empty"):
        new = fake_result(tmp_path / f".{name}.tmp", marker=False, tag="new")
        publish(new, tmp_path / name)
        assert (tmp_path / name / "summary.json").read_text() == "new"


def test_publish_rechecks_and_refuses_a_folder_changed_since_planning(tmp_path) -> None:
    out = fake_result(tmp_path / "values")
    check_result_out(out, [])  # planning saw our folder...
    (out / "notes.txt").write_text("added by the user during the run")
    new = fake_result(tmp_path / ".values.tmp-1", marker=False, tag="new")
    with pytest.raises(DistributedExplainError, match="nothing was deleted"):
        publish(new, out)
    assert (out / "notes.txt").read_text() == "added by the user during the run"
    assert (out / "summary.json").read_text() == "old"
