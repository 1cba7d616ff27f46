"""Widget tests (pytest-qt, offscreen) and the canvas driver they share.

CanvasDriver sends real QTest mouse and key events to a CanvasView, addressed in image
coordinates, so the tests read like what a user does to the photo.
"""

from __future__ import annotations

import itertools

import numpy as np
from PySide6.QtCore import QEvent, QPoint, QPointF, Qt
from PySide6.QtGui import QColor, QImage, QMouseEvent
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication

from editor.core.mask_layer import BrushDab, MaskLayer
from editor.ui.canvas import CanvasView

PHOTO_W, PHOTO_H = 200, 150
# 8 px fit margin on each side: the photo fits at exactly 100 %, at widget offset (8, 8).
VIEW_W, VIEW_H = PHOTO_W + 16, PHOTO_H + 16


def photo_from_array(rgb: np.ndarray) -> QImage:
    """A Format_RGB32 photo from an (h, w, 3) uint8 RGB array (it owns a copy of the pixels)."""
    height, width = rgb.shape[:2]
    rgb = np.ascontiguousarray(rgb, dtype=np.uint8)
    return QImage(rgb.data, width, height, width * 3, QImage.Format.Format_RGB888).convertToFormat(
        QImage.Format.Format_RGB32)


def solid_photo(width: int = PHOTO_W, height: int = PHOTO_H, color: QColor | None = None) -> QImage:
    photo = QImage(width, height, QImage.Format.Format_RGB32)
    photo.fill(color or QColor(90, 120, 150))
    return photo


class CanvasDriver:
    """A shown CanvasView with a photo and mask, driven by real QTest events in image coordinates."""

    def __init__(self, qtbot, photo: QImage | None = None, size: tuple[int, int] = (VIEW_W, VIEW_H)) -> None:
        self.view = CanvasView()
        qtbot.addWidget(self.view)
        self.view.resize(*size)
        self.view.show()
        qtbot.waitExposed(self.view)
        self.photo = photo if photo is not None else solid_photo()
        self.mask = MaskLayer(self.photo.width(), self.photo.height())
        self.view.set_content(self.photo, self.mask)
        self.view.set_brush(BrushDab(diameter=10, hardness=1.0, opacity=1.0, spacing=0.15))

    def at(self, x: float, y: float) -> QPoint:
        return self.view.image_to_widget(QPointF(x, y)).toPoint()

    def drag(self, points, button=Qt.MouseButton.LeftButton, modifiers=Qt.KeyboardModifier.NoModifier,
             step: float = 4.0) -> None:
        """Press at the first image point, move through the others in small steps, release at the last."""
        points = list(points)
        QTest.mousePress(self.view, button, modifiers, self.at(*points[0]))
        for (x0, y0), (x1, y1) in itertools.pairwise(points):
            count = max(1, int(max(abs(x1 - x0), abs(y1 - y0)) / step))
            for i in range(1, count + 1):
                f = i / count
                self.move(x0 + (x1 - x0) * f, y0 + (y1 - y0) * f, button, modifiers)
        QTest.mouseRelease(self.view, button, modifiers, self.at(*points[-1]))

    def move(self, x: float, y: float, button=Qt.MouseButton.NoButton,
             modifiers=Qt.KeyboardModifier.NoModifier) -> None:
        # QTest.mouseMove cannot carry buttons or modifiers; a real event can.
        pos = QPointF(self.at(x, y))
        event = QMouseEvent(QEvent.Type.MouseMove, pos, self.view.mapToGlobal(pos), Qt.MouseButton.NoButton,
                            button, modifiers)
        QApplication.sendEvent(self.view, event)

    def click(self, x: float, y: float, button=Qt.MouseButton.LeftButton,
              modifiers=Qt.KeyboardModifier.NoModifier) -> None:
        QTest.mouseClick(self.view, button, modifiers, self.at(x, y))

    def widget_pixel(self, x: int, y: int) -> QColor:
        """The colour the view shows at image pixel (x, y) (the pixel's centre)."""
        image = self.view.grab().toImage()
        return image.pixelColor(self.view.image_to_widget(QPointF(x + 0.5, y + 0.5)).toPoint())
