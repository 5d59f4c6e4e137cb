"""Dependence plot: a feature's value against its SHAP value for the visible rows, coloured by
the feature it interacts with most. Clicking a dot selects its row.

The dots are computed in a worker, only while the panel is on screen, and at most MAX_DOTS are
drawn (a stratified sample over the SHAP values, seeded, extremes kept; the note says "N of M
rows drawn"): a scatter item with a million points takes minutes to draw on the GUI thread."""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QPointF, Qt
from PySide6.QtWidgets import (
    QComboBox,
    QCompleter,
    QHBoxLayout,
    QLabel,
    QVBoxLayout,
    QWidget,
)
from superqt.utils import signals_blocked

from app.core.base import formatting
from app.core.debugging.dependence import DependenceData, dependence
from app.plots import style
from app.plots.base import PlotBase, finite_range, padded_range
from app.plots.colourbar import ColourBar
from app.plots.keys import KeysLabel
from app.ui.panels.debug_jobs import PanelJob, Work
from app.ui.state import AppState

TITLE = "Dependence"
JOB = "debug-dependence"
AUTO = "auto"
MAX_DOTS = 20_000
COLOUR_LEVELS = 16
LAYERS = 2
DOT_SIZE = 5
PICK_PIXELS = 8


class DependencePlot(PlotBase):
    """Draws a DependenceData: dots (value, SHAP), categorical x as labelled jittered strips."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.colour_bar = ColourBar()
        self.view.addItem(self.colour_bar, row=0, col=1)
        # Room above the view for half of the top tick's number ("1.0" was cut by the title).
        self.view.ci.layout.setContentsMargins(0, 8, 6, 0)
        # Categories have no order: a categorical colouring gets a legend, not the gradient.
        self.legend = KeysLabel(self)
        self.legend.hide()
        self.layout().insertWidget(2, self.legend)  # under the view, above the notice
        self.selected: int | None = None
        self._ring: pg.ScatterPlotItem | None = None

    def _xy(self) -> tuple[np.ndarray, np.ndarray]:
        """Screen coordinates of the dots: categorical features are horizontal strips (labels
        on the left axis stay readable), numeric ones have their value on x as shap draws it."""
        d: DependenceData = self._data
        return (d.shap, d.x) if d.categories is not None else (d.x, d.shap)

    def _draw(self) -> None:
        d: DependenceData = self._data
        pal = style.palette()
        self.title.setText(
            d.title + (f" · {d.missing_x:,} missing values not shown" if d.missing_x else "")
        )
        categorical = d.colour_categories is not None and d.colour_feature is not None
        self.colour_bar.title = d.colour_feature or ""
        self.colour_bar.setVisible(d.colour_feature is not None and not categorical)
        self.colour_bar.update()  # it paints its title itself: a new colour feature must show
        self.legend.set_keys([])
        self.legend.setVisible(categorical and not self.too_small())
        strips = d.categories is not None
        self.plot.addItem(
            pg.InfiniteLine(0.0, angle=90 if strips else 0, pen=pg.mkPen(pal.grid, width=1))
        )
        x, y = self._xy()
        # One scatter item per colour level with a single brush: pyqtgraph's fast path (a brush
        # per dot costs ~0.1 s per 20k dots to set up and paint). 16 levels are finer than the
        # eye separates on a blue-red ramp.
        if d.colour_feature is None:
            level = np.zeros(x.size, dtype=np.int64)
            brushes = [pg.mkBrush(pg.mkColor(pal.bar))]
        elif categorical:
            level, brushes = self._category_levels(d, pal)
        else:
            code = np.round(np.nan_to_num(d.colour, nan=-1.0) * (COLOUR_LEVELS - 1))
            level = np.where(np.isfinite(d.colour), code, COLOUR_LEVELS).astype(np.int64)
            ramp = np.append(np.linspace(0, 1, COLOUR_LEVELS), np.nan)
            brushes = [pg.mkBrush(*c) for c in style.colours_for(ramp)]
        # Levels drawn one after another would put every red dot over every blue one; in
        # LAYERS interleaved rounds (rows split at random, seeded) neither end hides the other.
        layer = np.random.default_rng(0).integers(0, LAYERS, x.size)
        for round_ in range(LAYERS):
            for k in np.unique(level):
                colour = brushes[k].color()
                colour.setAlpha(200)
                at = (level == k) & (layer == round_)
                item = pg.ScatterPlotItem(
                    x=x[at], y=y[at], brush=pg.mkBrush(colour), pen=None, size=DOT_SIZE
                )
                self.plot.addItem(item)
        self._ring = None
        self._draw_ring()
        # Short: the title names the feature, and a long rotated label was cut off.
        shap_label = f"{d.value_name} value ({d.unit.value})"
        if strips:
            labels = [self.label(c) for c in d.categories]
            self._set_category_axis(labels, [float(i) for i in range(len(labels))])
            self.plot.setLabel("left", "")
            self._set_axis_label(shap_label)
        else:
            left = self.plot.getAxis("left")
            left.setTicks(None)
            left.setWidth(None)
            left.setStyle(tickLength=-5)
            self._set_left_label(shap_label)  # fitted to the axis: a short plot cut it
            self._set_axis_label(d.feature)
        self._fit_range()

    def _category_levels(self, d: DependenceData, pal: style.Palette) -> tuple[np.ndarray, list]:
        """Each dot's palette slot by its category (the most frequent get their own colours,
        the rest share "other"), and a legend naming every colour drawn."""
        cats = d.colour_categories or []
        n = max(len(cats), 1)
        code = np.round(np.nan_to_num(d.colour, nan=-1.0) * max(n - 1, 1)).astype(np.int64)
        known = np.isfinite(d.colour) & (code >= 0)
        counts = np.bincount(code[known], minlength=n)
        slots = len(pal.categories)
        by_count = [int(c) for c in np.argsort(-counts, kind="stable") if counts[c] > 0]
        slot_of = np.full(n, slots, np.int64)  # beyond the palette: "other"
        for slot, c in enumerate(by_count[:slots]):
            slot_of[c] = slot
        level = np.where(known, slot_of[np.clip(code, 0, n - 1)], slots + 1)
        colours = [*pal.categories, pal.other, pal.missing]
        brushes = [pg.mkBrush(c) for c in colours]
        font = self.legend.font()
        label_px = self._legend_room()
        keys = [(colours[slot], style.elide_px(str(cats[c]), label_px, font))
                for slot, c in enumerate(by_count[:slots])]  # fmt: skip
        if len(by_count) > slots:
            keys.append((pal.other, f"other ({len(by_count) - slots})"))
        if (~known).any():
            keys.append((pal.missing, "missing"))
        self.legend.set_keys(keys)
        return level, brushes

    def _legend_room(self) -> int:
        """Pixels for a legend name: capped on screen (the tooltip has it whole); an export has
        no tooltip, and names cut in the middle ("A long …them") could not be told apart."""
        if self._full_labels:
            return max(60, self.width() - 60)  # a line of its own when it needs one
        return max(60, min(220, self.width() // 2 - 40))

    def _size_key(self) -> object:
        return self._legend_room()

    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
        if self.legend.keys:  # with the "enlarge" notice, no legend either
            self.legend.setVisible(not self.too_small())

    def set_selected(self, row: int | None) -> None:
        """Ring the selected row's dot (only the ring is redrawn)."""
        self.selected = row
        if self._data is not None:
            self._draw_ring()

    def _draw_ring(self) -> None:
        if self._ring is not None:
            self.plot.removeItem(self._ring)
            self._ring = None
        d: DependenceData = self._data
        at = np.flatnonzero(d.rows == self.selected) if self.selected is not None else []
        if len(at):
            x, y = self._xy()
            self._ring = pg.ScatterPlotItem(
                x=x[at], y=y[at], size=DOT_SIZE + 9, brush=None,
                pen=pg.mkPen(style.palette().text, width=2),
            )  # fmt: skip
            self.plot.addItem(self._ring)

    def _fit_range(self) -> None:
        d: DependenceData = self._data
        x, y = self._xy()
        if d.categories is not None:
            y0, y1 = -0.6, len(d.categories) - 0.4
            x0, x1 = padded_range(*finite_range([x]), 0.08, 0.08)
        else:
            x0, x1 = padded_range(*finite_range([x]))
            y0, y1 = padded_range(*finite_range([y]), 0.08, 0.08)
            self._set_left_label(f"{d.value_name} value ({d.unit.value})")  # the new height
        self.plot.getViewBox().setRange(xRange=(x0, x1), yRange=(y0, y1), padding=0)

    def _nearest(self, scene_pos: QPointF) -> int | None:
        if self._data is None:
            return None
        x, y = self._xy()
        return self._nearest_dot(scene_pos, x, y, PICK_PIXELS)

    def _row_at(self, scene_pos: QPointF) -> int | None:
        i = self._nearest(scene_pos)
        return None if i is None else int(self._data.rows[i])

    def _tooltip(self, x: float, y: float) -> str:
        d: DependenceData = self._data
        vb = self.plot.getViewBox()
        i = self._nearest(vb.mapViewToScene(QPointF(x, y)))
        if i is None:
            return ""
        value = d.categories[round(d.x[i])] if d.categories is not None else f"{d.x[i]:.4g}"
        number = f"{formatting.signed(d.shap[i])} ({d.unit.value})"
        text = f"row {int(d.rows[i])}: {d.feature} = {value}, {d.value_name} {number}"
        return text + colour_text(d, i)


