"""A plot shown for the first time is drawn once, at its shown size (issue 14: the second full
draw was most of the window's first GUI stall while a run starts)."""

from __future__ import annotations

import numpy as np

from app.core.base.types import Unit
from app.core.explain.views import importance
from app.plots.registry import tab_views
from app.ui.view_slot import ViewSlot, load_plot_class


def test_first_data_is_drawn_once_at_the_shown_size(qtbot, monkeypatch) -> None:
    cls = load_plot_class("importance")
    assert cls is not None
    draws: list[tuple[int, int]] = []
    original = cls._draw

    def counted(self) -> None:
        draws.append((self.width(), self.height()))
        original(self)

    monkeypatch.setattr(cls, "_draw", counted)
    slot = ViewSlot(next(spec for spec in tab_views() if spec.name == "importance"))
    qtbot.addWidget(slot)
    slot.resize(900, 600)
    slot.show()
    qtbot.waitExposed(slot)
    names = [f"a rather long feature name {j}" for j in range(30)]
    slot.show_data(importance(np.linspace(1, 2, 30)[:, None], names, Unit.LOG_ODDS, 10, 10))
    qtbot.wait_until(lambda: slot.currentWidget() is slot.plot)
    assert len(draws) == 1
    assert draws[0][0] > 600  # drawn at the slot's width, not a hidden widget's default
