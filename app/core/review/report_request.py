"""What a report is about: the state of a review, as the window shows it or the CLI's flags give it.

The window fills a ReportRequest from what is on screen (app.ui.report_request); `shaplens report`
fills one from its flags (app.commands.report). Everything else (every number, every figure's
data) is computed from it by app.core.review.report_build, so the same state gives the same
report either way.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from app.core.base.types import Explanation
from app.core.data.align import AlignedData
from app.core.debugging.cohorts import ALL_ROWS
from app.core.explain.models.base import ModelAdapter
from app.core.production.compare_models import ModelComparison
from app.core.production.drift import DriftReport
from app.core.production.latency import LatencyReport
from app.core.review.bookmarks import Bookmarks
from app.core.review.glossary import Glossary
from app.core.review.redaction import Redaction
from app.core.review.report_model import SECTIONS

# Every row up to this many (seconds with the numba engine); beyond it a seeded random sample,
# which the report names, keeps the global figures quick to build.
DEFAULT_SAMPLE = 200_000


@dataclass
class FilterState:
    """The rows on screen: a preset (misclassified, ...), an expression and a named cohort."""

    preset: str = "all"
    expression: str = ""
    cohort: str = ALL_ROWS.name
    cohort_expression: str = ""

    @property
    def active(self) -> bool:
        return self.preset != "all" or bool(self.expression.strip() or self.cohort_expression)


@dataclass
class SliceOptions:
    """How error slices are ranked (the Error slices panel's controls)."""

    pairs: bool = True
    bins: int = 5
    within_filter: bool = False


@dataclass
class ReportRequest:
    model: ModelAdapter
    model_path: Path
    data: AlignedData
    data_path: Path
    output: int = 0
    threshold: float = 0.5
    rows: list[int] = field(default_factory=list)  # explained in detail
    sensitive: str | None = None
    filter: FilterState = field(default_factory=FilterState)
    slices: SliceOptions = field(default_factory=SliceOptions)
    glossary: Glossary | None = None
    glossary_path: Path | None = None
    bookmarks: Bookmarks | None = None
    explanation: Explanation | None = None  # reused when given (the window's); else computed
    sample: int = DEFAULT_SAMPLE
    drift: DriftReport | None = None
    drift_name: str = ""  # the other dataset's file name
    comparison: ModelComparison | None = None
    latency: LatencyReport | None = None
    redaction: Redaction = field(default_factory=Redaction)
    sections: tuple[str, ...] = SECTIONS
    title: str = ""
    figures: bool = True  # False: tables only (no renderer, or --no-figures)
