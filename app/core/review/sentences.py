"""One row's explanation in plain words, from templates (never a language model).

    The model gives this applicant a 83% chance of earning over 50K, against 24% on average.
    Marital status 'married' (+1.2 log-odds) and education of 13 years (+0.6) raise it most;
    age of 23 years (-0.9) lowers it most.

Every number comes from the SHAP values of the row (rounded to two significant digits), the
drivers are ranked by their exact values, and the unit is named once per sentence. Names and
values go through the glossary, so they read as the user wrote them.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass, field

import numpy as np

from app.core.base.formatting import data_number, spoken_percent
from app.core.base.formatting import effect as format_effect
from app.core.base.types import Task, Unit
from app.core.data.align import AlignedData
from app.core.explain.models.base import ModelAdapter
from app.core.review.glossary import Glossary


@dataclass
class Driver:
    """A feature that moves the prediction: its value, its SHAP value and how it is phrased."""

    feature: str
    value: object
    shap: float
    phrase: str


@dataclass
class RowSummary:
    text: str
    up: list[Driver] = field(default_factory=list)  # largest positive first
    down: list[Driver] = field(default_factory=list)  # most negative first
    prediction: float = float("nan")
    average: float | None = None
    unit_name: str = ""


def _article(number_text: str) -> str:
    """'an' before numbers said with a vowel sound (8, 11, 18, 80-89...), else 'a'."""
    digits = number_text.split("%")[0].replace(",", "")
    spoken_an = digits.startswith("8") or digits.split(".")[0] in ("11", "18")
    return "an" if spoken_an else "a"


def _capitalise(sentence: str) -> str:
    """Upper-case the first letter, unless the sentence opens with an identifier (median_income)."""
    first = sentence.split(" ", 1)[0]
    if "_" in first or any(c.isupper() for c in first[1:]):
        return sentence
    return sentence[0].upper() + sentence[1:]


def _class(name: str) -> str:
    """class '6' — or the output's own name when it already says class ("class 2")."""
    return name if name.lower().startswith("class") else f"class '{name}'"


def _join(parts: list[str]) -> str:
    if len(parts) <= 1:
        return "".join(parts)
    return ", ".join(parts[:-1]) + " and " + parts[-1]


def _unit_name(unit: Unit, task: Task, glossary: Glossary) -> str:
    if unit is Unit.LOG_ODDS:
        return "log-odds"
    if unit is Unit.PROBABILITY:
        return "percentage points"
    if unit is Unit.TARGET:
        if glossary.target.unit:
            return glossary.target.unit
        name = glossary.target.display or glossary.target.name
        return f"units of {name}" if name else "units of the prediction"
    return "raw margin"


def _effect(value: float, unit: Unit, unit_name: str, first: bool) -> str:
    scaled = value * 100 if unit is Unit.PROBABILITY else value
    text = format_effect(scaled)
    return f"{text} {unit_name}" if first else text


def _drivers_sentence(
    up: list[Driver], down: list[Driver], unit: Unit, unit_name: str, prefix: str
) -> str:
    if not up and not down:
        return _capitalise(f"{prefix}no feature moves it away from the average.")
    first = [True]

    def describe(drivers: list[Driver]) -> str:
        parts = []
        for d in drivers:
            parts.append(f"{d.phrase} ({_effect(d.shap, unit, unit_name, first[0])})")
            first[0] = False
        return _join(parts)

    if up:
        verb = "raises" if len(up) == 1 else "raise"
        raise_part = f"{describe(up)} {verb} it most"
    else:
        raise_part = "no feature raises it"
    if down:
        verb = "lowers" if len(down) == 1 else "lower"
        lower_part = f"{describe(down)} {verb} it most"
    else:
        lower_part = "nothing lowers it"
    return _capitalise(f"{prefix}{raise_part}; {lower_part}.")


