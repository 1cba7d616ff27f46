"""Pure shape math for the selection tools: constrained rectangles and ellipses, closed paths."""

from __future__ import annotations

import math
from collections.abc import Sequence

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QPainterPath, QPolygonF


def drag_rect(anchor: QPointF, current: QPointF, *, square: bool) -> QRectF:
    """The rectangle spanned by a drag; `square` (Shift) makes it a square in the drag's direction."""
    dx, dy = current.x() - anchor.x(), current.y() - anchor.y()
    if square:
        side = max(abs(dx), abs(dy))
        dx, dy = math.copysign(side, dx), math.copysign(side, dy)
    return QRectF(anchor, QPointF(anchor.x() + dx, anchor.y() + dy)).normalized()


def rect_path(rect: QRectF) -> QPainterPath:
    path = QPainterPath()
    path.addRect(rect)
    return path


def ellipse_path(rect: QRectF) -> QPainterPath:
    path = QPainterPath()
    path.addEllipse(rect)
    return path


def polygon_path(points: Sequence[QPointF], *, closed: bool = True) -> QPainterPath:
    """A path through the points; closed paths fill with the winding rule so crossings stay filled."""
    path = QPainterPath()
    if not points:
        return path
    path.addPolygon(QPolygonF(list(points)))
    if closed:
        path.closeSubpath()
    path.setFillRule(Qt.FillRule.WindingFill)
    return path


def distance(a: QPointF, b: QPointF) -> float:
    return math.hypot(a.x() - b.x(), a.y() - b.y())
