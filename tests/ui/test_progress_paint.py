"""A chunk's progress never paints inside the chunk's callback (issue 14): QProgressBar.setValue
repaints at once, which flushed every pending paint of the window (the plots too) into it."""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject


class _Paints(QObject):
    def __init__(self) -> None:
        super().__init__()
        self.count = 0

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.Paint:
            self.count += 1
        return False


def test_progress_paints_later_not_inside_the_chunk_callback(qtbot, window) -> None:
    window.show()
    qtbot.waitExposed(window)
    bar = window.progress
    bar.setVisible(True)
    qtbot.waitUntil(bar.isVisible)
    paints = _Paints()
    bar.installEventFilter(paints)
    try:
        bar.update()
        qtbot.waitUntil(lambda: paints.count > 0)  # painted once: the window is on screen
        paints.count = 0
        for done in (0, 250, 500, 750):
            window._on_progress(done, 1_000)
            assert paints.count == 0  # nothing painted synchronously
        qtbot.waitUntil(lambda: paints.count > 0)  # the bar still paints, with the rest
        assert bar.value() == 750 and bar.maximum() == 1_000
        assert bar.text() == "750 / 1000 rows"
    finally:
        bar.removeEventFilter(paints)
