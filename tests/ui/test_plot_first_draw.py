"""What a plot costs the GUI thread as a run starts (issue 14): the importance plot makes its
items once, before any data, and afterwards only moves them, whatever the number of bars; a plot
on a hidden tab is drawn when it is shown, not at its hidden size and again when laid out."""

from __future__ import annotations

import numpy as np
from PySide6.QtWidgets import QTabWidget

from app.core.base.types import Unit
from app.core.explain.views import importance
from app.plots import style
from app.plots.importance import ImportancePlot
from app.plots.registry import tab_views
from app.ui.view_slot import ViewSlot, load_plot_class
from tests.ui.test_plots import pixels, share_near

NAMES = [f"a rather long feature name {j}" for j in range(30)]


def _data(scale: float = 1.0):
    return importance(np.linspace(1, 2, 30)[:, None] * scale, NAMES, Unit.LOG_ODDS, 10, 10)


def _shown_labels(plot: ImportancePlot) -> list[str]:
    drawn = plot._drawn
    return [text for _, _, text in drawn.labels.labels()] if drawn is not None else []


def test_first_data_moves_items_made_with_the_plot_at_the_shown_size(qtbot, monkeypatch) -> None:
    cls = load_plot_class("importance")
    assert cls is ImportancePlot
    made: list[int] = []
    updates: list[int] = []
    make, update = cls._make_items, cls._update

    def counted_make(self):
        made.append(self.width())
        return make(self)

    def counted_update(self) -> None:
        updates.append(self.width())
        update(self)

    monkeypatch.setattr(cls, "_make_items", counted_make)
    monkeypatch.setattr(cls, "_update", counted_update)
    slot = ViewSlot(next(spec for spec in tab_views() if spec.name == "importance"))
    qtbot.addWidget(slot)
    slot.resize(900, 600)
    slot.show()
    qtbot.waitExposed(slot)
    assert len(made) == 1  # with the plot, before any data
    slot.show_data(_data())
    qtbot.wait_until(lambda: slot.currentWidget() is slot.plot and bool(updates))
    qtbot.wait_until(lambda: len(_shown_labels(slot.plot)) == slot.plot.bar_limit())
    assert len(made) == 1  # never made again: only moved
    assert min(updates) > 600  # drawn at the slot's width, not a hidden widget's default


def test_fewer_bars_after_a_resize_move_the_same_items_and_match_a_fresh_plot(qtbot, show) -> None:
    plot = show(ImportancePlot(), 760, 620)
    plot.set_data(_data())
    qtbot.wait_until(lambda: len(_shown_labels(plot)) == 20)
    kept = list(plot.plot.items)
    plot.resize(760, 300)  # too short for 20 labelled bars
    fresh = show(ImportancePlot(), 760, 300)
    fresh.set_data(_data())
    # Both settle to the bars that fit 300 px, shown alike.
    qtbot.wait_until(
        lambda: (
            2 <= plot.bar_limit() < 20
            and len(_shown_labels(plot)) == plot.bar_limit() == fresh.bar_limit()
            and sorted(_shown_labels(fresh)) == sorted(_shown_labels(plot))
        )
    )
    assert list(plot.plot.items) == kept
    n = plot.bar_limit()
    assert len(plot._drawn.bars.opts["width"]) == n
    ticks = [t[1] for t in plot.plot.getAxis("left")._tickLevels[0]]
    assert len(ticks) == n and f"Sum of {30 - n + 1} other features" in ticks


def test_a_plot_on_a_hidden_tab_is_drawn_when_shown(qtbot, monkeypatch) -> None:
    updates: list[int] = []
    update = ImportancePlot._update

    def counted_update(self) -> None:
        updates.append(self.width())
        update(self)

    monkeypatch.setattr(ImportancePlot, "_update", counted_update)
    tabs = QTabWidget()
    qtbot.addWidget(tabs)
    front, behind = ImportancePlot(), ImportancePlot()
    tabs.addTab(front, "front")
    tabs.addTab(behind, "behind")
    tabs.resize(900, 600)
    tabs.show()
    qtbot.waitExposed(tabs)
    behind.set_data(_data())
    assert behind.data is not None and updates == [] and behind.title.text() == ""
    tabs.setCurrentWidget(behind)
    qtbot.wait_until(lambda: "estimate" in behind.title.text() or bool(behind.title.text()))
    qtbot.wait_until(lambda: len(_shown_labels(behind)) == behind.bar_limit())
    assert min(updates) > 600  # at its shown size
    # A plot that is its own window (exports, the CLI's figures) is drawn at once.
    alone = ImportancePlot()
    qtbot.addWidget(alone)
    alone.set_data(_data(2.0))
    assert alone.title.text() != ""


def test_a_slot_lays_its_plot_out_before_the_first_data(qtbot) -> None:
    """The plot sits laid out under the opaque note, so the first estimate only raises it:
    no resize (a whole graphics layout) inside the first chunk's callback."""
    from PySide6.QtCore import QEvent, QObject

    class Resizes(QObject):
        count = 0

        def eventFilter(self, watched: QObject, event: QEvent) -> bool:
            if event.type() == QEvent.Type.Resize:
                Resizes.count += 1
            return False

    slot = ViewSlot(next(spec for spec in tab_views() if spec.name == "importance"))
    qtbot.addWidget(slot)
    slot.resize(900, 600)
    slot.show()
    qtbot.waitExposed(slot)
    slot.show_note("Computing SHAP values…")
    plot = slot.plot
    assert isinstance(plot, ImportancePlot)
    qtbot.wait_until(lambda: plot.isVisible() and plot.width() > 600)
    assert slot.currentWidget() is slot.note
    # The note hides the plot beneath it: bars drawn there do not show through.
    plot.set_data(_data())
    qtbot.wait_until(lambda: len(_shown_labels(plot)) == plot.bar_limit())
    assert share_near(pixels(slot.grab().toImage()), style.SHAP.bar, 12) == 0.0
    assert share_near(pixels(plot.grab().toImage()), style.SHAP.bar, 12) > 0.01
    plot.clear()
    resizes = Resizes()
    plot.view.installEventFilter(resizes)
    slot.show_data(_data())
    assert slot.currentWidget() is plot and Resizes.count == 0
    qtbot.wait_until(lambda: len(_shown_labels(plot)) == plot.bar_limit())
    plot.view.removeEventFilter(resizes)
