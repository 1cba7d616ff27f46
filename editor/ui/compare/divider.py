"""The split divider's handle: where it can be grabbed and how it is drawn (no state, no events).

A line the height of the view with a round grip knob in its middle, as in Lightroom's before and
after: the user drags the handle, not the photo. It is drawn in the theme's colours: the text
colour over a halo of the surround reads on any photo, and the accent marks it while it is under
the pointer or dragged.
"""

from __future__ import annotations

from PySide6.QtCore import QPointF, QRect, Qt
from PySide6.QtGui import QColor, QPainter, QPen, QPolygonF

from editor.ui import theme

GRAB_PX = 8  # either side of the line
KNOB_RADIUS_PX = 14.0
_LINE_PX = 2.0
_HALO_PX = 4.0
_HALO_ALPHA = 150
_ARROW_PX = 4.0  # half the height of each grip arrow
# Widget px either side of the line the handle may paint or be grabbed in.
REACH_PX = int(KNOB_RADIUS_PX) + 2


def knob_centre(x: int, height: int) -> QPointF:
    return QPointF(x, height / 2)


def grabbed(pos: QPointF, x: int, height: int) -> bool:
    """Whether a press at `pos` takes the handle of a divider at `x`: on the line or on its knob."""
    if abs(pos.x() - x) <= GRAB_PX:
        return True
    offset = pos - knob_centre(x, height)
    return offset.x() ** 2 + offset.y() ** 2 <= (KNOB_RADIUS_PX + 2) ** 2


def swept_rect(old_x: int, new_x: int, height: int) -> QRect:
    """The widget rect to repaint when the divider moves from `old_x` to `new_x` (or changes look)."""
    left, right = sorted((old_x, new_x))
    return QRect(left - REACH_PX, 0, right - left + 2 * REACH_PX, height)


def paint_divider(painter: QPainter, x: int, height: int, *, hot: bool) -> None:
    """The line and its knob at `x`; `hot`: under the pointer or being dragged."""
    colours = theme.current()
    ink = colours.colour("accent") if hot else colours.colour("text")
    halo = colours.colour("canvas_surround")
    halo.setAlpha(_HALO_ALPHA)
    painter.save()
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    for colour, width in ((halo, _HALO_PX), (ink, _LINE_PX)):
        painter.setPen(QPen(colour, width))
        painter.drawLine(QPointF(x, 0), QPointF(x, height))
    centre = knob_centre(x, height)
    painter.setPen(QPen(ink if hot else colours.colour("border"), 1.5))
    painter.setBrush(colours.colour("panel"))
    painter.drawEllipse(centre, KNOB_RADIUS_PX, KNOB_RADIUS_PX)
    painter.setPen(Qt.PenStyle.NoPen)
    painter.setBrush(QColor(ink))
    for side in (-1, 1):  # ◂ ▸: it moves sideways
        tip, base = centre.x() + side * 9.0, centre.x() + side * 4.0
        painter.drawPolygon(QPolygonF([QPointF(tip, centre.y()), QPointF(base, centre.y() - _ARROW_PX),
                                       QPointF(base, centre.y() + _ARROW_PX)]))
    painter.restore()
