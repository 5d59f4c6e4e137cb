"""The application icon, built from the bundled SVG master and its rendered PNG sizes."""

from __future__ import annotations

import logging

from PySide6.QtGui import QIcon

from app import bundled

log = logging.getLogger(__name__)


def application_icon() -> QIcon:
    """Every bundled size, so each place (title bar, task bar, About box) takes a sharp one.

    A missing icon is not worth refusing to start: the window opens with Qt's default and the
    log says which file was absent.
    """
    icon = QIcon()
    try:
        for path in bundled.icon_pngs().values():
            icon.addFile(str(path))
        icon.addFile(str(bundled.icon_svg()))
    except bundled.BundledFileMissing as error:
        log.warning("no application icon: %s", error)
    return icon
