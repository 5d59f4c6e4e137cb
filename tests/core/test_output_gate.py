"""The output gate: never over an input, a folder or a device; symlinks written through; a full
disk, a failing write or a failing producer leaves the old file exactly as it was and no
temporary file behind."""

from __future__ import annotations

import errno
import os
import stat
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from app.core.base import atomic, output_gate
from app.core.base.atomic import (
    AtomicWriteError,
    OutputRefusedError,
    check_output,
    preflight,
    write_bytes_atomic,
    write_stream_atomic,
    write_text_atomic,
)
from tests.fakes import FullDiskFile


def names(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir())


@pytest.fixture
def data(tmp_path) -> Path:
    path = tmp_path / "data.csv"
    path.write_text("a,b\n1,2\n")
    return path


# ------------------------------------------------------------------ inputs are never written
def test_output_equal_to_an_input_is_refused(tmp_path, data) -> None:
    with pytest.raises(OutputRefusedError, match="is the input"):
        write_text_atomic(data, "overwritten", inputs=[tmp_path / "model.txt", data])
    assert data.read_text() == "a,b\n1,2\n"
    assert names(tmp_path) == ["data.csv"]


def test_same_file_by_another_spelling_is_refused(tmp_path, data, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "sub").mkdir()
    with pytest.raises(OutputRefusedError):
        write_text_atomic("sub/../data.csv", "x", inputs=[data])
    with pytest.raises(OutputRefusedError):
        check_output(data, inputs=["data.csv"])  # a relative input names the same file
    assert data.read_text() == "a,b\n1,2\n"


def test_hard_link_to_an_input_is_refused(tmp_path, data) -> None:
    link = tmp_path / "link.csv"
    os.link(data, link)
    with pytest.raises(OutputRefusedError, match="same file"):
        write_text_atomic(link, "x", inputs=[data])
    assert data.read_text() == link.read_text() == "a,b\n1,2\n"


def test_symlink_to_an_input_is_refused_both_ways(tmp_path, data) -> None:
    out_link = tmp_path / "out.csv"
    out_link.symlink_to(data)
    with pytest.raises(OutputRefusedError):
        write_text_atomic(out_link, "x", inputs=[data])
    in_link = tmp_path / "in.csv"
    in_link.symlink_to(data)
    with pytest.raises(OutputRefusedError):
        write_text_atomic(data, "x", inputs=[in_link])
    assert data.read_text() == "a,b\n1,2\n" and out_link.is_symlink()


def test_unrelated_inputs_and_none_do_not_block(tmp_path, data) -> None:
    out = write_text_atomic(tmp_path / "out.json", "{}", inputs=[data, None, ""])
    assert out.read_text() == "{}"


def test_folder_output_may_not_be_or_hold_an_input(tmp_path, data) -> None:
    with pytest.raises(OutputRefusedError, match="holds the input"):
        check_output(tmp_path, inputs=[data], folder=True)
    assert (
        check_output(tmp_path / "values", inputs=[data], folder=True)
        == (tmp_path / "values").resolve()
    )


# ------------------------------------------------------------------ folders, devices, symlinks
def test_existing_folder_is_refused(tmp_path) -> None:
    (tmp_path / "out.parquet").mkdir()
    with pytest.raises(OutputRefusedError, match="is a folder"):
        write_bytes_atomic(tmp_path / "out.parquet", b"x")
    assert (tmp_path / "out.parquet").is_dir()


@pytest.mark.skipif(not Path("/dev/null").exists(), reason="no /dev/null on this platform")
def test_a_device_is_refused_and_left_a_device() -> None:
    with pytest.raises(OutputRefusedError, match="is a device"):
        write_text_atomic("/dev/null", "x")
    assert stat.S_ISCHR(os.stat("/dev/null").st_mode)


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs on this platform")
def test_a_fifo_is_refused_without_blocking(tmp_path) -> None:
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    with pytest.raises(OutputRefusedError, match="FIFO"):
        write_text_atomic(fifo, "x")  # opening it for writing would block with no reader
    assert stat.S_ISFIFO(os.stat(fifo).st_mode)
    link = tmp_path / "out.json"
    link.symlink_to(fifo)
    with pytest.raises(OutputRefusedError, match="FIFO"):
        write_text_atomic(link, "x")


