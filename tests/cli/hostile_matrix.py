"""The verb table and the checks behind the hostile-input matrix (issue 21): every verb that reads
a model, a dataset or writes a file, run on each class of hostile file.

Each verb's command line is a template whose slots (MODEL, MODEL_B, DATA, DATA_B, OUT) are filled
with good files except the one slot under test. A slot is a "role": (verb, slot). The good files
are a tiny LightGBM model on scikit-learn's bundled breast-cancer data and that data, so the
verbs that do succeed finish in well under a second.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import json
import os
import sys
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from tests.core import hostile_models as H

LABEL = "target"

# Every verb of `shaplens` that reads a model or a dataset or writes a file, with the least
# command line that makes it do its whole job. gui and install-desktop read none of these.
VERBS: dict[str, tuple[str, ...]] = {
    "audit": ("--model", "MODEL", "--data", "DATA", "--label", LABEL, "--out", "OUT.json"),
    "compare": ("--model", "MODEL", "--model-b", "MODEL_B", "--data", "DATA", "--label", LABEL,
                "--shap-rows", "50", "--out", "OUT.json"),
    "counterfactual": ("--model", "MODEL", "--data", "DATA", "--label", LABEL, "--row", "0",
                       "--seconds", "0.5", "--out", "OUT.json"),
    "drift": ("--model", "MODEL", "--reference", "DATA", "--current", "DATA_B",
              "--shap-rows", "50", "--out", "OUT.json"),
    "explain": ("--model", "MODEL", "--data", "DATA", "--label", LABEL, "--out", "OUT.parquet"),
    "export": ("--model", "MODEL", "--data", "DATA", "--label", LABEL, "--view", "importance",
               "--width", "400", "--height", "300", "--out", "OUT.png"),
    "glossary": ("--data", "DATA", "--model", "MODEL", "--label", LABEL, "--out", "OUT.yaml"),
    "inspect": ("--model", "MODEL", "--data", "DATA", "--no-memory", "--shap-rows", "50"),
    "interactions": ("--model", "MODEL", "--data", "DATA", "--label", LABEL, "--rows", "0-1",
                     "--out", "OUT.parquet"),
    "latency": ("--model", "MODEL", "--data", "DATA", "--seconds", "1", "--no-explain"),
    "pdp": ("--model", "MODEL", "--data", "DATA", "--label", LABEL, "--feature", "FEATURE",
            "--grid", "5", "--out", "OUT.csv"),
    "report": ("--model", "MODEL", "--data", "DATA", "--label", LABEL, "--sample", "50",
               "--no-figures", "--compare-model", "MODEL_B", "--drift-data", "DATA_B",
               "--out", "OUT.html"),
}  # fmt: skip


def roles(slot: str) -> list[tuple[str, str]]:
    """(verb, slot) for every place the verbs take a file of this kind ("MODEL" also finds
    MODEL_B; "OUT" every verb that writes)."""
    return [(v, s) for v, line in VERBS.items() for s in line if s.split(".")[0].startswith(slot)]


MODEL_ROLES = roles("MODEL")
DATA_ROLES = roles("DATA")
OUT_ROLES = roles("OUT")


def role_id(role: tuple[str, str]) -> str:
    return f"{role[0]}:{role[1].split('.')[0].lower()}"


@dataclass(frozen=True)
class Good:
    """Files every verb accepts; a role swaps one of them for a hostile one."""

    model: Path
    model_json: Path  # the same model as LightGBM's JSON dump: an input named like an output
    data: Path
    feature: str

    def files(self) -> list[Path]:
        return [self.model, self.model_json, self.data]

    def argv(
        self, verb: str, slot: str, hostile: Path, out_dir: Path, out: Path | None = None
    ) -> list[str]:
        fill = {"MODEL": self.model, "MODEL_B": self.model_json, "DATA": self.data,
                "DATA_B": self.data, "FEATURE": self.feature}  # fmt: skip
        line = []
        for word in VERBS[verb]:
            if word == slot:
                line.append(str(hostile))
            elif word.startswith("OUT"):
                line.append(str(out or out_dir / f"out{Path(word).suffix}"))
            else:
                line.append(str(fill.get(word, word)))
        return [verb, *line]


def make_good(folder: Path) -> Good:
    """A 3-tree LightGBM model on 6 breast-cancer features and its 300 rows as Parquet."""
    import lightgbm as lgb
    import pandas as pd

    X, y, names = H.cancer()
    booster = lgb.train(
        {"objective": "binary", "num_leaves": 4, "seed": H.SEED, "verbose": -1},
        lgb.Dataset(X, y, feature_name=names),
        3,
    )
    model = folder / "good_model.txt"
    booster.save_model(str(model))
    model_json = folder / "good_model.json"
    model_json.write_text(json.dumps(booster.dump_model()))
    frame = pd.DataFrame(X, columns=names).assign(**{LABEL: y})
    data = folder / "good_data.parquet"
    frame.to_parquet(data, index=False)
    return Good(model, model_json, data, names[0])


def fingerprint(paths: Iterable[Path]) -> dict[str, str]:
    """Contents of the regular files among `paths` (FIFOs, folders and devices are not read)."""
    out = {}
    for path in paths:
        if path.is_file() and not path.is_symlink():
            out[str(path)] = hashlib.sha256(path.read_bytes()).hexdigest()
    return out


def listing(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir())


def check_outcome(code: int, err: str, *names: str) -> None:
    """Exit 2 and exactly one line on stderr: `error:` naming one of `names`, no traceback."""
    lines = [line for line in err.splitlines() if line.strip()]
    assert "Traceback" not in err, err
    assert code == 2, (code, err)
    assert len(lines) == 1 and lines[0].startswith("error:"), err
    assert any(name in lines[0] for name in names), (names, lines[0])


def run_in_process(argv: list[str]) -> tuple[int, str]:
    """main() with stdout and stderr captured; an escaping exception becomes a traceback in the
    captured text (what a user would have seen), so the checks report it like any other."""
    from app.cli import main

    err, out = io.StringIO(), io.StringIO()
    with contextlib.redirect_stderr(err), contextlib.redirect_stdout(out):
        try:
            code = main(argv)
        except SystemExit as stop:
            code = stop.code if isinstance(stop.code, int) else 1
        except BaseException:
            import traceback

            traceback.print_exc()
            code = 1
    return code, err.getvalue()


CHILD = """
import json, sys
from pathlib import Path
from tests.cli.hostile_matrix import run_in_process
results = {}
for key, argv in json.loads(sys.argv[1]).items():
    results[key] = run_in_process(argv)
print("RESULT" + json.dumps(results))
"""


def run_in_child(runs: dict[str, list[str]], cwd: Path) -> dict[str, tuple[int, str]]:
    """Every argv in one fresh interpreter: a model that crashes a native reader fails the test
    with the child's exit status instead of killing the test run."""
    import subprocess

    from tests.conftest import ROOT

    boot = f"import sys; sys.path.insert(0, {str(ROOT)!r})\n" + CHILD
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
    result = subprocess.run(
        [sys.executable, "-I", "-c", boot, json.dumps(runs)],
        cwd=cwd, capture_output=True, text=True, timeout=240, env=env,
        stdin=subprocess.DEVNULL,
    )  # fmt: skip
    assert result.returncode == 0, f"child exited {result.returncode}: {result.stderr[-3000:]}"
    line = next(x for x in result.stdout.splitlines() if x.startswith("RESULT"))
    return {k: (v[0], v[1]) for k, v in json.loads(line[len("RESULT") :]).items()}
