"""`shaplens audit`: overall metrics, fairness per sensitive column and the worst error slices.

Prints a short report and, with --out, writes the same as JSON (schema in
the README, "shaplens audit"). Needs no SHAP values, only predictions, so it runs in seconds.
"""

from __future__ import annotations

import argparse
import json
import math
from pathlib import Path

import numpy as np
import pandas as pd

from app.commands._common import (
    add_model_data_arguments,
    check_out,
    check_threshold,
    input_paths,
    open_workspace,
)
from app.core.base.atomic import write_text_atomic
from app.core.base.errors import ShapLensError
from app.core.base.formatting import percent
from app.core.base.types import Task
from app.core.data.labels import encode_labels
from app.core.debugging.fairness import fairness_report, group_codes, suggest_sensitive
from app.core.debugging.metrics import (
    Evaluation,
    confusion_matrix,
    evaluate,
    summary,
)
from app.core.debugging.slices import error_slices
from app.core.explain.models.base import ModelAdapter

SCHEMA_VERSION = 1


def add_arguments(parser: argparse.ArgumentParser) -> None:
    add_model_data_arguments(parser)
    parser.add_argument(
        "--sensitive",
        nargs="+",
        default=None,
        metavar="COL",
        help="sensitive columns to compare groups of (default: suggested from column names)",
    )
    parser.add_argument("--threshold", type=float, default=0.5, help="decision threshold (binary)")
    parser.add_argument(
        "--positive", type=int, default=1, help="class index counted as positive (multiclass)"
    )
    parser.add_argument("--slices", type=int, default=20, help="how many error slices to list")
    parser.add_argument("--out", type=Path, default=None, help="write the audit as JSON here")


