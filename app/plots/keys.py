"""A colour key under a plot: a square of each colour and its name, wrapped like text.

Unlike a pyqtgraph legend inside the scene it never widens the plot (long category names
made a four-column legend wider than a docked plot) and never covers marks.
"""

from __future__ import annotations

from html import escape

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QSizePolicy, QWidget


class KeysLabel(QLabel):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWordWrap(True)
        self.setTextFormat(Qt.TextFormat.RichText)
        self.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self.keys: list[tuple[str, str]] = []  # (colour, name) as shown

    def set_keys(self, keys: list[tuple[str, str]]) -> None:
        self.keys = list(keys)
        # No break inside an entry; entries wrap between them.
        self.setText(
            " ".join(
                f"<span style='white-space:nowrap'><span style='color:{colour}'>&#9632;</span>"
                f"&nbsp;{_unbreakable(name)}</span>&nbsp;&nbsp;"
                for colour, name in self.keys
            )
        )

    def names(self) -> list[str]:
        return [name for _, name in self.keys]


def _unbreakable(name: str) -> str:
    """A name Qt's line breaker cannot split: it ignores nowrap on a span and broke an elided
    name after its "…" ("A long category …" / "us data has them")."""
    return escape(name).replace(" ", "&nbsp;").replace("…", "…&#8288;")
