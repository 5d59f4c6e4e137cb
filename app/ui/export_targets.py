"""Which view File > Export View and Copy View Image mean, and the words for its rows.

The central tabs were the only views exported. A panel that draws a figure of its own (the
Interactions view) offers it through `export_target()`; ActiveView remembers whether the user
last worked in such a panel or in the central tabs, following the keyboard focus (a click on a
plot focuses it) and the tab bar.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject
from PySide6.QtWidgets import QApplication, QTabWidget, QWidget

from app.core.debugging.metrics import PRESETS
from app.ui.state import AppState

if TYPE_CHECKING:
    from app.plots.export import Caption


@dataclass
class ExportTarget:
    """A figure to export: its registered view, the plot drawing it, and which rows it covers
    (the caption's words; "" lets the exporter say it as for the central views)."""

    view: str
    widget: QWidget
    cohort: str = ""


def approximate_note(state: AppState) -> str:
    """'approximate (background N rows)' for a sampled explainer, '' for exact SHAP values."""
    model = state.model
    if model is None or model.info.exact:
        return ""
    rows = model.info.extra.get("background_rows")
    return f"approximate (background {rows:,} rows)" if rows else "approximate"


def view_caption(
    state: AppState, row: int | None = None, cohort: str = "", extra: Sequence[str] = ()
) -> Caption:
    """The provenance line under an exported SHAP figure: `inputs_caption`'s, plus the class
    (multiclass) and whether the values are approximate."""
    s = state
    notes = [s.output_names[s.output_index]] if len(s.output_names) > 1 else []
    return inputs_caption(s, row, cohort, [*notes, approximate_note(s), *extra])


def inputs_caption(
    state: AppState, row: int | None = None, cohort: str = "", notes: Sequence[str] = ()
) -> Caption:
    """The provenance line under any exported figure: model and data with their hashes, the row
    or the rows (`cohort`; by default the visible rows' count), unit, explainer, date and the
    non-empty `notes`."""
    from app.core.base.file_digests import short_hash_of
    from app.plots.export import Caption

    s, model = state, state.model
    if not cohort:
        total = s.data.n_rows if s.data is not None else 0
        shown = int(s.visible_rows.size)
        cohort = f"{shown:,} of {total:,} rows (filtered)" if shown < total else f"{total:,} rows"
    return Caption(
        model_name=s.model_path.name if s.model_path else "",
        data_name=s.data_path.name if s.data_path else "",
        row=row,
        unit=model.unit.value if model else "",
        explainer=model.info.explainer if model else "",
        extra="; ".join(note for note in notes if note),
        model_hash=short_hash_of(s.model_path),
        data_hash=short_hash_of(s.data_path),
        cohort=cohort,
    )


def shown_data(state: AppState, view: str, widget: QWidget) -> object:
    """What an export or a copy of `widget` draws: its data with personal values redacted
    (RedactedFigureError when nothing would be left)."""
    from app.core.review.redaction import redact_view

    data = getattr(widget, "data", None)
    review = state.review
    if data is None or not review.redaction or state.model is None:
        return data
    names = state.model.feature_names
    feature_of = {review.glossary.display_name(f): f for f in names}
    return redact_view(view, data, review.redaction, feature_of)


def filter_words(state: AppState) -> str:
    """The current filter as the user set it ("cohort young; age > 50; Misclassified"), or ""
    when rows were picked some other way."""
    debug = state.debug
    labels = {p.key: p.label for p in PRESETS}
    parts = [f"cohort {debug.cohort}"] if debug.cohort else []
    if debug.expression.strip():
        parts.append(debug.expression.strip())
    if debug.preset and debug.preset != "all":
        parts.append(labels.get(debug.preset, debug.preset))
    return "; ".join(parts)


def filter_scope(state: AppState, shown: int) -> str:
    """'the 1,204 of 32,561 rows in the filter (age > 50)': the rows of the current filter."""
    total = state.data.n_rows if state.data is not None else shown
    words = filter_words(state)
    return f"the {shown:,} of {total:,} rows in the filter" + (f" ({words})" if words else "")


def heatmap_rows(state: AppState, n_rows: int, filtered: bool) -> str:
    """Which rows a heatmap's means cover, for its caption."""
    if filtered:
        return f"mean over {filter_scope(state, n_rows)}"
    return f"mean over all {n_rows:,} rows"


def pair_rows(state: AppState, drawn: int, stands_for: int) -> str:
    """Which rows a pair plot's dots are, for its caption."""
    total = state.data.n_rows if state.data is not None else stands_for
    rows = filter_scope(state, stands_for) if stands_for < total else f"all {total:,} rows"
    if drawn < stands_for:
        return f"{drawn:,} dots, a random sample of {rows}"
    return f"one dot per row: {rows}"


class ActiveView(QObject):
    """The panel the user worked in last, unless they went back to the central tabs since."""

    def __init__(self, central: QTabWidget, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.central = central
        self._panel: QWidget | None = None
        QApplication.instance().focusChanged.connect(self._on_focus_changed)  # type: ignore[union-attr]
        central.currentChanged.connect(self._on_tab_changed)

    def _on_tab_changed(self, _index: int) -> None:
        self.use(None)

    def use(self, panel: QWidget | None) -> None:
        """Make `panel` (None: the central tabs) what Export View means from now on."""
        self._panel = panel

    def panel(self) -> QWidget | None:
        """The exporting panel meant, while it is on screen; None for the central tabs."""
        panel = self._panel
        try:
            return panel if panel is not None and panel.isVisible() else None
        except RuntimeError:  # the panel's C++ side is gone (its dock was deleted)
            self._panel = None
            return None

    def _on_focus_changed(self, _old: QWidget | None, new: QWidget | None) -> None:
        widget = new
        while widget is not None:
            if widget is self.central:
                self.use(None)
                return
            if hasattr(widget, "export_target"):
                self.use(widget)
                return
            widget = widget.parentWidget()