@pytest.mark.skipif(not Path("/proc/self/fd").is_dir(), reason="no /proc on this platform")
def test_an_anonymous_pipe_like_dev_stdout_in_a_pipeline_is_refused(tmp_path) -> None:
    """`--out /dev/stdout | cat` resolves to a pipe with no path; it must not look like a full disk."""
    read_end, write_end = os.pipe()
    try:
        with pytest.raises(OutputRefusedError, match="FIFO"):
            write_text_atomic(f"/proc/self/fd/{write_end}", "x")
    finally:
        os.close(read_end)
        os.close(write_end)


def test_a_symlink_is_written_through_and_kept(tmp_path) -> None:
    real = tmp_path / "reports" / "week49.html"
    real.parent.mkdir()
    real.write_text("old")
    real.chmod(0o640)
    link = tmp_path / "latest.html"
    link.symlink_to(real)
    write_text_atomic(link, "new")
    assert link.is_symlink() and os.readlink(link) == str(real)
    assert real.read_text() == "new" and stat.S_IMODE(real.stat().st_mode) == 0o640
    assert names(real.parent) == ["week49.html"] and names(tmp_path) == ["latest.html", "reports"]


def test_a_dangling_symlink_creates_its_target(tmp_path) -> None:
    link = tmp_path / "latest.json"
    link.symlink_to(tmp_path / "target.json")
    write_text_atomic(link, "{}")
    assert link.is_symlink() and (tmp_path / "target.json").read_text() == "{}"


# ------------------------------------------------------------------ full disk, failing writes
def test_full_disk_is_refused_before_anything_is_written(tmp_path, monkeypatch) -> None:
    target = tmp_path / "figure.svg"
    target.write_text("a good figure")
    monkeypatch.setattr(output_gate, "free_bytes", lambda folder: 10_000)
    created = []
    monkeypatch.setattr(atomic.tempfile, "mkstemp", lambda **kw: created.append(kw) or 1 / 0)
    with pytest.raises(AtomicWriteError, match=r"disk .* is full"):
        write_bytes_atomic(target, b"x" * 20_000)
    assert created == [] and target.read_text() == "a good figure"


def test_a_stream_is_refused_on_a_disk_down_to_its_last_mib(tmp_path, monkeypatch) -> None:
    called = []
    monkeypatch.setattr(output_gate, "free_bytes", lambda folder: 1000)
    with pytest.raises(AtomicWriteError, match="is full"):
        write_stream_atomic(tmp_path / "v.parquet", called.append)
    assert called == [] and names(tmp_path) == []
    monkeypatch.setattr(output_gate, "free_bytes", lambda folder: None)  # size not reported
    write_stream_atomic(tmp_path / "v.parquet", lambda h: h.write(b"ok"))
    assert (tmp_path / "v.parquet").read_bytes() == b"ok"


