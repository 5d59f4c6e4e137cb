"""`export` to a really full disk: a small tmpfs, filled. The figure that was there stays byte for
byte, no temporary or `.part` file is left, and the verb ends in one `error:` line, exit 2.

test_cli_output_gate fakes the full disk (os.write raising ENOSPC), which runs everywhere; this
file checks the same on a real file system where the machine allows mounting one (root on
Linux), and is skipped elsewhere. Each figure is written twice on the full disk: once refused by
the free-space check before anything is written, and once with that check blinded (as on a file
system that reports no sizes), so the kernel's own ENOSPC arrives in the middle of the write.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from app.core.base import output_gate

pytestmark = pytest.mark.skipif(
    not sys.platform.startswith("linux") or os.geteuid() != 0 or shutil.which("mount") is None,
    reason="mounting a small tmpfs needs root on Linux",
)


@pytest.fixture
def small_disk(tmp_path) -> Iterator[Path]:
    folder = tmp_path / "disk"
    folder.mkdir()
    mounted = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=2m", "tmpfs", str(folder)], capture_output=True
    )
    if mounted.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {mounted.stderr.decode(errors='replace')}")
    try:
        yield folder
    finally:
        subprocess.run(["umount", "-l", str(folder)], capture_output=True)


def _fill(folder: Path, leave: int) -> None:
    """Leave about `leave` bytes free (the rest in one file the test never looks at again)."""
    free = shutil.disk_usage(folder).free
    with open(folder / "filler", "wb") as handle:
        handle.write(b"\0" * max(free - leave, 0))


@pytest.mark.parametrize("suffix", [".png", ".svg", ".pdf"])
def test_export_on_a_really_full_disk(
    qapp, capsys, monkeypatch, small_disk, tmp_path, sample_model_path, sample_data_path, suffix
) -> None:
    from app.cli import main

    out = small_disk / f"figure{suffix}"
    argv = ["export", "--model", str(sample_model_path), "--data", str(sample_data_path),
            "--view", "importance", "--out", str(out), "--width", "640", "--height", "400"]  # fmt: skip
    assert main(argv) == 0, capsys.readouterr().err
    good = out.read_bytes()
    assert len(good) > 10_000
    # Room for a third of a figure: larger, so that it cannot fit.
    _fill(small_disk, len(good) // 3)
    argv[-3:] = ["1280", "--height", "800"]
    before = sorted(p.name for p in small_disk.iterdir())
    for blinded in (False, True):
        if blinded:
            monkeypatch.setattr(output_gate, "free_bytes", lambda folder: None)
        capsys.readouterr()
        code = main(argv)
        err = capsys.readouterr().err
        errors = [line for line in err.splitlines() if line.startswith("error: ")]
        assert code == 2 and len(errors) == 1 and "Traceback" not in err, err
        assert "is full" in errors[0] and out.name in errors[0], errors[0]
        assert out.read_bytes() == good
        assert sorted(p.name for p in small_disk.iterdir()) == before
