"""`shaplens <verb> | head` ends quietly when head closes the pipe, with no traceback."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
MODEL = ROOT / "sample_models" / "adult_lgbm.txt"


def test_a_closed_pipe_ends_the_verb_without_a_traceback() -> None:
    # The reader closes its end before the verb writes its first line.
    child = subprocess.Popen(
        [sys.executable, "-I", "-m", "app", "inspect", "--model", str(MODEL)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        cwd=ROOT,
    )
    assert child.stdout is not None
    child.stdout.close()
    _, err = child.communicate(timeout=120)
    text = err.decode()
    assert "Traceback" not in text and "BrokenPipeError" not in text, text
    assert child.returncode == 141
