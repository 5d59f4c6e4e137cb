"""Files that ship inside the package: the sample model and data, and the application icon.

In the repository they live in the top-level `sample_models/` and `resources/` folders; the
wheel maps them to the packages `app.sample_models` and `app.resources` (pyproject.toml), so an
installed ShapLens finds them without the repository.
"""

from __future__ import annotations

import importlib.util
from dataclasses import dataclass
from pathlib import Path


class BundledFileMissing(FileNotFoundError):
    """A file the package should carry is absent: the installation is incomplete."""


@dataclass(frozen=True)
class Sample:
    model: Path
    data: Path
    label: str


def _folder(package: str) -> Path:
    spec = importlib.util.find_spec(f"app.{package}")
    locations = list(spec.submodule_search_locations or []) if spec else []
    if not locations:
        raise BundledFileMissing(
            f"ShapLens's {package} folder is missing from this installation; reinstall ShapLens "
            "(pip install --force-reinstall shaplens)."
        )
    return Path(locations[0])


def _file(package: str, name: str) -> Path:
    path = _folder(package) / name
    if not path.is_file():
        raise BundledFileMissing(
            f"{name} is missing from ShapLens's {package} folder ({path.parent}); reinstall "
            "ShapLens (pip install --force-reinstall shaplens)."
        )
    return path


def sample() -> Sample:
    """UCI Adult with the LightGBM model trained on it (sample_models/README.md)."""
    return Sample(
        _file("sample_models", "adult_lgbm.txt"),
        _file("sample_models", "adult.parquet"),
        "income_gt_50k",
    )


def icon_svg() -> Path:
    return _file("resources", "icons/shaplens.svg")


def icon_pngs() -> dict[int, Path]:
    """Every rendered size of the icon, by its side in pixels."""
    folder = _folder("resources") / "icons"
    found = {}
    for path in folder.glob("shaplens-*.png"):
        size = path.stem.rsplit("-", 1)[1]
        if size.isdigit():
            found[int(size)] = path
    return dict(sorted(found.items()))


def desktop_entry() -> Path:
    return _file("resources", "shaplens.desktop")
