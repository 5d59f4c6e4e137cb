"""What an installed ShapLens carries: every package of app/, the sample, the icon, the desktop
entry. The wheel itself is built and run in tests/cli/test_installed_wheel.py."""

from __future__ import annotations

import struct
import tomllib
from pathlib import Path

from app import bundled

ROOT = Path(__file__).resolve().parents[2]


def listed_packages() -> set[str]:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    return set(config["tool"]["setuptools"]["packages"])


def test_every_folder_of_app_is_packaged() -> None:
    found = {
        ".".join(folder.relative_to(ROOT).parts)
        for folder in (ROOT / "app").rglob("*")
        if folder.is_dir() and any(folder.glob("*.py"))
    } | {"app"}
    missing = found - listed_packages()
    assert not missing, f"add these to [tool.setuptools] packages in pyproject.toml: {missing}"


def test_bundled_sample_is_the_repositorys() -> None:
    sample = bundled.sample()
    assert sample.model == ROOT / "sample_models" / "adult_lgbm.txt"
    assert sample.data == ROOT / "sample_models" / "adult.parquet"
    assert sample.label == "income_gt_50k"


def png_size(path: Path) -> tuple[int, int]:
    header = path.read_bytes()[:24]
    assert header[:8] == b"\x89PNG\r\n\x1a\n", f"{path.name} is not a PNG"
    return struct.unpack(">II", header[16:24])


def test_icon_comes_in_every_size_from_16_to_512() -> None:
    pngs = bundled.icon_pngs()
    assert {16, 32, 48, 64, 128, 256, 512} <= set(pngs)
    for size, path in pngs.items():
        assert png_size(path) == (size, size)
    assert "<svg" in bundled.icon_svg().read_text(encoding="utf-8")


def test_desktop_entry_names_the_app_and_its_icon() -> None:
    lines = bundled.desktop_entry().read_text(encoding="utf-8").splitlines()
    assert lines[0] == "[Desktop Entry]"
    entry = dict(line.split("=", 1) for line in lines[1:] if "=" in line)
    assert entry["Type"] == "Application" and entry["Name"] == "ShapLens"
    assert entry["Icon"] == "shaplens" and "@EXEC@" in entry["Exec"]
