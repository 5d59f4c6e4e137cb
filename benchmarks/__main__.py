"""`python -m benchmarks`: every target in one table (see benchmarks/README.md).

`--engine-only` runs just the TreeSHAP engine and cache targets; `--skip dask,beeswarm` drops
other teams' modules by name. Modules return Row objects or dicts with the same keys.
"""

from __future__ import annotations

import argparse
import importlib
import json
import os
import platform
import subprocess
import sys
import time

from benchmarks.common import Row

ENGINE_MODULES = (
    "bench_throughput",
    "bench_families",
    "bench_latency",
    "bench_cache",
    "bench_million",
)
OTHER_MODULES = (
    "bench_startup",
    "bench_beeswarm",
    "bench_dask",
    "bench_gui",
    "bench_gui_families",
    "bench_behaviour",
    "bench_counterfactuals",
    "bench_interactions",
    "soak",
)
# Measured in a fresh interpreter, as the app runs: what earlier modules leave in this one (a
# Dask client's threads, engine pools, a large heap) would share the GIL and the cores with the
# GUI thread being timed.
# The soak too: its memory trend is the app's alone.
OWN_PROCESS = ("bench_gui", "bench_gui_families", "soak")
ROWS_MARK = "BENCH_ROWS "


def _run_in_own_process(name: str) -> list[dict]:
    # os._exit: the rows are out; interpreter teardown with Qt objects alive is not measured
    # and has crashed (SIGSEGV) after a complete run.
    code = (
        f"import json, os; from benchmarks.{name} import run; "
        f"print({ROWS_MARK!r} + json.dumps(run()), flush=True); os._exit(0)"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], stdout=subprocess.PIPE, text=True, check=False
    )
    lines = [line for line in done.stdout.splitlines() if line.startswith(ROWS_MARK)]
    if not lines:
        raise RuntimeError(f"benchmarks.{name} failed in its own process (exit {done.returncode})")
    return json.loads(lines[-1].removeprefix(ROWS_MARK))


def _row(item: Row | dict) -> Row:
    if isinstance(item, Row):
        return item
    ratio = item.get("ratio")
    return Row(
        str(item.get("target", "")),
        str(item.get("measured", "")),
        str(item.get("reference", "")),
        ratio if isinstance(ratio, int | float) else None,
        str(item.get("goal", "")),
    )


def _table(rows: list[Row]) -> str:
    head = ("target", "measured (ours)", "reference (same run)", "ratio", "goal")
    cells = [head] + [
        (r.target, r.measured, r.reference, "-" if r.ratio is None else f"{r.ratio:.1f}x", r.goal)
        for r in rows
    ]
    widths = [max(len(c[i]) for c in cells) for i in range(len(head))]
    lines = [
        "| " + " | ".join(c.ljust(w) for c, w in zip(cell, widths, strict=True)) + " |"
        for cell in cells
    ]
    lines.insert(1, "|" + "|".join("-" * (w + 2) for w in widths) + "|")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m benchmarks")
    parser.add_argument("--engine-only", action="store_true")
    parser.add_argument("--skip", default="", help="comma-separated module names to skip")
    parser.add_argument(
        "--soak-minutes",
        type=float,
        help="length of the soak row's run in minutes (default: benchmarks.soak.BENCH_MINUTES, "
        "an hour; under 45 its trend row says it is too short to judge)",
    )
    args = parser.parse_args()
    if args.soak_minutes is not None:
        os.environ["SHAPLENS_SOAK_MINUTES"] = str(args.soak_minutes)  # read in its own process
    skip = {name.strip().removeprefix("bench_") for name in args.skip.split(",") if name}
    modules = ENGINE_MODULES + (() if args.engine_only else OTHER_MODULES)

    from app.core.explain.engine import warm_up

    start = time.perf_counter()
    warm_up()
    rows = [
        Row(
            "engine warm_up (numba compile or cache load)",
            f"{time.perf_counter() - start:.1f} s",
            "-",
            None,
            "-",
        )
    ]
    for name in modules:
        if name.removeprefix("bench_") in skip:
            continue
        try:
            module = importlib.import_module(f"benchmarks.{name}")
        except ImportError:
            continue
        began = time.perf_counter()
        found = _run_in_own_process(name) if name in OWN_PROCESS else module.run()
        new = [_row(item) for item in found]
        rows.extend(new)
        # Progress on stderr, so a run cut short still shows what it measured.
        print(f"{name}: {time.perf_counter() - began:.0f} s", file=sys.stderr, flush=True)
        print(_table(new), file=sys.stderr, flush=True)
    print(
        f"ShapLens benchmarks - {platform.machine()}, {os.cpu_count()} cores, "
        f"{time.perf_counter() - start:.0f} s"
    )
    print(_table(rows))


if __name__ == "__main__":
    main()
