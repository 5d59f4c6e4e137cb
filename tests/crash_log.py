"""Where a crashed test run leaves its evidence, and how `make test` shows it.

A segfault kills pytest before it reports anything. Its faulthandler dump lists every thread,
newest first, so the main thread comes last and a long dump, cut in the middle by CI's summary,
loses the thread that crashed. The dump therefore goes to a file, next to the id of the test that
was running, and `python -m tests.crash_log` (which `make test` runs after a failed run) prints
the test and the crashed thread at the very end of the output.
"""

from __future__ import annotations

import faulthandler
import sys
from pathlib import Path
from typing import TextIO

ROOT = Path(__file__).resolve().parents[1]
DUMP = ROOT / ".test-crash.log"
RUNNING = ROOT / ".test-running"

# Frames of pytest's own machinery under every test: the crash is in the frames above them.
HARNESS_FRAMES = ("/_pytest/", "/pluggy/", "<frozen runpy>", "/pytest/__main__.py")

_dump_file: TextIO | None = None


def enable() -> None:
    """Send faulthandler's dump of every thread to DUMP instead of stderr."""
    global _dump_file
    _dump_file = open(DUMP, "w")  # noqa: SIM115 - faulthandler writes to it until exit
    faulthandler.enable(file=_dump_file, all_threads=True)


def disable() -> None:
    global _dump_file
    faulthandler.disable()
    if _dump_file is not None:
        _dump_file.close()
        _dump_file = None


def mark_running(nodeid: str) -> None:
    RUNNING.write_text(nodeid + "\n", encoding="utf-8")


def crashed_thread(dump: str) -> list[str]:
    """The lines of the thread that crashed (faulthandler calls it the current thread)."""
    lines = dump.splitlines()
    for i, line in enumerate(lines):
        if line.startswith("Current thread"):
            block = [line]
            for later in lines[i + 1 :]:
                if not later.strip() or later.startswith("Thread "):
                    break
                if not any(part in later for part in HARNESS_FRAMES):
                    block.append(later)
            return block
    return []


def report(dump: str, running: str) -> str:
    """What a failed `make test` prints when the run crashed; empty when it did not."""
    if "Fatal Python error" not in dump:
        return ""
    threads = sum(line.startswith(("Thread ", "Current thread")) for line in dump.splitlines())
    crashed = crashed_thread(dump) or ["(no Python thread was running: a native thread crashed)"]
    return "\n".join(
        [
            "",
            f"The test run crashed ({threads} Python threads; whole dump in {DUMP.name}).",
            dump.splitlines()[0],
            f"Running test: {running.strip() or 'unknown'}",
            *crashed,
        ]
    )


def main() -> int:
    dump = DUMP.read_text(encoding="utf-8", errors="replace") if DUMP.is_file() else ""
    running = RUNNING.read_text(encoding="utf-8") if RUNNING.is_file() else ""
    text = report(dump, running)
    if text:
        print(text, file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
