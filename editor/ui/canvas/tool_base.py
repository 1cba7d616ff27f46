"""What a canvas tool is: the pointer samples it gets, what it asks of the view, and the base class.

The tools themselves are in tools.py; this holds only the shape they share, so the view, the input
handling and every tool agree on it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from PySide6.QtCore import QPointF, Qt
from PySide6.QtGui import QPainterPath

from editor.core.mask_layer import BrushDab, MaskLayer
from editor.imaging.extend import Extension
from editor.imaging.region import FloodRegion
from editor.ui.canvas.geometry import distance


@dataclass(frozen=True)
class Pointer:
    """One pointer sample, already mapped to image coordinates."""

    pos: QPointF
    pressure: float = 1.0
    subtract: bool = False  # Alt or the right button
    constrain: bool = False  # Shift
    image_px_per_widget_px: float = 1.0  # converts on-screen distances to image distances

    def screen_distance(self, other: QPointF) -> float:
        return distance(self.pos, other) / self.image_px_per_widget_px


class ToolHost(Protocol):
    """What tools need from the view: the current mask, the brush, and a place to show regions."""

    def mask_layer(self) -> MaskLayer | None: ...

    def stroke_brush(self, pressure: float) -> tuple[BrushDab, float]: ...

    def show_fill_region(self, found: FloodRegion | None) -> None: ...

    def post_region(self, found: FloodRegion) -> None:
        """Hand a region found on a worker thread to FillTool.region_found on the GUI thread."""

    def request_extension(self, extension: Extension) -> None:
        """The Extend tool's drag ended: extend the canvas by `extension`."""


class CanvasTool:
    """Base tool: ignores everything. Subclasses override the events they care about."""

    name = ""
    cursor = Qt.CursorShape.CrossCursor
    shows_brush = False  # the view draws the brush footprint instead of a system cursor

    def __init__(self, host: ToolHost) -> None:
        self.host = host

    def press(self, pointer: Pointer) -> None:
        pass

    def move(self, pointer: Pointer) -> None:
        """The pointer moved with a button held."""

    def release(self, pointer: Pointer) -> None:
        pass

    def hover(self, pointer: Pointer | None) -> None:
        """The pointer moved with no button held (None: it left the canvas)."""

    def finish(self) -> bool:
        """Enter: complete what is in progress. True if there was something."""
        return False

    def double_click(self, pointer: Pointer) -> bool:
        """A double-click; True if the tool used it."""
        return False

    def cancel(self) -> bool:
        """Esc or a tool switch: drop what is in progress without editing. True if there was something."""
        return False

    def busy(self) -> bool:
        return False

    def preview_path(self) -> QPainterPath | None:
        """The outline to draw over the canvas, in image coordinates."""
        return None

    def outline_change(self) -> QPainterPath | None:
        """The part of the outline the last move changed, if smaller than old ∪ new outline."""
        return None
