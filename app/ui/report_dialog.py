"""The report's two choices: which sections (remembered in the preferences) and which columns
are personal (remembered by the session). Both are plain dialogs with one checkbox per item."""

from __future__ import annotations

from PySide6.QtWidgets import (
    QCheckBox,
    QDialog,
    QDialogButtonBox,
    QLabel,
    QLayout,
    QPushButton,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from app.core.review.redaction import Redaction, suggest_personal
from app.core.review.report_model import SECTION_TITLES, SECTIONS
from app.ui.settings import Settings


def _checkbox_list(parent: QWidget) -> tuple[QScrollArea, QVBoxLayout]:
    area = QScrollArea(parent)
    area.setWidgetResizable(True)
    inner = QWidget(area)
    layout = QVBoxLayout(inner)
    layout.setContentsMargins(4, 4, 4, 4)
    area.setWidget(inner)
    return area, layout


class ReportSectionsDialog(QDialog):
    """Choose the report's sections; `missing` maps a section to why it would be empty now."""

    def __init__(
        self,
        settings: Settings,
        missing: dict[str, str] | None = None,
        redaction_text: str = "",
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle("Export report")
        self.settings = settings
        chosen = set(settings.report_sections(SECTIONS))
        missing = missing or {}
        layout = QVBoxLayout(self)
        layout.addWidget(QLabel("Sections of the report:", self))
        self.boxes: dict[str, QCheckBox] = {}
        for key in SECTIONS:
            box = QCheckBox(SECTION_TITLES[key], self)
            box.setObjectName(f"section-{key}")
            box.setChecked(key in chosen)
            if key in missing:
                box.setToolTip(missing[key])
                box.setText(f"{SECTION_TITLES[key]}  ({missing[key]})")
            layout.addWidget(box)
            self.boxes[key] = box
        self.redaction_label = QLabel(self)
        self.redaction_label.setWordWrap(True)
        self.set_redaction_text(redaction_text)
        self.personal_button = QPushButton("Personal columns…", self)
        layout.addWidget(self.redaction_label)
        layout.addWidget(self.personal_button)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel, self
        )
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
        # Never smaller than its content: the wrapped line under the boxes was cut off.
        layout.setSizeConstraint(QLayout.SizeConstraint.SetMinimumSize)

    def set_redaction_text(self, columns: str) -> None:
        self.redaction_label.setText(
            f"Redacted (personal) columns: {columns}."
            if columns
            else "No column is marked personal."
        )

    def sections(self) -> tuple[str, ...]:
        return tuple(k for k in SECTIONS if self.boxes[k].isChecked())

    def accept(self) -> None:
        self.settings.set_report_sections(self.sections())
        super().accept()


class PersonalColumnsDialog(QDialog):
    """Mark the columns whose values never leave the app (suggested by name)."""

    def __init__(
        self, columns: list[str], redaction: Redaction, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle("Personal columns")
        suggested = set(suggest_personal(columns))
        layout = QVBoxLayout(self)
        intro = QLabel(
            "Values of the marked columns read 'redacted' in reports, exported figures, "
            "bookmark CSVs and copied text. A marked model feature keeps its contribution; "
            "only its values are withheld. The session remembers the choice.",
            self,
        )
        intro.setWordWrap(True)
        layout.addWidget(intro)
        area, inner = _checkbox_list(self)
        self.boxes: dict[str, QCheckBox] = {}
        for name in columns:
            box = QCheckBox(name + ("  (suggested: looks personal)" if name in suggested else ""))
            box.setChecked(name in redaction)
            inner.addWidget(box)
            self.boxes[name] = box
        inner.addStretch(1)
        layout.addWidget(area, 1)
        suggest = QPushButton("Mark the suggested ones", self)
        suggest.setEnabled(bool(suggested))
        suggest.clicked.connect(lambda: [self.boxes[c].setChecked(True) for c in suggested])
        layout.addWidget(suggest)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel, self
        )
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
        self.resize(540, 440)

    def redaction(self) -> Redaction:
        return Redaction.of(c for c, box in self.boxes.items() if box.isChecked())
