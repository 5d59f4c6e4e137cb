"""The report as data: sections of blocks (facts, tables, notes, sentences, figures).

The builder (app.core.review.report_build) computes every number into this model once; the
renderers only lay it out: HTML here in core (report_html), PDF from the same HTML by Qt
(app.plots.report_render). So the window and `shaplens report` share one report, and a test can
compare two reports section by section without parsing HTML.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field

from app.core.base.errors import ShapLensError

# The sections a user can choose, in the order they appear (provenance is always there).
SECTIONS: tuple[str, ...] = (
    "overview", "importance", "beeswarm", "fairness", "slices", "rows", "drift", "compare",
    "latency",
)  # fmt: skip
SECTION_TITLES: dict[str, str] = {
    "overview": "Model, data and what is on screen",
    "importance": "Global importance",
    "beeswarm": "Beeswarm of every row",
    "fairness": "Fairness by group of the sensitive column",
    "slices": "Error slices",
    "rows": "Chosen rows and bookmarks",
    "drift": "Drift against another dataset",
    "compare": "Comparison with another model",
    "latency": "Latency",
}


class SectionError(ShapLensError):
    """An unknown section name (--sections)."""


def parse_sections(text: str | None) -> tuple[str, ...]:
    """'overview,fairness' → ('overview', 'fairness') in report order; None/'' → every one."""
    if text is None or not text.strip():
        return SECTIONS
    wanted = [part.strip().lower() for part in text.split(",") if part.strip()]
    unknown = [w for w in wanted if w not in SECTIONS]
    if unknown:
        raise SectionError(
            f"--sections: unknown section(s) {', '.join(unknown)}; choose from "
            f"{','.join(SECTIONS)}."
        )
    return tuple(s for s in SECTIONS if s in wanted)


@dataclass
class Facts:
    """Label → value pairs (a two-column table)."""

    pairs: list[tuple[str, str]]


@dataclass
class Table:
    header: list[str]
    rows: list[list[str]]
    numeric: list[bool] = field(default_factory=list)


@dataclass
class Note:
    text: str


@dataclass
class Sentence:
    """A row's summary sentence, set apart."""

    text: str


@dataclass
class Heading:
    """A sub-heading inside a section; `new_page` starts it on a new page when printed."""

    text: str
    anchor: str = ""
    new_page: bool = False


@dataclass
class Figure:
    """A figure to draw: the view, its plot-ready data, its row (waterfalls) and which rows a
    global view covers (for the caption)."""

    view: str
    data: object
    alt: str
    row: int | None = None
    covered: str = ""


Block = Facts | Table | Note | Sentence | Heading | Figure


@dataclass
class Section:
    key: str  # one of SECTIONS, or "provenance"
    title: str
    blocks: list[Block] = field(default_factory=list)
    new_page: bool = False

    def add(self, *blocks: Block) -> Section:
        self.blocks.extend(blocks)
        return self

    def numbers(self) -> list[object]:
        """Every fact and table cell in order (what a test compares between two reports)."""
        out: list[object] = []
        for block in self.blocks:
            if isinstance(block, Facts):
                out += [tuple(p) for p in block.pairs]
            elif isinstance(block, Table):
                out += [tuple(block.header)] + [tuple(r) for r in block.rows]
            elif isinstance(block, Sentence):
                out.append(block.text)
        return out


@dataclass
class Report:
    title: str
    subtitle: str
    sections: list[Section] = field(default_factory=list)
    # For figure captions: the same provenance in every figure.
    model_name: str = ""
    data_name: str = ""
    model_hash: str = ""
    data_hash: str = ""
    unit: str = ""
    explainer: str = ""
    figures_note: str = ""  # why the report has tables only, when it has

    def keys(self) -> list[str]:
        return [s.key for s in self.sections]

    def section(self, key: str) -> Section | None:
        return next((s for s in self.sections if s.key == key), None)

    def figures(self) -> Iterator[Figure]:
        for section in self.sections:
            for block in section.blocks:
                if isinstance(block, Figure):
                    yield block
