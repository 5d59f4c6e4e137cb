"""docs/ARCHITECTURE.md's recipe for a view works: one file (tests/ui/toy_view.py) and one
registration line give the window a tab that shows plot-ready data from the explanation."""

from __future__ import annotations

import numpy as np
import pytest

from app.plots import registry
from tests.ui._hardening import TIMEOUT, open_and_wait


@pytest.fixture
def toy_registered():
    # The one line of the recipe:
    registry.register_view(
        "toy", "tests.ui.toy_view:ToyPlot", title="Toy", data="tests.ui.toy_view:toy_data"
    )
    yield
    registry.unregister_view("toy")


def test_a_registered_view_becomes_a_tab_and_draws_the_explanation(
    qtbot, toy_registered, small_model_path, small_data_path
) -> None:
    from app.ui.main_window import MainWindow
    from tests.ui.toy_view import ToyPlot

    window = MainWindow()
    qtbot.addWidget(window)
    tabs = window.plots
    titles = [tabs.tabText(i) for i in range(tabs.count())]
    assert titles[-1] == "Toy" and "Importance" in titles
    plot = tabs.slots["toy"].plot
    assert isinstance(plot, ToyPlot)

    open_and_wait(qtbot, window, small_model_path, small_data_path)
    state = window.state
    qtbot.waitUntil(lambda: plot.data is not None and plot.data.rows == 2_500, timeout=TIMEOUT)
    mean_abs = np.abs(state.explanation.values[:, :, 0]).mean(axis=0)
    assert plot.data.feature == state.model.feature_names[int(np.argmax(mean_abs))]
    assert plot.data.mean_abs == pytest.approx(float(mean_abs.max()), rel=1e-6)
    assert plot.data.feature in plot.label.text()
    # It follows the filter like the built-in views.
    state.set_visible_rows(np.arange(100, dtype=np.int64))
    qtbot.waitUntil(lambda: plot.data.rows == 100, timeout=TIMEOUT)
    window.close()


def test_an_unregistered_view_is_gone_and_the_export_refuses_it(toy_registered) -> None:
    from app.plots.export import ExportError, plot_class

    assert plot_class("toy").__name__ == "ToyPlot"
    registry.unregister_view("toy")
    assert "toy" not in [spec.name for spec in registry.tab_views()]
    with pytest.raises(ExportError, match="Unknown view 'toy'"):
        plot_class("toy")
