"""Line icons from resources/icons, recoloured to the current palette and rendered crisp.

The SVGs are drawn in pure black (#000000). At paint time each icon is recoloured with the
palette's text colour for its mode, so the same files work on light and dark themes, and it
is rasterised at the exact device pixel size asked for (no blurry scaling on HiDPI screens).
"""

from __future__ import annotations

import logging
from functools import cache
from typing import TYPE_CHECKING

from PySide6.QtCore import QByteArray, QRect, QRectF, QSize, Qt
from PySide6.QtGui import QColor, QGuiApplication, QIcon, QIconEngine, QPainter, QPalette, QPixmap
from PySide6.QtSvg import QSvgRenderer

from editor.resources import ICON_DIR

if TYPE_CHECKING:
    from pathlib import Path

log = logging.getLogger(__name__)

INK = "#000000"


def icon_path(name: str) -> Path:
    return ICON_DIR / f"{name}.svg"


@cache
def _svg_source(name: str) -> str:
    try:
        return icon_path(name).read_text(encoding="utf-8")
    except OSError:
        # A missing icon file must not stop the app: the action still has its text.
        log.warning("icon %s not found in %s", name, ICON_DIR)
        return ""


def ink_colour(mode: QIcon.Mode, palette: QPalette | None = None) -> QColor:
    """The colour an icon is drawn in for a mode, taken from the palette."""
    palette = palette or QGuiApplication.palette()
    if mode == QIcon.Mode.Disabled:
        return palette.color(QPalette.ColorGroup.Disabled, QPalette.ColorRole.ButtonText)
    if mode == QIcon.Mode.Selected:
        return palette.color(QPalette.ColorGroup.Active, QPalette.ColorRole.HighlightedText)
    return palette.color(QPalette.ColorGroup.Active, QPalette.ColorRole.ButtonText)


def render_svg(source: str, colour: QColor, size: QSize, scale: float = 1.0) -> QPixmap:
    """Rasterise `source` with its ink replaced by `colour` at size × scale device pixels."""
    device = QSize(max(1, round(size.width() * scale)), max(1, round(size.height() * scale)))
    pixmap = QPixmap(device)
    pixmap.fill(Qt.GlobalColor.transparent)
    tinted = source.replace(INK, colour.name(QColor.NameFormat.HexRgb))
    renderer = QSvgRenderer(QByteArray(tinted.encode("utf-8")))
    if renderer.isValid():
        painter = QPainter(pixmap)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        renderer.render(painter, QRectF(0, 0, device.width(), device.height()))
        if colour.alphaF() < 1.0:
            # The SVG carries no alpha of its own: fade the drawn ink for translucent colours.
            painter.setCompositionMode(QPainter.CompositionMode.CompositionMode_DestinationIn)
            painter.fillRect(pixmap.rect(), QColor(0, 0, 0, colour.alpha()))
        painter.end()
    pixmap.setDevicePixelRatio(scale)
    return pixmap


class TintedSvgIconEngine(QIconEngine):
    """Draws one SVG in the palette's colour for the requested mode, size and scale."""

    def __init__(self, name: str):
        super().__init__()
        self._name = name
        self._cache: dict[tuple, QPixmap] = {}

    def clone(self) -> QIconEngine:
        return TintedSvgIconEngine(self._name)

    def key(self) -> str:
        return "maskedit-tinted-svg"

    def iconName(self) -> str:
        return self._name

    def isNull(self) -> bool:
        return not _svg_source(self._name)

    def actualSize(self, size: QSize, mode: QIcon.Mode, state: QIcon.State) -> QSize:
        side = min(size.width(), size.height())
        return QSize(side, side)

    def pixmap(self, size: QSize, mode: QIcon.Mode, state: QIcon.State) -> QPixmap:
        return self.scaledPixmap(size, mode, state, 1.0)

    def scaledPixmap(self, size: QSize, mode: QIcon.Mode, state: QIcon.State, scale: float) -> QPixmap:
        size = self.actualSize(size, mode, state)
        colour = ink_colour(mode)
        cache_key = (size.width(), size.height(), round(scale, 3), colour.rgba())
        pixmap = self._cache.get(cache_key)
        if pixmap is None:
            if len(self._cache) > 32:  # palette changes and odd sizes must not pile up
                self._cache.clear()
            pixmap = render_svg(_svg_source(self._name), colour, size, scale)
            self._cache[cache_key] = pixmap
        return pixmap

    def paint(self, painter: QPainter, rect: QRect, mode: QIcon.Mode, state: QIcon.State) -> None:
        scale = painter.device().devicePixelRatioF() if painter.device() else 1.0
        pixmap = self.scaledPixmap(rect.size(), mode, state, scale)
        painter.drawPixmap(rect, pixmap)


def icon(name: str) -> QIcon:
    """The named icon from resources/icons (an empty icon if the file is missing)."""
    if not _svg_source(name):
        return QIcon()
    return QIcon(TintedSvgIconEngine(name))


def pixmap(name: str, side: int, colour: QColor, scale: float = 1.0) -> QPixmap:
    """A single rendering in an explicit colour (e.g. the large empty-state picture)."""
    return render_svg(_svg_source(name), colour, QSize(side, side), scale)
