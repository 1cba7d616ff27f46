"""Canvas tools: small press/move/release objects that turn pointer samples into mask edits.

Tools know image coordinates only; the view maps events, handles pan/zoom, and repaints. Each tool
edits the MaskLayer through its public operations, so one stroke or shape is one undo step.
"""

from __future__ import annotations

import logging
from dataclasses import replace

import numpy as np
from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QImage, QPainterPath

from editor.core.mask_layer import BrushDab, MaskLayer
from editor.core.photo import pixel_array
from editor.imaging.region import FloodRegion, RegionFinder
from editor.ui.canvas.extend_tool import ExtendTool
from editor.ui.canvas.geometry import drag_rect, ellipse_path, polygon_path, rect_path
from editor.ui.canvas.selection_tools import make_selection_tools
from editor.ui.canvas.tool_base import CanvasTool, Pointer, ToolHost

# The pointer, the host protocol and the base tool moved to tool_base; still importable from here.
__all__ = ["MAX_BRUSH_PX", "MIN_BRUSH_PX", "PRESSURE_MODES", "BrushTool", "CanvasTool", "FillTool",
           "LassoTool", "Pointer", "PolygonTool", "ShapeTool", "ToolHost", "make_tools", "pressure_brush"]

log = logging.getLogger(__name__)

# Screen distances (widget px): how far a lasso point must move to be kept, how near a polygon click
# must be to the first point to close it, and how small a drag counts as a click.
_LASSO_MIN_STEP_PX = 1.5
_POLYGON_SNAP_PX = 8.0
_MIN_DRAG_PX = 2.0
MIN_BRUSH_PX = 1.0
MAX_BRUSH_PX = 1000.0
PRESSURE_MODES = ("off", "size", "opacity", "both")


class BrushTool(CanvasTool):
    """Paints (or erases) evenly spaced dabs along the pointer path; Shift+click draws a straight line."""

    cursor = Qt.CursorShape.BlankCursor
    shows_brush = True

    def __init__(self, host: ToolHost, *, name: str, erase: bool) -> None:
        super().__init__(host)
        self.name = name
        self._erase = erase
        self._mask: MaskLayer | None = None
        self._last: QPointF | None = None  # last stroke point, kept between strokes for Shift+click
        self._last_pressure = 1.0
        self._stroking = False

    def press(self, pointer: Pointer) -> None:
        mask = self.host.mask_layer()
        if mask is None:
            return
        if mask is not self._mask:
            self._last = None
        self._mask = mask
        erase = self._erase != pointer.subtract
        mask.begin_stroke("Erase" if erase else "Brush stroke", erase=erase)
        if pointer.constrain and self._last is not None:
            self._segment_to(pointer)
        else:
            brush, pressure = self.host.stroke_brush(pointer.pressure)
            mask.stamp_dab(pointer.pos, brush, pressure)
        self._last, self._last_pressure = pointer.pos, pointer.pressure
        self._stroking = True

    def move(self, pointer: Pointer) -> None:
        if not self._stroking or self._mask is None:
            return
        if pointer.pos != self._last:
            self._segment_to(pointer)
            self._last, self._last_pressure = pointer.pos, pointer.pressure

    def release(self, pointer: Pointer) -> None:
        if not self._stroking or self._mask is None:
            return
        self.move(pointer)
        self._stroking = False
        self._mask.end_stroke()

    def cancel(self) -> bool:
        # A stroke in progress is kept (as in every paint program); it just ends here.
        if self._stroking and self._mask is not None:
            self._stroking = False
            self._mask.end_stroke()
        return False

    def busy(self) -> bool:
        return self._stroking

    def _segment_to(self, pointer: Pointer) -> None:
        assert self._mask is not None and self._last is not None
        pressure = (self._last_pressure + pointer.pressure) / 2
        brush, _ = self.host.stroke_brush(pressure)
        _, start = self.host.stroke_brush(self._last_pressure)
        _, end = self.host.stroke_brush(pointer.pressure)
        self._mask.stamp_segment(self._last, pointer.pos, brush, start, end)


