"""A glossary: display names, units, descriptions and value labels for a model's features.

People read "years of education", not "education_num", and "married", not "Married-civ-spouse".
A glossary is a small YAML (or CSV) file the user edits once; sentences, reports and views use it
wherever a feature or a value is shown. Anything the glossary does not mention is shown as is.

YAML layout (every key optional)::

    target:                      # what the model predicts
      name: income_gt_50k
      outcome: earning over 50K  # "a 83% chance of <outcome>"
      subject: applicant         # "this <subject>"
      unit: USD                  # regression: the unit of the prediction
    features:
      age:
        display: age
        unit: years
        description: Age at the census.
        phrase: being {value} years old   # optional sentence fragment, {value} is filled in
      marital_status:
        display: marital status
        values: {Married-civ-spouse: married, Never-married: never married}

CSV layout: columns feature, display, unit, description, value, label (and optionally phrase);
a row with an empty `value` describes the feature, a row with a `value` labels that value.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
import yaml

from app.core.base.atomic import write_text_atomic
from app.core.base.csv_safe import safe_row, unquote_cell
from app.core.base.errors import ShapLensError
from app.core.base.formatting import data_number
from app.core.base.input_gate import GLOSSARY, InputError, is_missing, read_input_text
from app.core.base.schemas import FeatureEntry, GlossaryDoc, TargetDoc
from app.core.base.structured import SchemaError, convert, yaml_document

GLOSSARY_SUFFIXES = (".yaml", ".yml", ".csv")
_FEATURE_KEYS = {"display", "unit", "description", "values", "phrase"}
_TARGET_KEYS = {"name", "display", "outcome", "subject", "unit"}
MAX_VALUE_LABELS = 60  # a generated glossary lists the values of columns with few distinct values


class GlossaryError(ShapLensError):
    """A glossary file is missing, unreadable or laid out wrongly."""


@dataclass
class FeatureInfo:
    name: str
    display: str = ""
    unit: str = ""
    description: str = ""
    values: dict[str, str] = field(default_factory=dict)
    phrase: str = ""


@dataclass
class TargetInfo:
    name: str = ""
    display: str = ""
    outcome: str = ""
    subject: str = ""
    unit: str = ""


def _is_missing(value: object) -> bool:
    if value is None or value is pd.NA:
        return True
    return isinstance(value, (float, np.floating)) and bool(np.isnan(value))


@dataclass
class Glossary:
    features: dict[str, FeatureInfo] = field(default_factory=dict)
    target: TargetInfo = field(default_factory=TargetInfo)
    path: Path | None = None

    def info(self, feature: str) -> FeatureInfo:
        return self.features.get(feature) or FeatureInfo(feature)

    def display_name(self, feature: str) -> str:
        """The name to show for a feature (its own name when the glossary has none)."""
        info = self.features.get(feature)
        return info.display if info is not None and info.display else feature

    def display_names(self, features: list[str]) -> list[str]:
        return [self.display_name(f) for f in features]

    def unit(self, feature: str) -> str:
        return self.info(feature).unit

    def description(self, feature: str) -> str:
        return self.info(feature).description

    def value_label(self, feature: str, value: object, with_unit: bool = True) -> str:
        """A value as shown to people: its label, or the number with the feature's unit."""
        if _is_missing(value):
            return "missing"
        info = self.info(feature)
        if isinstance(value, (bool, np.bool_)):
            text = str(bool(value))
        elif isinstance(value, (int, float, np.integer, np.floating)):
            text = data_number(float(value))
        else:
            text = str(value)
        if text in info.values:
            return info.values[text]
        if isinstance(value, (float, np.floating)) and float(value).is_integer():
            # Labels keyed by "1" still apply to a float column holding 1.0.
            label = info.values.get(str(int(value)))
            if label is not None:
                return label
        if with_unit and info.unit and not isinstance(value, str):
            return f"{text} {info.unit}"
        return text

    def phrase(self, feature: str, value: object) -> str:
        """A sentence fragment: the glossary's template, or "<name> of <value>"."""
        info = self.info(feature)
        if _is_missing(value):
            return f"{self.display_name(feature)} missing"
        if info.phrase:
            return info.phrase.replace("{value}", self.value_label(feature, value, with_unit=False))
        label = self.value_label(feature, value)
        if isinstance(value, str):
            return f"{self.display_name(feature)} '{label}'"
        return f"{self.display_name(feature)} of {label}"

    def unknown_features(self, feature_names: list[str]) -> list[str]:
        """Glossary entries that name no model feature (probably a typo)."""
        known = set(feature_names)
        return [name for name in self.features if name not in known]

    # ----------------------------------------------------------------- writing
    def to_dict(self) -> dict[str, object]:
        out: dict[str, object] = {}
        target = {k: getattr(self.target, k) for k in sorted(_TARGET_KEYS)}
        target = {k: v for k, v in target.items() if v}
        if target:
            out["target"] = target
        features: dict[str, object] = {}
        for name, info in self.features.items():
            entry: dict[str, object] = {"display": info.display or name}
            for key in ("unit", "description", "phrase"):
                if getattr(info, key):
                    entry[key] = getattr(info, key)
            if info.values:
                entry["values"] = dict(info.values)
            features[name] = entry
        out["features"] = features
        return out

    def to_yaml(self) -> str:
        header = (
            "# ShapLens glossary: edit display names, units, descriptions and value labels.\n"
            "# Keys under `features` must match the model's feature names.\n"
        )
        body = yaml.safe_dump(self.to_dict(), sort_keys=False, allow_unicode=True, width=100)
        return header + body

    def save(self, path: str | Path, inputs: Iterable[str | Path | None] = ()) -> Path:
        """Write YAML (or CSV by suffix) atomically, never over one of `inputs`."""
        path = Path(path)
        text = self.to_csv() if path.suffix.lower() == ".csv" else self.to_yaml()
        return write_text_atomic(path, text, inputs=inputs)

    def to_csv(self) -> str:
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\n")
        writer.writerow(["feature", "display", "unit", "description", "phrase", "value", "label"])
        # Every cell is user text; quoted where a spreadsheet would run it (reversed on reading).
        for name, info in self.features.items():
            row = [name, info.display, info.unit, info.description, info.phrase, "", ""]
            writer.writerow(safe_row(row))
            for value, label in info.values.items():
                writer.writerow(safe_row([name, "", "", "", "", value, label]))
        return buffer.getvalue()


