"""Moved to app.core.base.atomic (the output gate); this name stays for existing imports."""

from app.core.base.atomic import (
    AtomicWriteError,
    OutputRefusedError,
    check_output,
    preflight,
    write_bytes_atomic,
    write_stream_atomic,
    write_text_atomic,
)

__all__ = [
    "AtomicWriteError",
    "OutputRefusedError",
    "check_output",
    "preflight",
    "write_bytes_atomic",
    "write_stream_atomic",
    "write_text_atomic",
]
