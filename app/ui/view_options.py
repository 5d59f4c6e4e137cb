"""What the view tabs show besides the data itself: glossary display names as feature labels,
and the options in the tab bar's corner (the row filter toggle, the waterfall's contrast class)."""

from __future__ import annotations

from dataclasses import replace

from PySide6.QtWidgets import QCheckBox, QComboBox, QHBoxLayout, QLabel, QWidget

from app.core.explain.views import BeeswarmData, ImportanceData, WaterfallData
from app.core.review.glossary import Glossary


def with_display_names(data: object, glossary: Glossary) -> object:
    """The same view data with glossary display names as feature labels (values stay raw)."""
    if not glossary.features:
        return data
    name = glossary.display_name
    if isinstance(data, ImportanceData):
        return replace(data, features=[name(f) for f in data.features])
    if isinstance(data, BeeswarmData):
        return replace(
            data, lanes=[replace(lane, feature=name(lane.feature)) for lane in data.lanes]
        )
    if isinstance(data, WaterfallData):
        steps = [
            replace(s, label=name(s.feature) + s.label[len(s.feature) :])
            if s.feature and s.label.startswith(s.feature)
            else s
            for s in data.steps
        ]
        return replace(data, steps=steps)
    return data


class ViewOptions(QWidget):
    """Options in the tab bar's corner: the row filter toggle (Importance, Beeswarm) and the
    contrast class of the Waterfall; each is shown only on the tabs it applies to."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(4, 0, 4, 0)
        self.filtered = QCheckBox("Only rows in the current filter", self)
        self.filtered.setToolTip("Off: every explained row. On: only rows the filter shows.")
        self.rather_label = QLabel("rather than:", self)
        self.rather = QComboBox(self)
        self.rather.setToolTip(
            "Show why the model favours the shown class over this one: the difference of the "
            "two classes' contributions (log-odds)"
        )
        for widget in (self.filtered, self.rather_label, self.rather):
            layout.addWidget(widget)

    def show_for(self, view: str, n_outputs: int) -> None:
        self.filtered.setVisible(view in ("importance", "beeswarm"))
        contrast = view == "waterfall" and n_outputs > 1
        self.rather_label.setVisible(contrast)
        self.rather.setVisible(contrast)
