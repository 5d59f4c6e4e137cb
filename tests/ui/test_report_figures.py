"""Report figures are drawn like exports: long category names in the beeswarm legend are
written in full (wrapped onto more lines), never shortened to "arre…arge"."""

from __future__ import annotations

import numpy as np
import pandas as pd

from app.core.base.types import Unit
from app.core.explain import views
from app.core.explain.models.base import FeatureSpec
from app.core.review.report_model import Figure, Report
from app.plots.export import export_view
from app.plots.report_figures import FIGURE_SIZE, figure_png

LABELS = [
    "arrest case no charge", "aggravated assault w/firearm", "battery on law enforcement officer",
    "possession of cannabis under 20g", "driving while license revoked", "grand theft in the 3rd degree",
    "petit theft", "resist officer without violence",
]  # fmt: skip


def swarm() -> views.BeeswarmData:
    rng = np.random.default_rng(0)
    n = 400
    codes = rng.integers(0, len(LABELS), n).astype(float)
    frame = pd.DataFrame({"charge_description": pd.Categorical.from_codes(codes.astype(int), LABELS),
                          "priors_count": rng.integers(0, 20, n)})  # fmt: skip
    X = np.column_stack([codes, frame["priors_count"].to_numpy(float)])
    values = rng.normal(size=(n, 2, 1)).astype(np.float32)
    features = [FeatureSpec("charge_description", LABELS), FeatureSpec("priors_count")]
    return views.beeswarm(values, X, features, frame, Unit.LOG_ODDS,
                          ["charge_description", "priors_count"])  # fmt: skip


def test_beeswarm_legend_names_every_category_in_full(qapp, tmp_path) -> None:
    path = export_view("beeswarm", swarm(), tmp_path / "b.svg", *FIGURE_SIZE["beeswarm"])
    svg = path.read_text(encoding="utf-8")
    named = [label for label in LABELS if f">{label}<" in svg.replace("&amp;", "&")]
    assert len(named) >= 6  # the legend's entries (the rest fold into "other")
    assert "…" not in svg


def test_report_figure_is_the_export(qapp) -> None:
    report = Report("t", "s", model_name="m.txt", data_name="d.csv", unit="log-odds", explainer="e")
    png = figure_png(Figure("beeswarm", swarm(), "alt", covered="all 400 rows"), report)
    assert png.startswith(b"\x89PNG") and len(png) > 20_000
