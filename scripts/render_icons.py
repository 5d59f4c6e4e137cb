"""Render resources/icons/shaplens.svg to the PNG sizes desktops ask for (16-512 px).

Run after editing the SVG master: `.venv/bin/python scripts/render_icons.py`. Qt draws the SVG,
so the PNGs match what the window shows when it renders the SVG itself.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtCore import Qt
from PySide6.QtGui import QGuiApplication, QImage, QPainter
from PySide6.QtSvg import QSvgRenderer

ICONS = Path(__file__).resolve().parents[1] / "resources" / "icons"
SIZES = (16, 22, 24, 32, 48, 64, 128, 256, 512)


def render(size: int, renderer: QSvgRenderer) -> QImage:
    image = QImage(size, size, QImage.Format.Format_ARGB32_Premultiplied)
    image.fill(Qt.GlobalColor.transparent)
    painter = QPainter(image)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    renderer.render(painter)
    painter.end()
    return image


def main() -> int:
    _app = QGuiApplication(sys.argv[:1])
    renderer = QSvgRenderer(str(ICONS / "shaplens.svg"))
    if not renderer.isValid():
        print("error: shaplens.svg is not a valid SVG", file=sys.stderr)
        return 2
    for size in SIZES:
        target = ICONS / f"shaplens-{size}.png"
        if not render(size, renderer).save(str(target), "PNG"):
            print(f"error: could not write {target}", file=sys.stderr)
            return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
