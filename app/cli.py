"""The `shaplens` command: the GUI by default, headless verbs for scripts and CI.

Each verb lives in its own module under app/commands/ and exposes `NAME`, `HELP`,
`add_arguments(parser)` and `run(args) -> int`; they are discovered, so adding a verb touches no
shared file. Qt is imported only by the verbs that draw.
"""

from __future__ import annotations

import argparse
import importlib
import pkgutil
import sys
from types import ModuleType

import app.commands
from app import __version__
from app.core.base.errors import ShapLensError

DEFAULT_VERB = "gui"


def _verbs() -> dict[str, ModuleType]:
    modules = {}
    for info in pkgutil.iter_modules(app.commands.__path__):
        if info.name.startswith("_"):
            continue
        module = importlib.import_module(f"app.commands.{info.name}")
        modules[module.NAME] = module
    return dict(sorted(modules.items()))


def build_parser(verbs: dict[str, ModuleType]) -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="shaplens",
        description="Explain tabular models with exact SHAP values. Without a verb, opens the app.",
    )
    parser.add_argument("--version", action="version", version=f"shaplens {__version__}")
    sub = parser.add_subparsers(dest="verb", metavar="VERB")
    for name, module in verbs.items():
        verb_parser = sub.add_parser(name, help=module.HELP, description=module.HELP)
        verb_parser.add_argument("--verbose", action="store_true", help="log debug details")
        module.add_arguments(verb_parser)
    return parser


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    verbs = _verbs()
    if not argv or (argv[0] not in verbs and argv[0] not in ("-h", "--help", "--version")):
        argv = [DEFAULT_VERB, *argv]
    args = build_parser(verbs).parse_args(argv)
    try:
        return int(verbs[args.verb].run(args) or 0)
    except ShapLensError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("error: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