@pytest.mark.parametrize("failure", ["enospc", "no-progress"])
def test_a_failing_write_keeps_the_old_file(tmp_path, monkeypatch, failure) -> None:
    target = tmp_path / "figure.pdf"
    target.write_bytes(b"%PDF good")
    real_write = os.write
    budget = [3 * 1024 * 1024 // 2]  # the disk fills after 1.5 MiB

    def write(fd, data):
        if budget[0] <= 0:
            if failure == "enospc":
                raise OSError(errno.ENOSPC, "No space left on device")
            return 0
        n = real_write(fd, bytes(data[: budget[0]]))
        budget[0] -= n
        return n

    monkeypatch.setattr(atomic.os, "write", write)
    with pytest.raises(AtomicWriteError, match=r"disk .* is full"):
        write_bytes_atomic(target, b"%PDF" + b"x" * (4 << 20))
    assert target.read_bytes() == b"%PDF good"
    assert names(tmp_path) == ["figure.pdf"]


def test_a_short_write_is_completed_not_truncated(tmp_path, monkeypatch) -> None:
    real_write = os.write
    monkeypatch.setattr(atomic.os, "write", lambda fd, data: real_write(fd, bytes(data[:7])))
    write_bytes_atomic(tmp_path / "x.bin", bytes(range(256)) * 10)
    assert (tmp_path / "x.bin").read_bytes() == bytes(range(256)) * 10


@pytest.mark.parametrize("writer", ["numpy", "pyarrow"])
def test_a_stream_producer_hitting_a_full_disk_keeps_the_old_file(tmp_path, writer) -> None:
    target = tmp_path / "values.bin"
    target.write_bytes(b"old values")
    table = pa.table({"x": np.arange(200_000, dtype=np.float64)})

    def produce(handle) -> None:
        full = FullDiskFile(handle, 100_000)
        if writer == "numpy":
            np.save(full, np.arange(200_000, dtype=np.float64))
        else:
            pq.write_table(table, full, compression="none")

    with pytest.raises(AtomicWriteError, match=r"disk .* is full"):
        write_stream_atomic(target, produce)
    assert target.read_bytes() == b"old values"
    assert names(tmp_path) == ["values.bin"]


def test_a_producer_error_keeps_the_old_file(tmp_path) -> None:
    target = tmp_path / "values.parquet"
    target.write_bytes(b"old")

    def produce(handle) -> None:
        handle.write(b"half")
        raise ValueError("the producer failed")

    with pytest.raises(ValueError, match="producer failed"):
        write_stream_atomic(target, produce)
    assert target.read_bytes() == b"old" and names(tmp_path) == ["values.parquet"]


def test_a_failing_fsync_keeps_the_old_file(tmp_path, monkeypatch) -> None:
    target = tmp_path / "cache.npy"
    target.write_bytes(b"old")
    monkeypatch.setattr(atomic.os, "fsync", lambda fd: (_ for _ in ()).throw(OSError(5, "EIO")))
    with pytest.raises(AtomicWriteError, match="previous file was kept"):
        write_stream_atomic(target, lambda h: h.write(b"new"))
    assert target.read_bytes() == b"old" and names(tmp_path) == ["cache.npy"]


def test_stream_writes_and_creates_parents(tmp_path) -> None:
    out = write_stream_atomic(tmp_path / "a" / "b" / "x.npy", lambda h: np.save(h, np.ones(3)),
                              parents=True)  # fmt: skip
    assert np.load(out).tolist() == [1.0, 1.0, 1.0]


# ------------------------------------------------------------------ preflight
def test_preflight_accepts_missing_folders_under_a_writable_one(tmp_path, data) -> None:
    assert preflight(tmp_path / "new" / "deeper" / "out.json", [data]).name == "out.json"
    assert not (tmp_path / "new").exists()  # a check only: nothing is created


def test_preflight_refuses_a_read_only_place_and_a_file_as_folder(tmp_path, monkeypatch) -> None:
    (tmp_path / "file").write_text("x")
    with pytest.raises(AtomicWriteError, match="is a file, not a folder"):
        preflight(tmp_path / "file" / "out.json")
    monkeypatch.setattr(output_gate.os, "access", lambda path, mode: False)
    with pytest.raises(AtomicWriteError, match="read-only or you lack permission"):
        preflight(tmp_path / "out.json")


# ------------------------------------------------------------------ stores that use the gate
def test_trust_store_is_written_through_the_gate(tmp_path, monkeypatch, data) -> None:
    from app.core.explain.models import trust

    store = tmp_path / "config" / "deep" / "trusted.json"
    monkeypatch.setenv(trust.STORE_ENV, str(store))
    digest = trust.remember_trust(data)
    assert trust.is_trusted(data) and digest in store.read_text()
    assert names(store.parent) == ["trusted.json"]  # no .part or temporary file left
    monkeypatch.setenv(trust.STORE_ENV, str(tmp_path))  # a folder: refused, one sentence
    with pytest.raises(OutputRefusedError, match="is a folder"):
        trust.remember_trust(data)


def test_cache_entry_on_a_full_disk_keeps_the_earlier_entry(tmp_path, monkeypatch) -> None:
    from app.core.base.types import Explanation, Unit
    from app.core.data.cache import ExplanationCache

    def explanation(scale: float) -> Explanation:
        values = np.full((200, 3, 1), scale, dtype=np.float32)
        return Explanation(values, np.zeros(1), values.sum(axis=1, dtype=np.float64),
                           ["a", "b", "c"], ["out"], Unit.TARGET, True, np.arange(200))  # fmt: skip

    cache = ExplanationCache(tmp_path / "cache")
    key = "ab" * 32
    cache.put(key, explanation(1.0))
    files = sorted(p.name for p in (tmp_path / "cache" / "ab").iterdir())
    monkeypatch.setattr(output_gate, "free_bytes", lambda folder: 100)
    with pytest.raises(AtomicWriteError, match="is full"):
        cache.put(key, explanation(2.0))
    assert sorted(p.name for p in (tmp_path / "cache" / "ab").iterdir()) == files
    assert float(cache.get(key).values[0, 0, 0]) == 1.0