class ShapeTool(CanvasTool):
    """Rectangle or ellipse by dragging; Shift makes it a square or a circle."""

    def __init__(self, host: ToolHost, *, name: str, label: str, ellipse: bool) -> None:
        super().__init__(host)
        self.name = name
        self._label = label
        self._ellipse = ellipse
        self._anchor: QPointF | None = None
        self._current: QPointF | None = None
        self._square = False
        self._subtract = False
        self._scale = 1.0

    def press(self, pointer: Pointer) -> None:
        self._anchor = self._current = pointer.pos
        self._square, self._subtract = pointer.constrain, pointer.subtract
        self._scale = pointer.image_px_per_widget_px

    def move(self, pointer: Pointer) -> None:
        if self._anchor is not None:
            self._current, self._square = pointer.pos, pointer.constrain

    def release(self, pointer: Pointer) -> None:
        if self._anchor is None:
            return
        self.move(pointer)
        rect = self._rect()
        self._anchor = self._current = None
        mask = self.host.mask_layer()
        if mask is None or rect is None or min(rect.width(), rect.height()) < _MIN_DRAG_PX * self._scale:
            return
        path = ellipse_path(rect) if self._ellipse else rect_path(rect)
        label = f"{self._label} (subtract)" if self._subtract else self._label
        mask.fill_path(path, erase=self._subtract, label=label)

    def cancel(self) -> bool:
        active = self._anchor is not None
        self._anchor = self._current = None
        return active

    def busy(self) -> bool:
        return self._anchor is not None

    def preview_path(self) -> QPainterPath | None:
        rect = self._rect()
        if rect is None:
            return None
        return ellipse_path(rect) if self._ellipse else rect_path(rect)

    def _rect(self) -> QRectF | None:
        if self._anchor is None or self._current is None:
            return None
        return drag_rect(self._anchor, self._current, square=self._square)


class _OutlineTool(CanvasTool):
    """A tool that collects the corners of an outline before filling it (lasso, polygon)."""

    def __init__(self, host: ToolHost) -> None:
        super().__init__(host)
        self._points: list[QPointF] = []
        self._subtract = False

    def cancel(self) -> bool:
        active = bool(self._points)
        self._points = []
        return active

    def busy(self) -> bool:
        return bool(self._points)


class LassoTool(_OutlineTool):
    """Freehand outline while the button is held; releasing closes and fills it."""

    name = "lasso"

    def press(self, pointer: Pointer) -> None:
        self._points = [pointer.pos]
        self._subtract = pointer.subtract

    def move(self, pointer: Pointer) -> None:
        if self._points and pointer.screen_distance(self._points[-1]) >= _LASSO_MIN_STEP_PX:
            self._points.append(pointer.pos)

    def release(self, pointer: Pointer) -> None:
        if not self._points:
            return
        if pointer.pos != self._points[-1]:
            self._points.append(pointer.pos)
        points, self._points = self._points, []
        _fill_outline(self.host, points, self._subtract, "Lasso")

    def preview_path(self) -> QPainterPath | None:
        return polygon_path(self._points, closed=False) if len(self._points) > 1 else None

    def outline_change(self) -> QPainterPath | None:
        # A freehand outline only grows at its end: repaint the newest segment, not the whole lasso.
        return polygon_path(self._points[-2:], closed=False) if len(self._points) > 1 else None


class PolygonTool(_OutlineTool):
    """Click the corners; Enter, a double-click or a click on the first corner closes; Esc cancels."""

    name = "polygon"

    def __init__(self, host: ToolHost) -> None:
        super().__init__(host)
        self._hover: QPointF | None = None

    def press(self, pointer: Pointer) -> None:
        if not self._points:
            self._subtract = pointer.subtract
            self._points = [pointer.pos]
            return
        if len(self._points) >= 3 and pointer.screen_distance(self._points[0]) <= _POLYGON_SNAP_PX:
            self.finish()
        elif pointer.screen_distance(self._points[-1]) > _MIN_DRAG_PX:
            # The second press of a double-click lands on the last corner: not a new corner.
            self._points.append(pointer.pos)

    def move(self, pointer: Pointer) -> None:
        self._hover = pointer.pos

    def hover(self, pointer: Pointer | None) -> None:
        self._hover = pointer.pos if pointer is not None else None

    def double_click(self, pointer: Pointer) -> bool:
        # Qt may or may not deliver a press before the double-click; a corner already placed there
        # is not added twice (see press()).
        self.press(pointer)
        return self.finish()

    def finish(self) -> bool:
        if not self._points:
            return False
        points, self._points = self._points, []
        _fill_outline(self.host, points, self._subtract, "Polygon")
        return True

    def preview_path(self) -> QPainterPath | None:
        if not self._points:
            return None
        points = [*self._points, self._hover] if self._hover is not None else self._points
        return polygon_path(points, closed=len(points) > 2)


