"""Render resources/app-icon/maskedit.svg to the PNG sizes desktops ask for.

    python packaging/render_app_icon.py          # writes resources/app-icon/maskedit-<size>.png
    python packaging/render_app_icon.py FOLDER   # or into FOLDER

Qt's own SVG renderer draws them offscreen (no display needed), so the PNGs are exactly what
Qt would draw from the SVG at that size. Run it again after changing the SVG and commit both.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

from PySide6.QtCore import QRectF, Qt
from PySide6.QtGui import QGuiApplication, QImage, QPainter
from PySide6.QtSvg import QSvgRenderer

from editor.resources import APP_ICON_DIR, APP_ICON_SIZES, APP_ICON_SVG, app_icon_png


def render(svg: Path, size: int) -> QImage:
    """The SVG drawn into a transparent size × size image."""
    renderer = QSvgRenderer(str(svg))
    if not renderer.isValid():
        raise ValueError(f"{svg} is not a valid SVG")
    image = QImage(size, size, QImage.Format.Format_ARGB32_Premultiplied)
    image.fill(Qt.GlobalColor.transparent)
    painter = QPainter(image)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform)
    renderer.render(painter, QRectF(0, 0, size, size))
    painter.end()
    return image.convertToFormat(QImage.Format.Format_ARGB32)


def main(argv: list[str]) -> int:
    folder = Path(argv[0]) if argv else APP_ICON_DIR
    folder.mkdir(parents=True, exist_ok=True)
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")  # no display needed
    _app = QGuiApplication.instance() or QGuiApplication([])
    for size in APP_ICON_SIZES:
        path = folder / app_icon_png(size).name
        if not render(APP_ICON_SVG, size).save(str(path), "PNG"):
            print(f"could not write {path}", file=sys.stderr)
            return 1
        print(path)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
