"""`shaplens compare`: two versions of a model on the same data."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from app.commands._common import check_out, check_threshold, input_paths
from app.commands.inspect import dumps_json
from app.core.base.atomic import write_text_atomic
from app.core.data.align import naming_the_file
from app.core.data.data_io import load_dataset
from app.core.data.model_io import load_model
from app.core.production.compare_models import ModelComparison, compare_models


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--model", required=True, type=Path, help="model A (e.g. in production)")
    parser.add_argument("--model-b", required=True, type=Path, help="model B (the candidate)")
    parser.add_argument("--data", required=True, type=Path, help="dataset both are run on")
    parser.add_argument("--label", default=None, help="label column (guessed when obvious)")
    parser.add_argument("--sensitive", default=None, help="column to break metrics down by")
    parser.add_argument("--threshold", type=float, default=0.5, help="binary decision threshold")
    parser.add_argument("--shap-rows", type=int, default=2000, help="rows sampled for SHAP")
    parser.add_argument("--out", type=Path, default=None, help="write the comparison as JSON")
    parser.add_argument(
        "--trust-pickle", action="store_true", help="allow loading pickle/joblib models"
    )


def format_comparison(c: ModelComparison) -> str:
    lines = [f"A = {c.name_a}", f"B = {c.name_b}", f"{c.n_rows:,} rows, task {c.task.value}", ""]
    if c.metrics:
        lines.append(f"{'metric':<12}{'A':>10}{'B':>10}{'B - A':>10}")
        for m in c.metrics:
            mark = "  better" if m.b_better else ("  worse" if m.delta else "")
            lines.append(f"{m.name:<12}{m.a:>10.4f}{m.b:>10.4f}{m.delta:>+10.4f}{mark}")
    else:
        lines.append("no label column: metrics skipped (give --label)")
    if c.class_a is not None:
        lines.append(f"\nflipped rows: {c.flipped_rows.size:,} ({c.flip_rate:.2%})")
    for g in c.groups:
        metric = next((m for m in g.metrics if m.name in ("AUC", "accuracy", "RMSE")), None)
        shown = f", {metric.name} {metric.a:.4f} -> {metric.b:.4f}" if metric else ""
        lines.append(f"  {g.column}={g.group}: {g.n:,} rows, {g.flips:,} flips{shown}")
    latency = c.latency_table()
    if latency:
        lines += ["", f"{'latency (ms)':<12}{'A':>10}{'B':>10}{'B - A':>10}"]
        lines += [f"{stat:<12}{a:>10.3f}{b:>10.3f}{b - a:>+10.3f}" for stat, a, b in latency]
    lines += ["", f"{'feature':<20}{'mean|SHAP| A':>14}{'mean|SHAP| B':>14}{'per-row Δ':>12}"]
    for f in c.features:
        lines.append(
            f"{f.name:<20}{f.importance_a:>14.4f}{f.importance_b:>14.4f}{f.mean_abs_change:>12.4f}"
        )
    return "\n".join(lines)


def run(args: argparse.Namespace) -> int:
    check_threshold(args.threshold)
    check_out(args)
    model_a = load_model(args.model, trust_pickle=args.trust_pickle)
    model_b = load_model(args.model_b, trust_pickle=args.trust_pickle)
    frame = load_dataset(args.data)
    with naming_the_file(args.data):
        result = compare_models(
            model_a,
            model_b,
            frame,
            label=args.label,
            sensitive=args.sensitive,
            threshold=args.threshold,
            shap_rows=max(args.shap_rows, 1),
            names=(args.model.name, args.model_b.name),
        )
    print(format_comparison(result))
    if args.out is not None:
        payload = {"data": str(args.data), **result.to_dict()}
        write_text_atomic(args.out, dumps_json(payload), inputs=input_paths(args))
        print(f"wrote {args.out}", file=sys.stderr)
    return 0
