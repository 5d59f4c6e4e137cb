"""The `shaplens` command: the GUI by default, headless verbs for scripts and CI.

Each verb lives in its own module under app/commands/ with `add_arguments(parser)` and
`run(args) -> int`, and has one line in VERBS below. A verb's module is imported only when that
verb is run (or asked for its own --help): `shaplens --help` imports none of them, and
`shaplens explain` never pays for what `compare` or the window need. Qt is imported only by the
verbs that draw.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Iterable
from dataclasses import dataclass
from types import ModuleType

from app import __version__
from app.core.base.errors import ShapLensError

DEFAULT_VERB = "gui"


@dataclass(frozen=True)
class Verb:
    """One verb: where its module is and the line `shaplens --help` shows for it."""

    name: str
    module: str
    help: str

    def load(self) -> ModuleType:
        return importlib.import_module(self.module)

    def add_arguments(self, parser: argparse.ArgumentParser) -> None:
        self.load().add_arguments(parser)

    def run(self, args: argparse.Namespace) -> int:
        return int(self.load().run(args) or 0)


def _verb(name: str, help: str) -> Verb:
    return Verb(name, "app.commands." + name.replace("-", "_"), help)


VERBS: dict[str, Verb] = {
    verb.name: verb
    for verb in (
        _verb("audit", "report accuracy, fairness per group and the slices where the model errs most"),
        _verb("compare", "compare two model versions on the same data: metrics, flipped rows, attribution change"),
        _verb("counterfactual", "find the fewest, smallest feature changes that flip one row's prediction (tree models)"),
        _verb("drift", "compare a current dataset with a reference: PSI, tests, explanation drift per feature"),
        _verb("explain", "compute SHAP values for every row and write them to Parquet"),
        _verb("export", "draw a figure (importance, beeswarm, waterfall, pdp, ice, decision, roc, ...) to a file"),
        _verb("glossary", "create a glossary file (display names, units, value labels) from a dataset"),
        _verb("gui", "open the desktop app (the default when no verb is given)"),
        _verb("inspect", "describe a model: framework, task, trees, features used, memory, training parameters"),
        _verb("install-desktop", "add ShapLens to the desktop's application menu (Linux, for this user; --uninstall removes it)"),
        _verb("interactions", "compute exact SHAP interaction values (M x M per row) and write them to Parquet"),
        _verb("latency", "measure prediction and explanation latency and batch throughput; exit 1 if over budget"),
        _verb("pdp", "partial dependence (and ICE lines) of one feature, to CSV"),
        _verb("report", "write a self-contained HTML or PDF report of the review: importance, groups, rows, ..."),
    )
}  # fmt: skip


def _verbs() -> dict[str, Verb]:
    return dict(VERBS)


def build_parser(
    verbs: dict[str, Verb], with_arguments: Iterable[str] | None = None
) -> argparse.ArgumentParser:
    """The whole command line; only the verbs in `with_arguments` (default: all) get their
    own arguments, which imports their modules."""
    wanted = set(verbs if with_arguments is None else with_arguments)
    parser = argparse.ArgumentParser(
        prog="shaplens",
        description="Explain tabular models with exact SHAP values. Without a verb, opens the app.",
    )
    parser.add_argument("--version", action="version", version=f"shaplens {__version__}")
    sub = parser.add_subparsers(dest="verb", metavar="VERB")
    for name, verb in verbs.items():
        verb_parser = sub.add_parser(name, help=verb.help, description=verb.help)
        verb_parser.add_argument("--verbose", action="store_true", help="log debug details")
        if name in wanted:
            verb.add_arguments(verb_parser)
    return parser


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    verbs = _verbs()
    if not argv or (argv[0] not in verbs and argv[0] not in ("-h", "--help", "--version")):
        argv = [DEFAULT_VERB, *argv]
    # Only the verb being run has its arguments (and so its module) loaded.
    args = build_parser(verbs, [argv[0]] if argv[0] in verbs else []).parse_args(argv)
    try:
        status = verbs[args.verb].run(args)
        # Flushed here so a reader that went away is met below, not at interpreter exit.
        sys.stdout.flush()
        return status
    except ShapLensError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("error: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        return _reader_went_away()


def _reader_went_away() -> int:
    """Stop quietly when the reader of our output closes it (`shaplens inspect ... | head`).

    Python would otherwise print a traceback, and again at exit when it flushes stdout; pointing
    stdout at /dev/null stops the second one. 141 is what a shell reports for a SIGPIPE death.
    """
    import os

    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, sys.stdout.fileno())
    os.close(devnull)
    return 141


if __name__ == "__main__":
    sys.exit(main())
