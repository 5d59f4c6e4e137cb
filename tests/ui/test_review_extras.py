"""Review extras: bookmarks in the rows table, cohort importance, sentences on exported waterfalls."""

from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtCore import Qt

from app.core.data.align import align
from app.core.data.data_io import load_dataset
from app.core.data.model_io import load_model
from app.ui.rows_table import BOOKMARK_HEADER, RowsModel
from app.ui.state import AppState
from tests.ui._hardening import TIMEOUT


@pytest.fixture
def state(small_model_path, small_data_path) -> AppState:
    model = load_model(small_model_path)
    data = align(model, load_dataset(small_data_path))
    s = AppState()
    s.set_inputs(model, small_model_path, data, small_data_path, model.predict_raw(data.X))
    return s


def test_bookmarks_show_in_the_table_with_their_tag_and_sort_first(qtbot, state) -> None:
    model = RowsModel(state)
    model.rebuild()
    headers = [c.header for c in model.columns]
    star = headers.index(BOOKMARK_HEADER)
    assert model.data(model.index(7, star)) == ""
    with qtbot.waitSignal(model.dataChanged, timeout=TIMEOUT):
        state.review.bookmarks.add(7, "odd income", "check the hours")
    assert model.data(model.index(7, star)) == "★"
    tip = model.data(model.index(7, star), Qt.ItemDataRole.ToolTipRole)
    assert "odd income" in tip and "check the hours" in tip
    assert model.data(model.index(8, star), Qt.ItemDataRole.ToolTipRole) is None
    state.review.bookmarks.add(1200, "later")
    model.sort(star, Qt.SortOrder.AscendingOrder)
    assert list(model.order[:2]) == [7, 1200]
    assert model.data(model.index(0, star)) == "★" and model.data(model.index(2, star)) == ""
    # A change while sorted by ★ re-sorts at once.
    state.review.bookmarks.remove(7)
    assert int(model.order[0]) == 1200 and model.data(model.index(1, star)) == ""
    assert model.rowCount() == state.data.n_rows


@pytest.fixture
def explained(small_model_path, small_data_path) -> AppState:
    from tests.ui._debug_state import filled_state

    return filled_state(small_model_path, small_data_path, rows=600)


def test_cohort_importance_equals_numpy_means_over_each_cohort(qtbot, explained, tmp_path) -> None:
    from app.ui.panels.debug_cohort_compare import CohortImportancePanel

    context = explained.debug
    context.cohorts.add("older", "age >= 50")
    context.cohorts.add("young women", "age < 30 and sex == 'Female'")
    panel = CohortImportancePanel(explained)
    qtbot.addWidget(panel)
    panel.resize(520, 420)
    panel.show()
    panel.set_cohorts("older", "young women")
    qtbot.waitUntil(
        lambda: panel.result is not None and panel.result_names == ("older", "young women"),
        timeout=TIMEOUT,
    )
    qtbot.waitUntil(lambda: not panel.job.pending, timeout=TIMEOUT)
    frame = explained.data.frame
    values = explained.explanation.values[:, :, 0].astype(np.float64)
    a = np.flatnonzero(frame["age"].to_numpy() >= 50)
    b = np.flatnonzero((frame["age"].to_numpy() < 30) & (frame["sex"] == "Female").to_numpy())
    assert 0 < a.size < 600 and 0 < b.size < 600
    result = panel.result
    names = list(explained.model.feature_names)
    for i, feature in enumerate(result.features):
        j = names.index(feature)
        assert result.mean_abs_a[i] == pytest.approx(np.abs(values[a, j]).mean(), rel=1e-9)
        assert result.mean_abs_b[i] == pytest.approx(np.abs(values[b, j]).mean(), rel=1e-9)
    assert (result.n_a, result.n_b) == (a.size, b.size)
    panel.grab().save(str(tmp_path / "cohort_importance.png"))


def test_exported_waterfall_carries_the_row_sentence(
    qtbot, small_model_path, small_data_path, tmp_path
) -> None:
    from app.core.review.sentences import summarize_explained_row
    from app.ui.main_window import MainWindow

    window = MainWindow()
    qtbot.addWidget(window)
    window.resize(1100, 760)
    window.show()
    with qtbot.waitSignal(window.state.explanation_finished, timeout=TIMEOUT):
        window.controller.open(small_model_path, small_data_path)
    s = window.state
    s.select_row(21)
    qtbot.waitUntil(
        lambda: getattr(window.plots.waterfall_data, "row", None) == 21, timeout=TIMEOUT
    )
    window.show_view("waterfall")
    values, base = s.row_values(21)
    expected = summarize_explained_row(
        s.model, s.data, 21, values, base, 0, None, s.predictions().mean(axis=0)
    ).text
    assert expected in window.exporter.caption().extra
    svg = window.exporter.export_view(tmp_path / "waterfall.svg").read_text()
    # The sentence is wrapped over lines in the figure: look for its opening words.
    opening = " ".join(expected.split()[:4])
    assert opening in svg
    window.show_view("importance")
    assert expected not in window.exporter.caption().extra  # only the waterfall names a row
    window.close()
