"""Zoom and pan as pure coordinate math between image pixels and widget pixels (no widgets)."""

from __future__ import annotations

import bisect
import math
from dataclasses import dataclass

from PySide6.QtCore import QPointF, QRect, QRectF
from PySide6.QtGui import QTransform

MIN_SCALE = 0.01
MAX_SCALE = 32.0
# The ladder Ctrl+= / Ctrl+- climb, as in Photoshop: round percentages users recognise.
ZOOM_STEPS = (0.01, 0.02, 0.03, 0.04, 0.05, 0.0625, 0.0833, 0.125, 0.1667, 0.25, 0.3333, 0.5, 0.6667,
              1.0, 1.5, 2.0, 3.0, 4.0, 6.0, 8.0, 12.0, 16.0, 24.0, 32.0)
# Panning may not push the image further out than this: some of it always stays in view.
KEEP_VISIBLE_PX = 48.0


def clamp_scale(scale: float) -> float:
    return min(MAX_SCALE, max(MIN_SCALE, float(scale)))


def next_zoom_step(scale: float, direction: int) -> float:
    """The next ladder step above (direction > 0) or below (direction < 0) the current scale."""
    if direction > 0:
        index = bisect.bisect_right(ZOOM_STEPS, scale * 1.001)
        return ZOOM_STEPS[min(index, len(ZOOM_STEPS) - 1)]
    index = bisect.bisect_left(ZOOM_STEPS, scale / 1.001) - 1
    return ZOOM_STEPS[max(index, 0)]


@dataclass(frozen=True)
class ViewTransform:
    """Maps image pixels to widget pixels: widget = image × scale + offset.

    Immutable: zooming and panning return new transforms, so the view can diff old and new.
    """

    scale: float = 1.0
    dx: float = 0.0
    dy: float = 0.0

    def __post_init__(self) -> None:
        # Always floats: arithmetic on ints (a 48 MP photo at 100 %) gave an int offset, and
        # int.is_integer() does not exist before Python 3.12 (Ctrl+1 opened a crash dialog).
        for name in ("scale", "dx", "dy"):
            object.__setattr__(self, name, float(getattr(self, name)))

    def to_widget(self, point: QPointF) -> QPointF:
        return QPointF(point.x() * self.scale + self.dx, point.y() * self.scale + self.dy)

    def to_image(self, point: QPointF) -> QPointF:
        return QPointF((point.x() - self.dx) / self.scale, (point.y() - self.dy) / self.scale)

    def rect_to_widget(self, rect: QRectF) -> QRectF:
        return QRectF(rect.x() * self.scale + self.dx, rect.y() * self.scale + self.dy,
                      rect.width() * self.scale, rect.height() * self.scale)

    def rect_to_image(self, rect: QRectF) -> QRectF:
        return QRectF((rect.x() - self.dx) / self.scale, (rect.y() - self.dy) / self.scale,
                      rect.width() / self.scale, rect.height() / self.scale)

    def widget_rect_of(self, image_rect: QRect, pad: int = 1) -> QRect:
        """The whole widget pixels an image rect touches, padded for smoothing and antialiasing."""
        return self.rect_to_widget(QRectF(image_rect)).toAlignedRect().adjusted(-pad, -pad, pad, pad)

    def image_rect_of(self, widget_rect: QRect, width: int, height: int, pad: int = 0) -> QRect:
        """The whole image pixels needed to paint a widget rect, clipped to the image.

        `pad` adds that many pixels on each side of a rect that is not empty: smooth (bilinear)
        sampling blends each pixel with its neighbours, and without them the pixels at the rect's
        edge would be blended with copies of themselves, a seam where two repaints meet.
        """
        area = self.rect_to_image(QRectF(widget_rect))
        left, top = max(0, math.floor(area.left())), max(0, math.floor(area.top()))
        right = min(width, math.ceil(area.right()))
        bottom = min(height, math.ceil(area.bottom()))
        if right <= left or bottom <= top:
            return QRect()
        left, top = max(0, left - pad), max(0, top - pad)
        right, bottom = min(width, right + pad), min(height, bottom + pad)
        return QRect(left, top, right - left, bottom - top)

    def qtransform(self) -> QTransform:
        return QTransform(self.scale, 0.0, 0.0, self.scale, self.dx, self.dy)

    def zoomed(self, scale: float, anchor: QPointF) -> ViewTransform:
        """Change the scale keeping the image point under the widget point `anchor` where it is."""
        scale = clamp_scale(scale)
        image_point = self.to_image(anchor)
        dx, dy = anchor.x() - image_point.x() * scale, anchor.y() - image_point.y() * scale
        return ViewTransform(scale, dx, dy)

    def panned(self, dx: float, dy: float) -> ViewTransform:
        return ViewTransform(self.scale, self.dx + dx, self.dy + dy)

    def constrained(self, view_w: float, view_h: float, image_w: float, image_h: float) -> ViewTransform:
        """Pull the image back so at least KEEP_VISIBLE_PX of it (or all of it, if smaller) shows."""
        dx = _keep_visible(self.dx, image_w * self.scale, view_w)
        dy = _keep_visible(self.dy, image_h * self.scale, view_h)
        return self if (dx, dy) == (self.dx, self.dy) else ViewTransform(self.scale, dx, dy)

    @classmethod
    def fit(cls, image_w: float, image_h: float, view_w: float, view_h: float,
            margin: float = 8.0) -> ViewTransform:
        """The whole image centred in the view, as large as fits inside the margin."""
        if image_w <= 0 or image_h <= 0:
            return cls()
        room_w, room_h = max(1.0, view_w - 2 * margin), max(1.0, view_h - 2 * margin)
        scale = clamp_scale(min(room_w / image_w, room_h / image_h))
        return cls(scale, (view_w - image_w * scale) / 2, (view_h - image_h * scale) / 2)

    @classmethod
    def centred(cls, scale: float, image_w: float, image_h: float, view_w: float,
                view_h: float) -> ViewTransform:
        scale = clamp_scale(scale)
        return cls(scale, (view_w - image_w * scale) / 2, (view_h - image_h * scale) / 2)


def _keep_visible(offset: float, extent: float, view: float) -> float:
    keep = min(KEEP_VISIBLE_PX, extent)
    # Image edge positions: left = offset, right = offset + extent.
    low, high = keep - extent, view - keep
    return min(high, max(low, offset))
