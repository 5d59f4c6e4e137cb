"""The dependence plot names what it colours by: the colour bar follows the chosen feature, a
categorical colouring gets a legend of its categories, and features are listed most important
first and can be found by typing."""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import Qt

from app.ui.panels import debug_dependence
from tests.ui._layout import problems
from tests.ui.test_debug_panels import idle
from tests.ui.test_debug_panels import state as state

TIMEOUT = 60_000


def drawn(qtbot, panel, state, feature: str, colour: str) -> None:
    panel.set_feature(feature, colour)
    qtbot.waitUntil(
        lambda: (
            panel.plot.data is not None
            and panel.plot.data.feature == feature
            and panel.plot.data.colour_feature == colour
        ),
        timeout=TIMEOUT,
    )
    idle(qtbot, state)


def test_colour_bar_and_legend_follow_the_colour_feature(qtbot, state, tmp_path) -> None:
    panel = debug_dependence.create(state)
    qtbot.addWidget(panel)
    panel.resize(900, 520)
    panel.show()
    qtbot.waitExposed(panel)
    drawn(qtbot, panel, state, "age", "hours_per_week")
    assert panel.plot.colour_bar.isVisible() and not panel.plot.legend.isVisible()
    panel.plot.grab()  # paints the colour bar, which records what it wrote
    assert any("hours_per_week" in text for text, _ in panel.plot.colour_bar.drawn_text)
    drawn(qtbot, panel, state, "age", "education_num")
    panel.plot.grab()
    assert any("education_num" in text for text, _ in panel.plot.colour_bar.drawn_text)
    drawn(qtbot, panel, state, "age", "marital_status")  # categorical: a legend, no gradient
    assert panel.plot.legend.isVisible() and not panel.plot.colour_bar.isVisible()
    names = panel.plot.legend.names()
    assert "Married-civ-spouse" in names and "Never-married" in names
    panel.grab().save(str(tmp_path / "dependence.png"))
    assert problems(panel.plot) == []


def test_features_are_listed_most_important_first_and_searchable(qtbot, state) -> None:
    panel = debug_dependence.create(state)
    qtbot.addWidget(panel)
    listed = [panel.feature_combo.itemData(i) for i in range(panel.feature_combo.count())]
    mean_abs = state.mean_abs()[:, 0]
    names = state.model.feature_names
    assert listed == [names[i] for i in np.argsort(-mean_abs, kind="stable")]
    completer = panel.feature_combo.completer()
    assert panel.feature_combo.isEditable()
    assert completer.filterMode() == Qt.MatchFlag.MatchContains
    completer.setCompletionPrefix("status")
    assert completer.currentCompletion() == "marital_status"


def test_hovering_a_dot_names_its_colour(qtbot, state) -> None:
    """A user can name a dot's colour in the window: its tooltip gives the colouring feature's
    value (the legend and colour bar name the scale, the hover names the dot)."""
    panel = debug_dependence.create(state)
    qtbot.addWidget(panel)
    panel.resize(900, 520)
    panel.show()
    qtbot.waitExposed(panel)
    names = state.model.feature_names
    for colour in ("marital_status", "hours_per_week"):
        drawn(qtbot, panel, state, "age", colour)
        d = panel.plot.data
        c = names.index(colour)
        spec = state.model.features[c]
        for i in (0, d.rows.size // 2, d.rows.size - 1):
            tip = panel.plot._tooltip(float(d.x[i]), float(d.shap[i]))
            raw = state.data.X[int(d.rows[i]), c]
            value = spec.categories[int(raw)] if spec.is_categorical else f"{raw:.4g}"
            assert tip.startswith(f"row {int(d.rows[i])}:")
            assert tip.endswith(f"; colour: {colour} = {value}"), tip
    drawn(qtbot, panel, state, "age", None)  # no colouring: nothing to name
    d = panel.plot.data
    assert "colour:" not in panel.plot._tooltip(float(d.x[0]), float(d.shap[0]))