# --------------------------------------------------------------------------- reading
class _Loader(yaml.SafeLoader):
    """YAML 1.1 reads yes/no/on/off as booleans: a label `yes` must stay the text "yes"."""


_Loader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:bool"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
_Loader.add_implicit_resolver(
    "tag:yaml.org,2002:bool",
    re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"),
    list("tTfF"),
)


def _text(value: object) -> str:
    """A validated scalar (schemas.Scalar) as the text it prints as; None is empty."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return _value_key(value)


def _schema_message(error: SchemaError, where: str, allowed: set[str]) -> str:
    if error.problem.startswith("unknown key"):
        key = error.problem.split("`")[1] if "`" in error.problem else "?"
        return f"{where} has unknown key(s) {key}; allowed: {', '.join(sorted(allowed))}"
    if error.where.startswith("values"):
        return f"`values` of {where} must map each value to its label ({error.problem})"
    field_ = f" `{error.where}`" if error.where else ""
    return f"{where}{field_} should be a piece of text, not a list/mapping ({error.problem})"


def _from_mapping(data: object, path: Path) -> Glossary:
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise GlossaryError(
            f"{path.name}: a glossary is a mapping with `features:` (and optionally `target:`).",
            path,
        )
    try:
        doc = convert(data, GlossaryDoc)
    except SchemaError as error:
        if error.problem.startswith("unknown key") and not error.where:
            raise GlossaryError(
                f"{path.name}: unknown top-level key(s) {error.problem.split('`')[1]}; "
                "expected `features` and `target`.",
                path,
            ) from error
        if error.where.startswith("target"):
            error.where = error.where.removeprefix("target").lstrip(" →")
            message = _schema_message(error, "`target`", _TARGET_KEYS)
        elif error.where == "features":
            message = "`features` must map feature names to their entries"
        else:
            message = f"{error.problem} at {error.where or 'the top level'}"
        raise GlossaryError(f"{path.name}: {message}.", path) from error
    glossary = Glossary(path=path)
    for name, raw in (doc.features or {}).items():
        try:
            entry = convert(raw, FeatureEntry)
        except SchemaError as error:
            where = f"feature '{name}'"
            if not error.where and "Expected" in error.problem:
                message = f"the entry for {where} must be a mapping"
            else:
                message = _schema_message(error, where, _FEATURE_KEYS)
            raise GlossaryError(f"{path.name}: {message}.", path) from error
        if entry is None or isinstance(entry, str):  # `age: Age in years` names its display
            glossary.features[name] = FeatureInfo(name, display=entry or "")
            continue
        glossary.features[name] = FeatureInfo(
            name=name,
            display=_text(entry.display),
            unit=_text(entry.unit),
            description=_text(entry.description),
            values={k: _text(v) for k, v in (entry.values or {}).items()},
            phrase=_text(entry.phrase),
        )
    target = doc.target or TargetDoc()
    glossary.target = TargetInfo(**{k: _text(getattr(target, k)) for k in _TARGET_KEYS})
    return glossary


def _value_key(value: object) -> str:
    """YAML reads `1:` as an int and `yes:` as a bool: key labels by the text a value prints as."""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _from_csv(text: str, path: Path) -> Glossary:
    reader = csv.DictReader(io.StringIO(text))
    columns = set(reader.fieldnames or [])
    if "feature" not in columns:
        raise GlossaryError(
            f"{path.name}: a CSV glossary needs a `feature` column "
            "(and any of display, unit, description, phrase, value, label)."
        )
    glossary = Glossary(path=path)
    try:
        return _csv_rows(reader, glossary, path)
    except csv.Error as error:
        raise GlossaryError(
            f"{path.name}, line {reader.line_num}: not a readable CSV row ({error}).", path
        ) from error


def _csv_rows(reader: csv.DictReader, glossary: Glossary, path: Path) -> Glossary:
    for line, raw in enumerate(reader, start=2):
        row = {k: unquote_cell(v) if isinstance(v, str) else v for k, v in raw.items()}
        name = (row.get("feature") or "").strip()
        if not name:
            raise GlossaryError(f"{path.name}, line {line}: the `feature` cell is empty.")
        info = glossary.features.setdefault(name, FeatureInfo(name))
        value = row.get("value") or ""
        if value:
            info.values[value] = row.get("label") or value
            continue
        for key in ("display", "unit", "description", "phrase"):
            if row.get(key):
                setattr(info, key, row[key])
    return glossary


def load_glossary(path: str | Path) -> Glossary:
    """Read a YAML or CSV glossary, or raise GlossaryError saying what is wrong and where."""
    path = Path(path)
    if is_missing(path):
        raise GlossaryError(f"Glossary file not found: {path}", path)
    if path.suffix.lower() not in GLOSSARY_SUFFIXES:
        raise GlossaryError(
            f"{path.name}: a glossary must be a .yaml, .yml or .csv file "
            "(create one with `shaplens glossary --data D --out glossary.yaml`).",
            path,
        )
    try:
        text = read_input_text(path, GLOSSARY, encoding="utf-8-sig")
    except InputError as error:
        raise GlossaryError(str(error), path) from error
    if path.suffix.lower() == ".csv":
        return _from_csv(text, path)
    try:
        data = yaml_document(text, _Loader)  # a SafeLoader subclass, depth checked first
    except SchemaError as error:
        where = f" ({error.where})" if error.where else ""
        raise GlossaryError(f"{path.name}: {error.problem}{where}.", path) from error
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark is not None else ""
        problem = getattr(error, "problem", None) or "invalid YAML"
        raise GlossaryError(f"{path.name}: {problem}{where}.", path) from error
    return _from_mapping(data, path)


# --------------------------------------------------------------------------- creating
def glossary_from_data(
    frame: pd.DataFrame,
    features: list[str] | None = None,
    label: str | None = None,
) -> Glossary:
    """A starting glossary for `features` (default: every column but the label) to edit by hand.

    Display names replace underscores by spaces; descriptions say the type and range; columns with
    few distinct text values get one identity label per value, ready to be rewritten.
    """
    names = list(features) if features is not None else [c for c in frame.columns if c != label]
    glossary = Glossary()
    for name in names:
        if name not in frame.columns:
            raise GlossaryError(f"Column '{name}' is not in the dataset.")
        column = frame[name]
        info = FeatureInfo(name, display=str(name).replace("_", " "))
        missing = float(column.isna().mean()) if len(column) else 0.0
        missing_text = f", {missing:.1%} missing" if missing else ""
        if pd.api.types.is_numeric_dtype(column) and not pd.api.types.is_bool_dtype(column):
            finite = pd.to_numeric(column, errors="coerce").dropna()
            if len(finite):
                low, high = data_number(float(finite.min())), data_number(float(finite.max()))
                info.description = f"Number from {low} to {high}{missing_text}."
            else:
                info.description = f"Number (no values){missing_text}."
        else:
            distinct = column.dropna().astype(str).unique()
            info.description = f"Category, {len(distinct)} distinct values{missing_text}."
            if len(distinct) <= MAX_VALUE_LABELS:
                info.values = {str(v): str(v) for v in sorted(distinct)}
        glossary.features[str(name)] = info
    if label is not None:
        glossary.target = TargetInfo(name=label, display=label.replace("_", " "))
    return glossary
