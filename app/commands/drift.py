"""`shaplens drift`: has the data moved between a reference and a current dataset?"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from app.commands._common import check_out, input_paths
from app.commands.inspect import dumps_json
from app.core.base.atomic import write_text_atomic
from app.core.data.align import align, naming_the_file
from app.core.data.data_io import load_dataset
from app.core.data.model_io import load_model
from app.core.production.drift import DriftReport, drift_report


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--model", required=True, type=Path, help="model file")
    parser.add_argument("--reference", required=True, type=Path, help="reference dataset")
    parser.add_argument("--current", required=True, type=Path, help="current dataset")
    parser.add_argument("--out", type=Path, default=None, help="write the full report as JSON")
    parser.add_argument(
        "--shap-rows", type=int, default=2000, help="rows sampled per dataset for SHAP shares"
    )
    parser.add_argument(
        "--trust-pickle", action="store_true", help="allow loading a pickle/joblib model"
    )


def format_drift(report: DriftReport) -> str:
    lines = [
        f"reference {report.n_reference:,} rows, current {report.n_current:,} rows; "
        f"SHAP shares from {report.shap_rows:,} sampled rows each",
        f"prediction ({report.prediction_name}): mean {report.mean_prediction_reference:.4f} -> "
        f"{report.mean_prediction_current:.4f}, PSI {report.prediction_psi:.4f}, "
        f"KS {report.prediction_ks:.4f} (p={report.prediction_p_value:.3g})",
        "",
        f"{'feature':<20}{'PSI':>8}  {'level':<12}{'test':<12}{'p-value':>10}"
        f"{'missing ref→cur':>18}{'SHAP share ref→cur':>21}  changes",
    ]
    for f in report.features:
        changes = []
        if f.new_categories:
            changes.append("new: " + ", ".join(f.new_categories[:3]))
        if f.vanished_categories:
            changes.append("gone: " + ", ".join(f.vanished_categories[:3]))
        missing = f"{f.missing_reference:.1%}→{f.missing_current:.1%}"
        share = f"{f.shap_share_reference:.1%}→{f.shap_share_current:.1%}"
        lines.append(
            f"{f.name:<20}{f.psi:>8.4f}  {f.level:<12}{f.test:<12}{f.p_value:>10.3g}"
            f"{missing:>18}{share:>21}  {'; '.join(changes)}"
        )
    return "\n".join(lines)


def run(args: argparse.Namespace) -> int:
    check_out(args)
    model = load_model(args.model, trust_pickle=args.trust_pickle)
    reference = load_dataset(args.reference)
    current = load_dataset(args.current)
    for path, frame in ((args.reference, reference), (args.current, current)):
        with naming_the_file(path):  # which of the two files does not fit, before any work
            align(model, frame)

    def progress(done: int, total: int) -> None:
        if done == total:
            print(f"drift: {total} steps done", file=sys.stderr)

    report = drift_report(
        model, reference, current, shap_rows=max(args.shap_rows, 1), on_progress=progress
    )
    print(format_drift(report))
    if args.out is not None:
        payload = {"reference": str(args.reference), "current": str(args.current)}
        payload |= {"model": str(args.model), **report.to_dict()}
        write_text_atomic(args.out, dumps_json(payload), inputs=input_paths(args))
        print(f"wrote {args.out}", file=sys.stderr)
    return 0
