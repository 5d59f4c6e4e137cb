"""Issue 21's matrix, outputs: every verb that writes a file, with --out an input (the same
path, a hard link, a symlink), a folder, a device or a FIFO, ends in exit 2 and one `error:`
line naming it, with nothing changed and nothing left behind. Each hostile output carries the
verb's own suffix, so it is the output gate that refuses it, not the suffix check."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from tests.cli import hostile_files as F
from tests.cli import hostile_matrix as M


@pytest.fixture
def good(tmp_path) -> M.Good:
    """Fresh files in the test's own folder: a link to them must sit where they are."""
    return M.make_good(tmp_path)


def _reads(verb: str, slot: str) -> bool:
    """Whether the verb reads a good file of its output's kind (else the links stand in for
    "the same path")."""
    wanted = {".parquet": "DATA", ".json": "MODEL_B"}.get(Path(slot).suffix)
    return wanted in M.VERBS[verb]


CASES = [
    pytest.param(kind, role, id=f"{kind}-{role[0]}")
    for kind in sorted(F.OUTPUTS)
    for role in M.OUT_ROLES
    if kind != "same_path" or _reads(*role)
]


@pytest.mark.timeout(60)
@pytest.mark.parametrize(("kind", "role"), CASES)
def test_every_writer_refuses_a_hostile_output(qapp, tmp_path, good, kind, role) -> None:
    verb, slot = role
    out = F.OUTPUTS[kind](tmp_path, good, Path(slot).suffix)
    assert out is not None
    is_device = stat.S_ISCHR(os.stat(out).st_mode) if out.exists() else False
    before, files = M.fingerprint(good.files()), M.listing(tmp_path)
    code, err = M.run_in_process(good.argv(verb, "NONE", tmp_path, tmp_path, out=out))
    M.check_outcome(code, err, out.name, str(out))
    assert M.fingerprint(good.files()) == before, "an input changed"
    assert M.listing(tmp_path) == files, "the run left files behind"
    if kind == "device":
        assert is_device and stat.S_ISCHR(os.stat(out).st_mode), "the device was replaced"
    if kind in ("symlink", "device"):
        assert out.is_symlink()
