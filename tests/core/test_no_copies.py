"""Guards against the copies issue 20 removed coming back: widgets refill without firing their
signals through superqt's exception-safe `signals_blocked`, and numbers are written by
app.core.base.formatting rather than private `_fmt` helpers."""

from __future__ import annotations

import re

from tests.conftest import ROOT

APP = ROOT / "app"


def _sources() -> dict[str, str]:
    return {str(p.relative_to(ROOT)): p.read_text(encoding="utf-8") for p in APP.rglob("*.py")}


def test_no_hand_rolled_signal_blocking() -> None:
    found = [path for path, text in _sources().items() if ".blockSignals(" in text]
    assert not found, f"use superqt.utils.signals_blocked in {found}"


def test_no_private_number_formatters() -> None:
    pattern = re.compile(r"^def (_fmt|fmt|format_number|format_plain|format_value)\(", re.M)
    found = [path for path, text in _sources().items() if pattern.search(text)]
    assert not found, f"add a named style to app/core/base/formatting.py instead: {found}"
