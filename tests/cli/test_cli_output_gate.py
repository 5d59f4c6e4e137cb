"""Every verb's --out goes through the output gate: an input is never overwritten (same path, hard
link, symlink), a folder, a device, a read-only place or a full disk ends in one `error:` line and
exit 2, and the file that was there before is left exactly as it was."""

from __future__ import annotations

import errno
import os
import stat
from pathlib import Path

import pandas as pd
import pytest

from app.core.base import atomic
from tests.fakes import FullDiskFile

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


@pytest.fixture(scope="module")
def small(tmp_path_factory, sample_data_path) -> Path:
    path = tmp_path_factory.mktemp("data") / "small.parquet"
    pd.read_parquet(sample_data_path).iloc[:150].to_parquet(path)
    return path


@pytest.fixture
def model(tmp_path, sample_model_path) -> Path:
    """A private copy: a test that failed to protect it must not damage the bundled sample."""
    path = tmp_path / "model.txt"
    path.write_bytes(sample_model_path.read_bytes())
    return path


@pytest.fixture
def data(tmp_path, small) -> Path:
    path = tmp_path / "data.parquet"
    path.write_bytes(small.read_bytes())
    return path


def run(capsys, *argv: str) -> tuple[int, str]:
    from app.cli import main

    code = main(list(argv))
    return code, capsys.readouterr().err


def assert_one_error(code: int, err: str, *fragments: str) -> None:
    errors = [line for line in err.splitlines() if line.startswith("error: ")]
    assert code == 2 and len(errors) == 1 and "Traceback" not in err, err
    for fragment in fragments:
        assert fragment in errors[0], errors[0]


def aliased(kind: str, target: Path, folder: Path) -> Path:
    if kind == "same path":
        return target
    alias = folder / f"alias{target.suffix}"
    if kind == "hard link":
        os.link(target, alias)
    else:
        alias.symlink_to(target)
    return alias


@pytest.mark.parametrize("kind", ["same path", "hard link", "symlink"])
def test_explain_out_equal_to_data_is_refused(capsys, tmp_path, model, data, kind) -> None:
    before = data.read_bytes()
    out = aliased(kind, data, tmp_path)
    code, err = run(
        capsys, "explain", "--model", str(model), "--data", str(data), "--out", str(out)
    )
    assert_one_error(code, err, "is the input")
    assert data.read_bytes() == before


@pytest.mark.parametrize("kind", ["same path", "hard link", "symlink"])
@pytest.mark.parametrize("which", ["model", "data"])
def test_audit_out_equal_to_an_input_is_refused(capsys, tmp_path, model, data, which, kind) -> None:
    target = model if which == "model" else data
    before = target.read_bytes()
    out = aliased(kind, target, tmp_path)
    code, err = run(capsys, "audit", "--model", str(model), "--data", str(data),
                    "--label", "income_gt_50k", "--out", str(out))  # fmt: skip
    assert_one_error(code, err, "is the input")
    assert target.read_bytes() == before


def test_report_out_equal_to_glossary_is_refused(capsys, tmp_path, model, data) -> None:
    glossary = tmp_path / "g.html"  # an odd name, but an input all the same
    glossary.write_text("features: {}\n")
    code, err = run(capsys, "report", "--model", str(model), "--data", str(data),
                    "--glossary", str(glossary), "--out", str(glossary))  # fmt: skip
    assert_one_error(code, err, "is the input")
    assert glossary.read_text() == "features: {}\n"


def test_explain_into_an_existing_folder(capsys, tmp_path, model, data) -> None:
    (tmp_path / "values.parquet").mkdir()
    code, err = run(capsys, "explain", "--model", str(model), "--data", str(data),
                    "--out", str(tmp_path / "values.parquet"))  # fmt: skip
    assert_one_error(code, err, "is a folder")


@pytest.mark.skipif(not Path("/dev/null").exists(), reason="no /dev/null")
def test_a_device_is_never_replaced(capsys, model, data) -> None:
    code, err = run(capsys, "audit", "--model", str(model), "--data", str(data),
                    "--label", "income_gt_50k", "--out", "/dev/null")  # fmt: skip
    assert_one_error(code, err, "is a device")
    assert stat.S_ISCHR(os.stat("/dev/null").st_mode)