def _opening(
    task: Task,
    unit: Unit,
    prediction: np.ndarray,
    average: np.ndarray | None,
    output: int,
    output_names: list[str],
    glossary: Glossary,
) -> tuple[str, str]:
    """The first sentence, and the prefix naming the class for the drivers sentence."""
    subject = glossary.target.subject or "row"
    p = float(prediction[output])
    avg = float(average[output]) if average is not None else None
    probability = unit in (Unit.LOG_ODDS, Unit.PROBABILITY) and task is not Task.REGRESSION
    if task is Task.REGRESSION or not probability:
        target_unit = glossary.target.unit
        value = data_number(p) + (f" {target_unit}" if target_unit else "")
        what = glossary.target.display or glossary.target.name
        head = f"The model predicts {value}" + (f" {what}" if what and not target_unit else "")
        head += f" for this {subject}"
        if task is Task.MULTICLASS:
            head += f" for {_class(output_names[output])}"
        against = f", against {data_number(avg)} on average" if avg is not None else ""
        prefix = f"For {_class(output_names[output])}, " if task is Task.MULTICLASS else ""
        return f"{head}{against}.", prefix
    if task is Task.BINARY:
        outcome = glossary.target.outcome or "the positive class"
        chance = spoken_percent(p)
        head = f"The model gives this {subject} {_article(chance)} {chance} chance of {outcome}"
        against = f", against {spoken_percent(avg)} on average" if avg is not None else ""
        return f"{head}{against}.", ""
    name = output_names[output]
    chance = spoken_percent(p)
    head = f"The model gives this {subject} {_article(chance)} {chance} chance of {_class(name)}"
    top = int(np.argmax(prediction))
    if top == output:
        head += " (its most likely class)"
    else:
        head += (
            f" (most likely: {_class(output_names[top])}, {spoken_percent(float(prediction[top]))})"
        )
    against = f", against {spoken_percent(avg)} on average" if avg is not None else ""
    return f"{head}{against}.", f"For {_class(name)}, "


def summarize_row(
    shap_row: np.ndarray,
    feature_names: list[str],
    display_values: Sequence[object],
    *,
    task: Task,
    unit: Unit,
    prediction: np.ndarray | float,
    average: np.ndarray | float | None = None,
    output: int = 0,
    output_names: list[str] | None = None,
    glossary: Glossary | None = None,
    n_up: int = 2,
    n_down: int = 1,
    redacted: Collection[str] = (),
) -> RowSummary:
    """Describe one row: `shap_row` holds its SHAP values (n_features,) for `output`.

    `prediction` and `average` are per output (probabilities for classifiers, values otherwise);
    `average` is the mean prediction over the data, or None to leave the comparison out.
    """
    glossary = glossary or Glossary()
    shap_row = np.asarray(shap_row, dtype=np.float64).reshape(-1)
    prediction = np.atleast_1d(np.asarray(prediction, dtype=np.float64))
    avg = None if average is None else np.atleast_1d(np.asarray(average, dtype=np.float64))
    names = output_names or [f"output {k}" for k in range(prediction.size)]
    order = np.argsort(-shap_row, kind="stable")
    up_idx = [int(i) for i in order if shap_row[i] > 0][:n_up]
    down_idx = [int(i) for i in order[::-1] if shap_row[i] < 0][:n_down]

    def driver(i: int) -> Driver:
        name, value = feature_names[i], display_values[i]
        if name in redacted:  # its contribution is said, its value is not
            phrase = f"{glossary.display_name(name)} (value redacted)"
            return Driver(name, "redacted", float(shap_row[i]), phrase)
        return Driver(name, value, float(shap_row[i]), glossary.phrase(name, value))

    up = [driver(i) for i in up_idx]
    down = [driver(i) for i in down_idx]
    unit_name = _unit_name(unit, task, glossary)
    opening, prefix = _opening(task, unit, prediction, avg, output, names, glossary)
    text = f"{opening} {_drivers_sentence(up, down, unit, unit_name, prefix)}"
    average_value = float(avg[output]) if avg is not None else None
    return RowSummary(text, up, down, float(prediction[output]), average_value, unit_name)


def row_display_values(model: ModelAdapter, data: AlignedData, row: int) -> list[object]:
    """The row's values as loaded (labels, not codes), in the model's feature order."""
    return data.display_values(row, model.feature_names)


def summarize_explained_row(
    model: ModelAdapter,
    data: AlignedData,
    row: int,
    values: np.ndarray,
    base_values: np.ndarray,
    output: int = 0,
    glossary: Glossary | None = None,
    average: np.ndarray | None = None,
    n_up: int = 2,
    n_down: int = 1,
    redacted: Collection[str] = (),
) -> RowSummary:
    """summarize_row for dataset row `row` whose SHAP values (n_features, n_outputs) are known."""
    values = np.asarray(values, dtype=np.float64)
    raw = values.sum(axis=0) + np.asarray(base_values, dtype=np.float64)
    prediction = model.raw_to_prediction(raw[None, :])[0]
    return summarize_row(
        values[:, output],
        model.feature_names,
        row_display_values(model, data, row),
        task=model.task,
        unit=model.unit,
        prediction=prediction,
        average=average,
        output=output,
        output_names=list(model.output_names),
        glossary=glossary,
        n_up=n_up,
        n_down=n_down,
        redacted=redacted,
    )