def colour_text(d: DependenceData, i: int) -> str:
    """What dot i's colour stands for: "; colour: race = White" (the legend and colour bar
    name the scale; the hover names the dot)."""
    if d.colour_feature is None or d.colour_values is None:
        return ""
    raw = float(d.colour_values[i])
    if not np.isfinite(raw):
        value = "missing"
    elif d.colour_categories is not None and 0 <= round(raw) < len(d.colour_categories):
        value = str(d.colour_categories[round(raw)])
    else:
        value = f"{raw:.4g}"
    return f"; colour: {d.colour_feature} = {value}"


def searchable_combo(parent: QWidget) -> QComboBox:
    """A feature list the user can type into: any part of a name finds it (40 features)."""
    combo = QComboBox(parent)
    combo.setEditable(True)
    combo.setInsertPolicy(QComboBox.InsertPolicy.NoInsert)
    completer = combo.completer()
    completer.setFilterMode(Qt.MatchFlag.MatchContains)
    completer.setCompletionMode(QCompleter.CompletionMode.PopupCompletion)
    combo.setMinimumContentsLength(12)
    combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
    return combo


class DependencePanel(QWidget):
    def __init__(self, state: AppState, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.state = state
        self.context = state.debug
        self.feature_combo = searchable_combo(self)
        self.colour_combo = searchable_combo(self)
        self.note = QLabel(self)
        self.plot = DependencePlot(self)
        top = QHBoxLayout()
        top.addWidget(QLabel("Feature:", self))
        top.addWidget(self.feature_combo)
        top.addWidget(QLabel("Colour by:", self))
        top.addWidget(self.colour_combo)
        top.addStretch(1)
        top.addWidget(self.note)
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(self.plot, 1)
        self.job = PanelJob(
            self,
            self.context.workers,
            JOB,
            self._prepare,
            lambda error: self.note.setText(f"Could not draw: {error}"),
            on_close=self.state.on_close,
        )
        self.feature_combo.activated.connect(lambda _i: self.refresh())
        self.colour_combo.activated.connect(lambda _i: self.refresh())
        self.plot.row_clicked.connect(state.select_row)
        state.model_changed.connect(self._fill_features)
        state.explanation_finished.connect(self._fill_features)
        state.visible_rows_changed.connect(self.refresh)
        state.output_changed.connect(lambda _k: self.refresh())
        state.row_selected.connect(self._on_row_selected)
        self._fill_features()

    def _fill_features(self) -> None:
        """Features most important first once SHAP values exist (column order before), so the
        ones worth a look are at the top; typing in either box filters the list."""
        feature, colour = self.feature_combo.currentData(), self.colour_combo.currentData()
        with signals_blocked(self.feature_combo), signals_blocked(self.colour_combo):
            self.feature_combo.clear()
            self.colour_combo.clear()
            self.colour_combo.addItem("strongest interaction", AUTO)
            self.colour_combo.addItem("no colour", None)
            for name in self._features_by_importance():
                self.feature_combo.addItem(name, name)
                self.colour_combo.addItem(name, name)
            if feature is not None:
                self.feature_combo.setCurrentIndex(max(self.feature_combo.findData(feature), 0))
            self.colour_combo.setCurrentIndex(max(self.colour_combo.findData(colour), 0))
        self.refresh()

    def _features_by_importance(self) -> list[str]:
        model = self.state.model
        if model is None:
            return []
        names = list(model.feature_names)
        mean_abs = self.state.mean_abs()
        if mean_abs is None or len(mean_abs) != len(names):
            return names
        column = np.asarray(mean_abs)[:, min(self.state.output_index, mean_abs.shape[1] - 1)]
        return [names[i] for i in np.argsort(-column, kind="stable")]

    def set_feature(self, name: str, colour_by: str | None = AUTO) -> None:
        self.feature_combo.setCurrentIndex(max(self.feature_combo.findData(name), 0))
        self.colour_combo.setCurrentIndex(max(self.colour_combo.findData(colour_by), 0))
        self.refresh()

    def refresh(self) -> None:
        """Recompute the dots in a worker (when the panel is on screen)."""
        self.job.request()

    def _prepare(self) -> Work | None:
        s = self.state
        feature = self.feature_combo.currentData()
        if s.model is None or s.data is None or feature is None or s.rows_explained() == 0:
            self.plot.clear()
            self.note.setText("Waiting for SHAP values." if s.model is not None else "")
            return None
        if s.computing:
            self.note.setText("Drawn when every row is explained.")
            return None
        explanation = s.explanation
        if explanation is None or not explanation.complete:
            self.note.setText("Drawn when every row is explained.")
            return None
        rows = s.visible_rows
        if rows.size == 0:
            self.plot.clear()
            self.note.setText("No rows pass the filter.")
            return None
        self.note.setText(f"{rows.size:,} rows…")
        args = (feature, explanation.values, s.data.X, s.model.features, explanation.unit, rows)
        colour = self.colour_combo.currentData()
        kwargs = (colour, s.output_index, "", 0, MAX_DOTS)
        return Work(dependence, (*args, *kwargs), self._on_result)

    def _on_result(self, data: DependenceData) -> None:
        if data.subsampled:
            self.note.setText(f"{data.rows.size:,} of {data.total:,} rows drawn")
        else:
            self.note.setText(f"{data.total:,} rows")
        self.plot.selected = self.state.selected_row
        self.plot.set_data(data)

    def _on_row_selected(self, row: int) -> None:
        self.plot.set_selected(row)


def create(state: AppState) -> QWidget:
    return DependencePanel(state)
