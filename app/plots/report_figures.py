"""The report's figures, drawn exactly as File > Export View draws them (same plot classes,
full labels, provenance caption), so a report shows nothing an export would not."""

from __future__ import annotations

from collections.abc import Callable

from app.core.base.errors import ShapLensError
from app.core.review.report_model import Figure, Report
from app.plots.export import Caption, png_bytes

# Pixels of each embedded PNG; the page shows it 860 px wide, so text stays sharp when zoomed.
FIGURE_SIZE = {"importance": (1400, 900), "beeswarm": (1400, 900), "waterfall": (1400, 820)}


def caption_for(figure: Figure, report: Report) -> Caption:
    return Caption(
        report.model_name, report.data_name, figure.row, report.unit, report.explainer,
        model_hash=report.model_hash, data_hash=report.data_hash, cohort=figure.covered,
    )  # fmt: skip


def figure_png(figure: Figure, report: Report) -> bytes:
    """One figure as PNG bytes (GUI thread: Qt draws only there)."""
    return png_bytes(
        figure.view, figure.data, *FIGURE_SIZE[figure.view], caption_for(figure, report)
    )


def draw_figures(
    report: Report, on_figure: Callable[[int, int], None] | None = None
) -> list[bytes | str]:
    """Every figure in order: its PNG, or why it was not drawn (render_html shows the reason)."""
    figures = list(report.figures())
    out: list[bytes | str] = []
    for i, figure in enumerate(figures):
        if on_figure is not None:
            on_figure(i, len(figures))
        try:
            out.append(figure_png(figure, report))
        except ShapLensError as error:
            out.append(str(error))
    return out
