"""The Extend tool: drag the canvas's edges outward, like a crop frame dragged past the photo.

A press in the outer third of the photo (or beyond it) grabs the nearest edge, or both edges of a
corner; dragging outward adds that many image pixels on those sides, shown as the new canvas's
outline; releasing asks the host to extend the canvas (one undo step, the band as last chosen).
Dragging back inward takes the room away again; Esc drops the drag.
"""

from __future__ import annotations

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QPainterPath

from editor.imaging.extend import Extension
from editor.ui.canvas.tool_base import CanvasTool, Pointer

# Within this share of the photo's width (height) from an edge, a press grabs that edge.
_EDGE_SHARE = 1 / 3


class ExtendTool(CanvasTool):
    """Drags the canvas's edges outward; see the module's docstring."""

    name = "extend"
    cursor = Qt.CursorShape.SizeAllCursor

    def __init__(self, host) -> None:
        super().__init__(host)
        self._start: QPointF | None = None
        self._grabbed: tuple[bool, bool, bool, bool] = (False, False, False, False)
        self._size: tuple[int, int] = (0, 0)
        self._extension = Extension()

    def press(self, pointer: Pointer) -> None:
        mask = self.host.mask_layer()
        if mask is None:
            return
        width, height = mask.width, mask.height
        x, y = pointer.pos.x(), pointer.pos.y()
        self._size = (width, height)
        self._grabbed = (x < width * _EDGE_SHARE, y < height * _EDGE_SHARE,
                         x > width * (1 - _EDGE_SHARE), y > height * (1 - _EDGE_SHARE))
        self._start = pointer.pos if any(self._grabbed) else None
        self._extension = Extension()

    def move(self, pointer: Pointer) -> None:
        if self._start is None:
            return
        dx, dy = pointer.pos.x() - self._start.x(), pointer.pos.y() - self._start.y()
        left, top, right, bottom = self._grabbed
        self._extension = Extension(round(max(0.0, -dx)) if left else 0, round(max(0.0, -dy)) if top else 0,
                                    round(max(0.0, dx)) if right else 0, round(max(0.0, dy)) if bottom else 0)

    def release(self, pointer: Pointer) -> None:
        if self._start is None:
            return
        self.move(pointer)
        extension, self._start = self._extension, None
        self._extension = Extension()
        if not extension.empty:
            self.host.request_extension(extension)

    def cancel(self) -> bool:
        dragging = self._start is not None
        self._start, self._extension = None, Extension()
        return dragging

    def busy(self) -> bool:
        return self._start is not None

    def extension(self) -> Extension:
        """What the drag adds so far."""
        return self._extension

    def preview_path(self) -> QPainterPath | None:
        if self._start is None or self._extension.empty:
            return None
        width, height = self._size
        left, top, right, bottom = self._extension.sides
        path = QPainterPath()
        path.addRect(QRectF(-left, -top, width + left + right, height + top + bottom))
        return path