def test_explain_to_a_read_only_folder(capsys, tmp_path, model, data, monkeypatch) -> None:
    """Root ignores folder permissions, so the refusal is injected where the OS would give it."""
    out = tmp_path / "locked" / "values.parquet"
    out.parent.mkdir()
    out.write_bytes(b"the earlier values")

    def refuse(*args, **kwargs):
        raise PermissionError(errno.EACCES, "Permission denied")

    monkeypatch.setattr(atomic.tempfile, "mkstemp", refuse)
    code, err = run(
        capsys, "explain", "--model", str(model), "--data", str(data), "--out", str(out)
    )
    assert_one_error(code, err, "read-only or you lack permission")
    assert out.read_bytes() == b"the earlier values"


def test_explain_on_a_full_disk(capsys, tmp_path, model, data, monkeypatch) -> None:
    out = tmp_path / "values.parquet"
    out.write_bytes(b"the earlier values")
    real_fdopen = os.fdopen

    def fdopen(fd, mode="r", *a, **k):  # os is shared: only writes meet the full disk
        handle = real_fdopen(fd, mode, *a, **k)
        return FullDiskFile(handle, 2_000) if "w" in mode else handle

    monkeypatch.setattr(atomic.os, "fdopen", fdopen)
    code, err = run(
        capsys, "explain", "--model", str(model), "--data", str(data), "--out", str(out)
    )
    assert_one_error(code, err, "is full")
    assert out.read_bytes() == b"the earlier values"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["data.parquet", "model.txt", out.name]


@pytest.mark.parametrize("suffix", [".png", ".svg", ".pdf"])
def test_export_on_a_full_disk_keeps_the_good_figure(
    qapp, capsys, tmp_path, model, data, monkeypatch, suffix
) -> None:
    out = tmp_path / f"figure{suffix}"
    argv = ("export", "--model", str(model), "--data", str(data), "--view", "importance",
            "--out", str(out), "--width", "640", "--height", "400")  # fmt: skip
    code, err = run(capsys, *argv)
    assert code == 0, err
    good = out.read_bytes()
    assert good[:8] == PNG_MAGIC if suffix == ".png" else len(good) > 1000
    real_write = os.write
    budget = [len(good) // 3]

    def write(fd, chunk):  # the disk fills a third of the way into the new figure
        if budget[0] <= 0:
            raise OSError(errno.ENOSPC, "No space left on device")
        n = real_write(fd, bytes(chunk[: budget[0]]))
        budget[0] -= n
        return n

    monkeypatch.setattr(atomic.os, "write", write)
    code, err = run(capsys, *argv)
    assert_one_error(code, err, "is full", out.name)
    assert out.read_bytes() == good
    assert sorted(p.name for p in tmp_path.iterdir()) == ["data.parquet", out.name, "model.txt"]


def test_export_refuses_to_draw_over_the_data(qapp, capsys, tmp_path, model, data) -> None:
    out = tmp_path / "fig.png"
    out.symlink_to(data)
    before = data.read_bytes()
    code, err = run(capsys, "export", "--model", str(model), "--data", str(data),
                    "--view", "importance", "--out", str(out))  # fmt: skip
    assert_one_error(code, err, "is the input")
    assert data.read_bytes() == before


def test_dask_refuses_a_folder_that_merely_holds_a_manifest(capsys, tmp_path, model, data) -> None:
    pytest.importorskip("distributed")
    project = tmp_path / "project"
    project.mkdir()
    (project / "_manifest.json").write_text('{"name": "not ours"}')
    (project / "notes.txt").write_text("keep me")
    code, err = run(capsys, "explain", "--engine", "dask", "--local-workers", "1",
                    "--model", str(model), "--data", str(data), "--out", str(project))  # fmt: skip
    assert_one_error(code, err, "already holds other files")
    assert (project / "notes.txt").read_text() == "keep me"
    code, err = run(capsys, "explain", "--engine", "dask", "--local-workers", "1",
                    "--model", str(model), "--data", str(data), "--out", str(tmp_path))  # fmt: skip
    assert_one_error(code, err, "holds the input")