class FillTool(CanvasTool):
    """Bucket fill: the photo's contiguous region within the tolerance, previewed while hovering.

    Hover floods run on a worker (RegionFinder) and come back through the host on the GUI thread;
    moving inside the region already shown costs nothing. A click floods at once (or reuses the
    shown region) and fills it into the mask as one undo step.
    """

    name = "fill"
    cursor = Qt.CursorShape.PointingHandCursor

    def __init__(self, host: ToolHost) -> None:
        super().__init__(host)
        self.tolerance = 32
        self._finder = RegionFinder(host.post_region)
        self._size = (0, 0)
        self._hover_seed: tuple[int, int] | None = None
        self._shown: FloodRegion | None = None

    def set_photo(self, photo: QImage | None) -> None:
        self._finder.set_photo((lambda: pixel_array(photo)) if photo is not None else None)
        self._size = (photo.width(), photo.height()) if photo is not None else (0, 0)
        self.cancel()

    def set_tolerance(self, tolerance: int) -> None:
        self.tolerance = int(min(255, max(0, tolerance)))
        self._hover_seed = None

    def press(self, pointer: Pointer) -> None:
        mask = self.host.mask_layer()
        seed = _pixel(pointer.pos)
        found = self._finder.find_now(seed, self.tolerance) if mask is not None else None
        if mask is None or found is None:
            return
        label = "Fill (subtract)" if pointer.subtract else "Fill"
        mask.fill_region(found.region, found.origin, erase=pointer.subtract, label=label)

    def hover(self, pointer: Pointer | None) -> None:
        seed = _pixel(pointer.pos) if pointer is not None else None
        if seed is None or not (0 <= seed[0] < self._size[0] and 0 <= seed[1] < self._size[1]):
            self.cancel()
            return
        if seed == self._hover_seed:
            return
        self._hover_seed = seed
        shown = self._shown
        if shown is not None and shown.tolerance == self.tolerance and shown.contains(*seed):
            return  # inside the region already shown: no flood per mouse move
        self._finder.request(seed, self.tolerance)

    def move(self, pointer: Pointer) -> None:
        self.hover(pointer)

    def region_found(self, found: FloodRegion) -> None:
        """A hover flood finished (GUI thread); show it if the pointer is still in it."""
        seed = self._hover_seed
        if seed is not None and found.tolerance == self.tolerance and found.contains(*seed):
            self._show(found)

    def cancel(self) -> bool:
        self._hover_seed = None
        self._show(None)
        return False

    def shutdown(self) -> None:
        self._finder.shutdown()

    def _show(self, found: FloodRegion | None) -> None:
        if found is not self._shown:
            self._shown = found
            self.host.show_fill_region(found)


def _pixel(pos: QPointF) -> tuple[int, int]:
    return int(np.floor(pos.x())), int(np.floor(pos.y()))


def _fill_outline(host: ToolHost, points: list[QPointF], subtract: bool, label: str) -> None:
    mask = host.mask_layer()
    if mask is None or len(points) < 3:
        return
    mask.fill_path(polygon_path(points), erase=subtract, label=f"{label} (subtract)" if subtract else label)


def pressure_brush(brush: BrushDab, mode: str, pressure: float) -> tuple[BrushDab, float]:
    """The brush for a dab at this pen pressure, and the pressure to hand to the mask.

    MaskLayer scales opacity by the pressure it is given; size is mapped here, as the diameter.
    """
    pressure = min(1.0, max(0.0, pressure))
    if mode in ("size", "both"):
        brush = replace(brush, diameter=min(MAX_BRUSH_PX, max(MIN_BRUSH_PX, brush.diameter * pressure)))
    return brush, pressure if mode in ("opacity", "both") else 1.0


def make_tools(host: ToolHost) -> dict[str, CanvasTool]:
    """One instance of every tool, keyed by the names in CanvasView.TOOLS."""
    tools: list[CanvasTool] = [
        BrushTool(host, name="brush", erase=False),
        BrushTool(host, name="eraser", erase=True),
        ShapeTool(host, name="rect", label="Rectangle", ellipse=False),
        ShapeTool(host, name="ellipse", label="Ellipse", ellipse=True),
        LassoTool(host),
        PolygonTool(host),
        FillTool(host),
        *make_selection_tools(host),
        ExtendTool(host),
    ]
    return {tool.name: tool for tool in tools}