def _clean(value: object) -> object:
    """JSON has no NaN: undefined rates become null; numpy scalars become Python numbers."""
    if isinstance(value, dict):
        return {str(k): _clean(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_clean(v) for v in value]
    if isinstance(value, np.ndarray):
        return _clean(value.tolist())
    if isinstance(value, (np.integer,)):
        return int(value)
    if isinstance(value, (float, np.floating)):
        return None if math.isnan(value) or math.isinf(value) else float(value)
    if isinstance(value, np.bool_):
        return bool(value)
    return value


def _regression_groups(column: pd.Series, evaluation: Evaluation) -> dict[str, object]:
    codes, names = group_codes(column)
    groups = []
    for g, name in enumerate(names):
        rows = np.flatnonzero((codes == g) & evaluation.has_label)
        if rows.size:
            groups.append({"group": name, **summary(evaluation, rows)})
    return {"column": str(column.name), "groups": groups}


def build_audit(
    model: ModelAdapter,
    frame: pd.DataFrame,
    labels: np.ndarray,
    predictions: np.ndarray,
    sensitive: list[str],
    threshold: float = 0.5,
    positive: int = 1,
    n_slices: int = 20,
) -> dict[str, object]:
    """The audit as a JSON-ready dict (its schema is in the README, "shaplens audit")."""
    task = model.task
    k = 2 if task is Task.BINARY else max(model.n_outputs, 1)
    y = encode_labels(labels, task, k)
    ev = evaluate(predictions, y, task, threshold)
    result: dict[str, object] = {
        "schema_version": SCHEMA_VERSION,
        "task": task.value,
        "rows": ev.n_rows,
        "rows_with_label": int(ev.has_label.sum()),
        "threshold": threshold if task is Task.BINARY else None,
        "overall": summary(ev, positive=positive if task is not Task.BINARY else 1),
        "confusion_matrix": confusion_matrix(ev).tolist() if ev.is_classifier else None,
    }
    fairness = []
    for column in sensitive:
        if task is Task.REGRESSION:
            fairness.append(_regression_groups(frame[column], ev))
            continue
        pos = 1 if task is Task.BINARY else positive
        score = ev.score if task is Task.BINARY else ev.score[:, pos]
        y_pos = np.where(ev.has_label, (ev.y_true == pos).astype(float), np.nan)
        report = fairness_report(frame[column], y_pos, (ev.predicted == pos).astype(int), score)
        fairness.append(report.to_dict())
    result["fairness"] = fairness
    if ev.is_classifier:
        error = np.where(ev.has_label, (~ev.correct).astype(float), np.nan)
    else:
        error = ev.error
    slices = error_slices(frame, model.feature_names, error, binary=ev.is_classifier, top=n_slices)
    result["error_slices"] = [
        {
            "features": list(s.features),
            "description": s.description,
            "expression": s.expression,
            "count": s.count,
            "rate": s.rate,
            "lift": s.lift,
            "ci_low": s.ci_low,
            "ci_high": s.ci_high,
            "unreliable": s.unreliable,
        }
        for s in slices
    ]
    return _clean(result)  # type: ignore[return-value]


def _pct(x: object) -> str:
    return percent(None if x is None else float(x), "n/a")  # type: ignore[arg-type]


def print_audit(audit: dict[str, object]) -> None:
    overall = audit["overall"]
    assert isinstance(overall, dict)
    print(f"Rows: {audit['rows']:,} ({audit['rows_with_label']:,} with a label)")
    if audit["task"] == "regression":
        print(f"MAE {overall['mae']:.4g}   RMSE {overall['rmse']:.4g}   R² {overall['r2']:.3f}")
    else:
        line = (
            f"Accuracy {_pct(overall['accuracy'])}   TPR {_pct(overall['tpr'])}   "
            f"FPR {_pct(overall['fpr'])}   precision {_pct(overall['precision'])}"
        )
        if audit["threshold"] is not None:
            line += f"   (threshold {audit['threshold']:g})"
        print(line)
    for report in audit["fairness"]:  # type: ignore[attr-defined]
        print(f"\nBy {report['column']}:")
        for g in report["groups"]:
            if audit["task"] == "regression":
                print(f"  {g['group']:<24} n={g['count']:<7,.0f} MAE {g['mae']:.4g}")
                continue
            flag = "  (small group)" if g["small"] else ""
            print(
                f"  {g['group']:<24} n={g['count']:<7,} base {_pct(g['base_rate'])}  "
                f"selected {_pct(g['selection_rate'])}  acc {_pct(g['accuracy'])}  "
                f"TPR {_pct(g['tpr'])}  FPR {_pct(g['fpr'])}{flag}"
            )
        if "demographic_parity_difference" in report:
            ratio = report["four_fifths_ratio"]
            verdict = "passes" if report["passes_four_fifths"] else "FAILS"
            ratio_text = "n/a" if ratio is None else f"{ratio:.2f}"
            print(
                f"  demographic parity difference {_pct(report['demographic_parity_difference'])}"
                f", equalized odds difference {_pct(report['equalized_odds_difference'])}, "
                f"four-fifths ratio {ratio_text} ({verdict} the four-fifths rule)"
            )
        for warning in report.get("warnings", []):
            print(f"  warning: {warning}")
    slices = audit["error_slices"]
    if slices:
        what = "mean error" if audit["task"] == "regression" else "error rate"
        print(f"\nWorst slices by {what}:")
        for s in slices:  # type: ignore[attr-defined]
            rate = f"{s['rate']:.4g}" if audit["task"] == "regression" else _pct(s["rate"])
            note = "  (unreliable: few rows)" if s["unreliable"] else ""
            print(f"  {rate:>7}  x{s['lift']:.2f}  n={s['count']:<6,} {s['description']}{note}")


def run(args: argparse.Namespace) -> int:
    check_out(args)
    ws = open_workspace(args)
    model, data = ws.model, ws.data
    assert model is not None and data is not None
    if data.label_column is None:
        raise ShapLensError(
            f"{args.data.name} has no obvious label column: name it with --label COLUMN."
        )
    frame = data.frame
    if args.sensitive is None:
        sensitive = [c for c in suggest_sensitive(list(map(str, frame.columns))) if c in frame]
        sensitive = [c for c in sensitive if c != data.label_column]
    else:
        sensitive = list(args.sensitive)
    unknown = [c for c in sensitive if c not in frame.columns]
    if unknown:
        raise ShapLensError(
            f"--sensitive: no column named {', '.join(unknown)} in {args.data.name}."
        )
    ws.selection.set_threshold(check_threshold(args.threshold))
    predictions = model.raw_to_prediction(model.predict_raw(data.X))
    audit = build_audit(
        model, frame, data.label(), predictions, sensitive, ws.selection.threshold, args.positive,
        args.slices,
    )  # fmt: skip
    audit = {
        "model": args.model.name,
        "data": args.data.name,
        "label": data.label_column,
        "sensitive": sensitive,
        **audit,
    }
    print_audit(audit)
    if args.out is not None:
        text = json.dumps(audit, indent=2, allow_nan=False)
        write_text_atomic(args.out, text, inputs=input_paths(args))
        print(f"\nwrote {args.out}")
    return 0
