"""The GUI verb is the default and takes the files to open, including explained folders."""

from __future__ import annotations

from pathlib import Path

from app.cli import _verbs, build_parser


def test_gui_is_the_default_verb_and_takes_an_explained_folder() -> None:
    parser = build_parser(_verbs())
    args = parser.parse_args(["gui", "--explained", "values"])
    assert args.verb == "gui" and args.explained == Path("values")
    args = parser.parse_args(["gui", "--model", "m.txt", "--data", "d.csv", "--label", "y"])
    assert (args.model, args.data, args.label) == (Path("m.txt"), Path("d.csv"), "y")
    assert args.explained is None
